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

  // Read a posted code: in the browser where BarcodeDetector exists, else on the server
  // from the photo. The server says whose code it is.
  function readCode(file) {
    if (!("BarcodeDetector" in window) || !window.createImageBitmap) return Promise.resolve(null);
    return createImageBitmap(file).then(function (bitmap) {
      return new window.BarcodeDetector({ formats: ["qr_code"] }).detect(bitmap);
    }).then(function (codes) {
      return codes.length === 1 ? codes[0].rawValue : null;
    }).catch(function () { return null; });
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; }
    catch (e) { return ""; }
  }

  function setupScan(box) {
    var input = box.querySelector("[data-scan-input]");
    var result = box.querySelector("[data-scan-slot]");
    var form = box.closest("form");
    input.addEventListener("change", function () {
      var file = input.files[0];
      input.value = "";
      if (!file) return;
      readCode(file).then(function (payload) {
        var body = new FormData();
        if (payload) body.append("payload", payload); else body.append("photo", file);
        return fetch(box.getAttribute("data-scan-url"), {
          method: "POST", body: body, credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" }
        });
      }).then(function (response) {
        // 200 or 422 carry the verdict fragment; anything else (a lost login) is no answer.
        if (response.status !== 200 && response.status !== 422) throw new Error("no verdict");
        return response.text();
      }).then(function (html) {
        result.innerHTML = html;  // the server's own escaped fragment
        var verdict = result.querySelector("[data-verdict]");
        if (!verdict) return;
        box.querySelector("[data-scanned-payload]").value = verdict.getAttribute("data-payload");
        var answer = { own: "yes", other_venue: "no", unknown: "no" }[verdict.getAttribute("data-verdict")];
        var radio = answer && form.querySelector('input[name="qr_matches"][value="' + answer + '"]');
        if (radio) radio.checked = true;
        form.dispatchEvent(new Event("change", { bubbles: true }));
      }).catch(function () {
        result.textContent = box.getAttribute("data-msg-offline");
      });
    });
  }

  function setupScanPage(form) {
    var input = form.querySelector("[data-scan-input]");
    input.addEventListener("change", function () {
      var file = input.files[0];
      if (!file) return;
      readCode(file).then(function (payload) {
        if (payload) {
          form.querySelector("[data-scan-payload]").value = payload;
          input.disabled = true;  // the text is enough; spare the upload
        }
        form.submit();
      });
    });
  }

  // A figures date on another weekday than the report's: say so as it is chosen (the
  // server says it too); the date is still accepted.
  function setupReportWeekday(input) {
    var warning = input.parentNode.querySelector("[data-weekday-warning]");
    if (!warning) return;
    var weekday = Number(input.getAttribute("data-report-weekday"));
    input.addEventListener("change", function () {
      var parts = input.value.split("-");
      if (parts.length !== 3) { warning.hidden = true; return; }
      var day = new Date(Date.UTC(Number(parts[0]), Number(parts[1]) - 1, Number(parts[2])));
      warning.hidden = (day.getUTCDay() + 6) % 7 === weekday;  // Monday 0, as the server counts
      warning.textContent = warning.getAttribute("data-weekday-warning");
    });
  }

  function init() {
    document.querySelectorAll("[data-report-weekday]").forEach(setupReportWeekday);
    document.querySelectorAll("[data-scan-box]").forEach(setupScan);
    document.querySelectorAll("[data-scan-form]").forEach(setupScanPage);
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-show-when]")) {
        applyConditions(form);
        form.addEventListener("change", function () { applyConditions(form); });
      }
      if (form.hasAttribute("data-gps-form")) setupGps(form);
    });
    setupOfflineBanner();
    document.querySelectorAll("[data-tick-form]").forEach(countTicks);
    document.body.addEventListener("htmx:afterSettle", function () {
      document.querySelectorAll("[data-tick-form]").forEach(countTicks);
    });
  }

  // The venue list's tick boxes: the button says how many venues it will assign
  // ("Giao 3 địa điểm"); its words come from the server (data-label-one/-other).
  // The ticks are kept for this tab (sessionStorage) when the filters change the list:
  // those the new list does not show are sent as hidden inputs, and said so beside
  // "Bỏ chọn tất cả". Confirming the assignment forgets them.
  // Without this the button reads "assign the ticked venues" and works the same.
  var TICKS = "fieldapp.venue-ticks";
  function storedTicks() {
    try { return JSON.parse(window.sessionStorage.getItem(TICKS)) || []; } catch (e) { return []; }
  }
  function storeTicks(ids) {
    try { window.sessionStorage.setItem(TICKS, JSON.stringify(ids)); } catch (e) { /* private mode */ }
  }
  function label(element, n) {
    return element.getAttribute(n === 1 ? "data-label-one" : "data-label-other").replace("__N__", String(n));
  }
  function countTicks(form) {
    var button = form.querySelector("#assign-ticked");
    if (!button) return;
    var stored = storedTicks();
    var shown = {};
    var n = 0;
    document.querySelectorAll('input[data-tick][form="' + form.id + '"]').forEach(function (box) {
      shown[box.value] = true;
      if (stored.indexOf(box.value) >= 0) box.checked = true;
      if (box.checked) n += 1;
    });
    form.querySelectorAll("input[data-tick-kept]").forEach(function (kept) { kept.remove(); });
    var elsewhere = stored.filter(function (id) { return !shown[id]; });
    elsewhere.forEach(function (id) {
      var kept = document.createElement("input");
      kept.type = "hidden";
      kept.name = "venue";
      kept.value = id;
      kept.setAttribute("data-tick-kept", "");
      form.appendChild(kept);
    });
    n += elsewhere.length;
    var note = form.querySelector("#ticks-elsewhere");
    if (note) {
      note.hidden = elsewhere.length === 0;
      if (elsewhere.length) note.querySelector("span").textContent = label(note, elsewhere.length);
    }
    if (button.hasAttribute("data-label-one")) button.textContent = label(button, n);
    button.disabled = n === 0;
  }
  document.addEventListener("change", function (event) {
    var tick = event.target;
    if (!tick.matches || !tick.matches("input[data-tick]")) return;
    var stored = storedTicks().filter(function (id) { return id !== tick.value; });
    if (tick.checked) stored.push(tick.value);
    storeTicks(stored);
    var form = document.getElementById(tick.getAttribute("form"));
    if (form) countTicks(form);
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("#ticks-clear")) return;
    storeTicks([]);
    document.querySelectorAll("input[data-tick]").forEach(function (box) { box.checked = false; });
    document.querySelectorAll("[data-tick-form]").forEach(countTicks);
  });
  document.addEventListener("submit", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-clears-ticks")) storeTicks([]);
  });

  // The report's Print button: the print stylesheet leaves the notice and its appendix.
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
