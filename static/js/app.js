// fieldapp: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Show a block only when a radio answer matches: data-show-when="name=value" or "name!=value".
  function applyConditions(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (block) {
      var rule = block.getAttribute("data-show-when");
      var negate = rule.indexOf("!=") > 0;
      var parts = rule.split(negate ? "!=" : "=");
      var checked = form.querySelector('input[name="' + parts[0] + '"]:checked');
      var value = checked ? checked.value : "";
      var show = negate ? value !== parts[1] : value === parts[1];
      // Keep an unanswered "!=" block visible: the question may apply.
      if (negate && !checked) show = true;
      block.hidden = !show;
    });
  }

  function setupGps(form) {
    var status = form.querySelector("[data-gps-status]");
    var button = form.querySelector("[data-gps-button]");
    if (!status || !button) return;
    var field = function (name) { return form.querySelector('[data-gps="' + name + '"]'); };
    var say = function (key, fallback) { return status.getAttribute("data-msg-" + key) || fallback; };
    function locate() {
      if (!navigator.geolocation) { status.textContent = say("unsupported", "GPS unavailable"); return; }
      status.textContent = say("waiting", "…");
      navigator.geolocation.getCurrentPosition(function (pos) {
        var c = pos.coords;
        field("latitude").value = c.latitude.toFixed(6);
        field("longitude").value = c.longitude.toFixed(6);
        if (field("accuracy")) field("accuracy").value = Math.round(c.accuracy);
        status.textContent = c.latitude.toFixed(5) + ", " + c.longitude.toFixed(5) + " (± " + Math.round(c.accuracy) + " m)";
        form.dispatchEvent(new Event("change", { bubbles: true }));
      }, function () {
        status.textContent = say("failed", "No position");
      }, { enableHighAccuracy: true, timeout: 30000, maximumAge: 60000 });
    }
    button.addEventListener("click", locate);
    if (status.hasAttribute("data-auto") && !field("latitude").value) locate();
  }

  // htmx swaps nothing when the network is down: say so instead of showing stale results.
  function setupOfflineBanner() {
    var banner = document.querySelector("[data-offline-banner]");
    if (!banner) return;
    document.body.addEventListener("htmx:sendError", function (e) {
      // The outcome is computed by the server: offline, say when it will be known.
      var preview = e.detail.elt.closest && e.detail.elt.closest("[data-offline-message]");
      var target = preview && document.getElementById("outcome-preview");
      if (target) target.textContent = preview.getAttribute("data-offline-message");
      else banner.hidden = false;
    });
    document.body.addEventListener("htmx:afterRequest", function (e) {
      if (e.detail.successful) banner.hidden = true;
    });
    window.addEventListener("online", function () { banner.hidden = true; });
  }

  function init() {
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-show-when]")) {
        applyConditions(form);
        form.addEventListener("change", function () { applyConditions(form); });
      }
      if (form.hasAttribute("data-gps-form")) setupGps(form);
    });
    setupOfflineBanner();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
