// fieldapp offline: registers the service worker, keeps the inspection form as a
// draft on the phone, queues findings in the outbox and shows the outbox.
// Without IndexedDB (very old browsers) the form simply posts as a plain page.
(function () {
  "use strict";
  var Outbox = window.FieldappOutbox;
  var textNode = document.getElementById("fieldapp-text");
  var text = textNode ? JSON.parse(textNode.textContent) : {};
  var userId = document.body.getAttribute("data-user-id");
  userId = userId ? Number(userId) : null;

  function t(key, n) {
    var message = text[key] || key;
    return n == null ? message : message.replace("{n}", n);
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function two(n) { return (n < 10 ? "0" : "") + n; }
  function formatTime(ms) {
    var d = new Date(ms);
    return two(d.getDate()) + "/" + two(d.getMonth() + 1) + "/" + d.getFullYear() + " " +
      two(d.getHours()) + ":" + two(d.getMinutes());
  }

  function newUuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // --- the service worker -------------------------------------------------
  var worker = "serviceWorker" in navigator
    ? navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
        return navigator.serviceWorker.ready;
      }).catch(function () { return null; })
    : Promise.resolve(null);

  function tellWorker(message) {
    worker.then(function (registration) {
      if (registration && registration.active) registration.active.postMessage(message);
    });
  }

  function askForSync() {
    worker.then(function (registration) {
      if (registration && registration.sync) registration.sync.register("outbox").catch(function () {});
    });
  }

  if (new URLSearchParams(location.search).get("logged_out")) tellWorker({ type: "forget-pages" });
  // A kept page opened after the login ended on this phone (cookies cleared or expired), by a
  // worker that could not tell (no cookieStore there): forget the pages, show the offline page.
  // A page from the server always comes with the cookie (fieldapp/offline/session_mark.py).
  if (userId != null && document.cookie.split("; ").indexOf("fieldapp_user=" + userId) === -1) {
    tellWorker({ type: "forget-pages" });
    location.replace("/offline");
    return;
  }
  // A 401 (the login ended meanwhile) empties the kept pages too; outbox.js calls this.
  window.fieldappSessionEnded = function () { tellWorker({ type: "forget-pages" }); };
  // Before htmx follows the 401's HX-Redirect to the login page (it fires no error then).
  document.body.addEventListener("htmx:beforeOnLoad", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 401) window.fieldappSessionEnded();
  });

  if (!window.indexedDB || !Outbox) return;

  // --- badge and sending ---------------------------------------------------
  function refreshBadge() {
    var badge = document.querySelector("[data-outbox-badge]");
    if (!badge || userId == null) return Promise.resolve();
    return Outbox.items(userId).then(function (items) {
      var waiting = items.filter(function (item) { return item.state !== "sent"; }).length;
      badge.hidden = waiting === 0;
      badge.querySelector("[data-outbox-count]").textContent = waiting;
      badge.classList.toggle("has-refused", items.some(function (item) { return item.state === "refused"; }));
    });
  }

  function flushNow() {
    if (userId == null) return Promise.resolve();
    return Outbox.flush().then(refreshBadge, refreshBadge);
  }

  // The form's "saved on this phone" notice says so once its finding has been sent.
  function updateQueuedNotice() {
    var notice = document.querySelector("[data-queued][data-uuid]");
    if (!notice) return;
    Outbox.getItem(notice.getAttribute("data-uuid")).then(function (item) {
      if (!item || item.state !== "sent") return;
      notice.querySelector("p").textContent = t("queued_sent");
      notice.className = "flash flash-success queued";
      // and the outcome box, which said it would be known once sent, gives it
      var outcome = document.getElementById("outcome-preview");
      if (outcome && item.result && item.result.outcomeLabel) outcome.textContent = item.result.outcomeLabel;
    });
  }

  function outboxChanged() { refreshBadge(); renderOutboxPage(); updateQueuedNotice(); }
  if (Outbox.channel) Outbox.channel.onmessage = outboxChanged;
  window.addEventListener("fieldapp-outbox-changed", outboxChanged);
  window.addEventListener("online", flushNow);
  if (navigator.onLine) flushNow(); else refreshBadge();

  // --- logging out with findings still on the phone --------------------------
  // Waiting findings would wait, hidden, until the same inspector logs in again here: say
  // so, offer to send them first, and log out only when told to. Refused ones are never sent
  // by themselves: they are named apart, to fix or delete in the outbox.
  function stillWaiting(item) {
    return item.state === "waiting" || item.state === "sending" || item.state === "login";
  }
  function counts(items) {
    return { waiting: items.filter(stillWaiting).length,
             refused: items.filter(function (item) { return item.state === "refused"; }).length };
  }
  var logoutForm = document.querySelector("[data-logout-form]");
  if (logoutForm && userId != null) {
    logoutForm.addEventListener("submit", function (event) {
      event.preventDefault();
      Outbox.items(userId).then(function (items) {
        var found = counts(items);
        if (found.waiting || found.refused) showLogoutWarning(found);
        else logOut();
      }, logOut);
    });
  }

  // The logout is the server's (the login cookie is out of the page's reach): with no signal
  // nothing can end it, so the inspector is told they are still logged in, and stays here,
  // rather than handing over a phone they believe logged out.
  // Asking for the session waits for the network (up to its timeout on a stalled link): the
  // buttons say so meanwhile, and a second tap does not ask again.
  var checkingSignal = false;
  function checking(on) {
    checkingSignal = on;
    var buttons = [logoutForm.querySelector("button[type=submit]"),
                   document.querySelector("[data-logout-anyway]")];
    buttons.forEach(function (button) {
      if (!button) return;
      if (on) {
        button.setAttribute("data-label", button.textContent);
        button.textContent = t("checking_signal");
      } else if (button.hasAttribute("data-label")) {
        button.textContent = button.getAttribute("data-label");
        button.removeAttribute("data-label");
      }
      button.disabled = on;
      if (on) button.setAttribute("aria-busy", "true"); else button.removeAttribute("aria-busy");
    });
  }
  function logOut() {
    if (checkingSignal) return Promise.resolve();
    checking(true);
    return Outbox.session().catch(function () { return { offline: true }; }).then(function (current) {
      if (!current.offline) { logoutForm.submit(); return; }
      checking(false);
      var box = document.getElementById("logout-warning") || logoutBox([]);
      box.className = "flash flash-error logout-warning";
      var note = box.querySelector("[data-logout-offline]");
      if (!note) {
        note = el("p", { "data-logout-offline": "", text: t("logout_needs_signal") });
        box.insertBefore(note, box.firstChild);
      }
      note.scrollIntoView({ block: "nearest" });
    });
  }

  function logoutBox(children) {
    var old = document.getElementById("logout-warning");
    if (old) old.remove();
    var box = el("div", { class: "flash flash-error logout-warning", role: "alert", id: "logout-warning" }, children);
    logoutForm.parentNode.insertBefore(box, logoutForm);
    box.scrollIntoView({ block: "nearest" });
    return box;
  }

  function showLogoutWarning(found) {
    var message = el("p", { "data-logout-waiting": "" });
    var refused = el("p", { "data-logout-refused": "" });
    var sendNow = el("button", { type: "button", class: "btn btn-primary btn-block", "data-logout-send": "",
                                 text: t("send_now") });
    var outbox = el("a", { class: "btn btn-secondary btn-block", href: "/outbox", text: t("open_outbox") });
    var anyway = el("button", { type: "button", class: "btn btn-secondary btn-block", "data-logout-anyway": "",
                                text: t("logout_anyway") });
    function show(now) {
      message.textContent = now.waiting ? t("logout_waiting", now.waiting) : "";
      message.hidden = !now.waiting;
      refused.textContent = now.refused ? t("logout_refused", now.refused) : "";
      refused.hidden = !now.refused;
      sendNow.hidden = !now.waiting;
    }
    show(found);
    var box = logoutBox([message, refused, sendNow, outbox, anyway]);
    sendNow.addEventListener("click", function () {
      sendNow.disabled = true;
      var offline = box.querySelector("[data-logout-offline]");
      if (offline) offline.remove();
      Outbox.flush().catch(function () { return {}; }).then(function (result) {
        return Outbox.items(userId).then(function (items) {
          refreshBadge();
          sendNow.disabled = false;
          var now = counts(items);
          show(now);
          if (now.waiting) {
            if (result && result.offline) message.textContent += " " + t("no_signal_now");
            return;
          }
          if (now.refused) return;
          message.textContent = t("logout_sent");
          message.hidden = false;
          box.className = "flash flash-success logout-warning";
          sendNow.remove();
          outbox.remove();
          anyway.textContent = t("log_out");
        });
      });
    });
    anyway.addEventListener("click", logOut);
  }

  // --- keeping venues for later, with no signal -----------------------------
  function prefetchVenues(root, limit) {
    var ids = [];
    root.querySelectorAll("[data-prefetch-venue]").forEach(function (link) {
      var id = link.getAttribute("data-prefetch-venue");
      if (ids.length < limit && ids.indexOf(id) === -1) ids.push(id);
    });
    if (!ids.length) return;
    var urls = [];
    ids.forEach(function (id) { urls.push("/venues/" + id, "/venues/" + id + "/inspections/new"); });
    tellWorker({ type: "prefetch", urls: urls.concat(["/outbox"]) });
  }
  prefetchVenues(document, 20);
  // A finding the inspector may correct: its page and its correction form open with no signal.
  function prefetchFindings(ids) {
    var urls = [];
    ids.forEach(function (id) { urls.push("/inspections/" + id, "/inspections/" + id + "/edit"); });
    if (urls.length) tellWorker({ type: "prefetch", urls: urls.concat(["/outbox"]) });
  }
  prefetchFindings(Array.prototype.map.call(document.querySelectorAll("[data-prefetch-finding]"), function (link) {
    return link.getAttribute("data-prefetch-finding");
  }).slice(0, 10));
  document.body.addEventListener("htmx:afterSettle", function () {
    // After an outerHTML swap the event's target is the old, removed element.
    var results = document.getElementById("venue-results");
    if (results) prefetchVenues(results, 5);
  });

  // --- the inspection form ---------------------------------------------------
  // A new finding, or the correction of a recorded one: both keep a draft on the phone and
  // go through the outbox when there is no signal.
  var form = document.querySelector("[data-inspection-form], [data-correction-form]");
  if (form) setupInspectionForm(form);

  function setupInspectionForm(form) {
    var correcting = form.hasAttribute("data-correction-form");
    var inspectionId = correcting ? Number(form.getAttribute("data-inspection-id")) : null;
    var venueId = Number(form.getAttribute("data-venue-id"));
    var venueName = form.getAttribute("data-venue-name");
    var uuidField = form.querySelector('[name="uuid"]');
    var photoInput = form.querySelector("[data-photo-input]");
    var previews = form.querySelector("[data-photo-previews]");
    var photoCount = form.querySelector("[data-photo-count]");
    var submitButton = document.querySelector("[data-submit]");
    var photos = [];
    var busy = false;
    var saveTimer = null;
    var reRendered = form.hasAttribute("data-unsaved");  // the server sent it back with errors
    // The server's limits (FIELDAPP_MAX_PHOTOS, FIELDAPP_PHOTO_MAX_SIDE), never numbers of our own.
    var maxPhotos = Number(form.getAttribute("data-max-photos")) || Infinity;
    var maxSide = Number(form.getAttribute("data-photo-max-side")) || Infinity;

    // A cached copy of a new form must not reuse a UUID; a correction keeps its finding's.
    if (!reRendered && !correcting) uuidField.value = newUuid();
    // A correction's draft is the finding's (one per finding); its outbox entry has a key of
    // its own, kept when it is fixed and sent again.
    var draftKey = correcting ? "correction-" + uuidField.value : null;
    var itemUuid = null;
    function key() { return correcting ? draftKey : uuidField.value; }

    function fields() {
      var pairs = [];
      new FormData(form).forEach(function (value, name) {
        if (name !== "csrf_token" && typeof value === "string") pairs.push([name, value]);
      });
      return pairs;
    }

    function saveDraft() {
      return Outbox.saveDraft({
        uuid: key(), userId: userId, venueId: venueId, venueName: venueName,
        correction: correcting, inspectionId: inspectionId, itemUuid: itemUuid,
        fields: fields(), updatedAt: Date.now(),
        photos: photos.map(function (p) { return { name: p.name, blob: p.blob }; })
      });
    }

    function scheduleSave(event) {
      if (event && !event.isTrusted) return;  // the GPS fix alone is not a draft
      clearTimeout(saveTimer);
      saveTimer = setTimeout(saveDraft, 300);
    }

    function renderPhotos() {
      previews.textContent = "";
      photos.forEach(function (photo, index) {
        if (!photo.url) photo.url = URL.createObjectURL(photo.blob);
        var remove = el("button", { type: "button", class: "photo-remove",
                                    "aria-label": t("remove_photo", index + 1), text: "×" });
        remove.addEventListener("click", function () {
          URL.revokeObjectURL(photo.url);
          photos.splice(index, 1);
          renderPhotos();
          saveDraft();
        });
        previews.appendChild(el("figure", { class: "photo-preview" },
          [el("img", { src: photo.url, alt: photo.name }), remove]));
      });
      // A correction's form says "no new photo": the finding's own are shown above it.
      photoCount.textContent = photos.length ? t("photos_chosen", photos.length)
        : (photoCount.getAttribute("data-empty-text") || t("no_photo"));
    }

    // Photos leave the phone no larger than the server keeps them, as JPEG: three go
    // through on 3G.
    function downscale(file) {
      if (!window.createImageBitmap) return Promise.resolve(file);
      return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
        var scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * scale);
        canvas.height = Math.round(bitmap.height * scale);
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        return new Promise(function (resolve) {
          canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.82);
        });
      }).catch(function () { return file; });  // not a picture: the server will say so
    }

    if (photoInput) {
      photoInput.addEventListener("change", function () {
        var files = Array.prototype.slice.call(photoInput.files);
        photoInput.value = "";
        Promise.all(files.map(downscale)).then(function (blobs) {
          blobs.forEach(function (blob, i) {
            if (photos.length < maxPhotos) {
              var name = files[i].name.replace(/\.[^.]*$/, "") + (blob === files[i] ? "" : ".jpg");
              photos.push({ name: blob === files[i] ? files[i].name : name, blob: blob });
            }
          });
          renderPhotos();
          saveDraft();
        });
      });
    }

    function restore(draft) {
      var versionField = form.querySelector('[name="version"]');
      var changedSince = false;
      if (correcting) {
        itemUuid = draft.itemUuid || null;
        // The draft's answers go onto the finding as it is now (the page's version): with the
        // version it was typed against, it would be refused as stale again and again.
        draft.fields.forEach(function (pair) {
          if (pair[0] === "version" && versionField && pair[1] !== versionField.value) changedSince = true;
        });
      } else {
        if (draft.uuid !== uuidField.value) Outbox.deleteDraft(uuidField.value);  // what this form had
        uuidField.value = draft.uuid;
      }
      form.querySelectorAll('input[type="radio"], input[type="checkbox"]').forEach(function (input) {
        input.checked = false;
      });
      draft.fields.forEach(function (pair) {
        form.querySelectorAll('[name="' + pair[0] + '"]').forEach(function (input) {
          if (input.type === "radio" || input.type === "checkbox") {
            if (input.value === pair[1]) input.checked = true;
          } else if (input.type !== "file" && !(correcting && (input.name === "uuid" || input.name === "version"))) {
            input.value = pair[1];
          }
        });
      });
      photos = (draft.photos || []).map(function (p) { return { name: p.name, blob: p.blob }; });
      renderPhotos();
      form.dispatchEvent(new Event("change", { bubbles: true }));  // conditions and outcome
      if (draft.refusal === "stale") {
        showNotice(t("restored_on_current"), "data-restored-current");
      } else if (draft.errors || draft.message) {
        showErrors(draft.message, draft.errors || {}, draft.problems);
      } else if (changedSince) {
        showNotice(t("restored_on_current"), "data-restored-current");
      }
    }

    // What the inspector must know about the answers now on the form (not an error).
    function showNotice(message, mark) {
      var attrs = { class: "flash flash-info", role: "status", "data-client-error": "" };
      attrs[mark] = "";
      var box = el("div", attrs, [el("p", { text: message })]);
      form.parentNode.insertBefore(box, form);
      box.scrollIntoView({ block: "start" });
    }

    function offerDraft(draft) {
      var box = el("div", { class: "flash flash-info draft-offer", role: "status" }, [
        el("p", { text: t("draft_found", formatTime(draft.updatedAt)) })]);
      var useIt = el("button", { type: "button", class: "btn btn-primary", text: t("draft_restore") });
      var drop = el("button", { type: "button", class: "btn btn-secondary", text: t("draft_discard") });
      useIt.addEventListener("click", function () { restore(draft); box.remove(); });
      drop.addEventListener("click", function () {
        if (!window.confirm(t("confirm_discard"))) return;
        Outbox.deleteDraft(draft.uuid);  // the draft's key
        box.remove();
      });
      box.appendChild(el("p", { class: "button-row" }, [useIt, drop]));
      form.parentNode.insertBefore(box, form);
      box.scrollIntoView({ block: "center" });  // a reload may have restored the scroll
    }

    function clearErrors() {
      document.querySelectorAll("[data-client-error]").forEach(function (node) { node.remove(); });
      form.querySelectorAll(".has-error").forEach(function (node) { node.classList.remove("has-error"); });
    }

    // `problems` (the server's list in the form's order) orders the summary when given.
    function showErrors(message, errors, problems) {
      clearErrors();
      var links = el("ul", { class: "error-links" });
      var names = problems ? problems.map(function (problem) { return problem.name; }) : Object.keys(errors);
      names.filter(function (name) { return errors[name]; }).forEach(function (name) {
        var field = document.getElementById("field-" + name);
        var label = field && field.querySelector(".label, legend");
        if (field) {
          field.classList.add("has-error");
          errors[name].forEach(function (error) {
            field.appendChild(el("p", { class: "error", role: "alert", "data-client-error": "", text: error }));
          });
        }
        links.appendChild(el("li", {}, [field
          ? el("a", { href: "#field-" + name, text: label ? label.textContent.trim() : name })
          : el("span", { text: errors[name].join(" ") })]));
      });
      var summary = el("div", { class: "flash flash-error", role: "alert", "data-client-error": "" },
                       [el("p", { text: message || t("refused") }), links]);
      form.parentNode.insertBefore(summary, form);
      summary.scrollIntoView({ block: "start" });
    }

    function showQueued(kind, uuid) {
      var area = document.querySelector("[data-submit-area]");
      var message = kind === "login" ? t("queued_login") : t("queued_offline");
      var links = [el("a", { class: "btn btn-primary btn-block", href: "/outbox", text: t("open_outbox") }),
                   correcting
                     ? el("a", { class: "btn btn-secondary btn-block", href: "/inspections/" + inspectionId, text: t("open_finding") })
                     : el("a", { class: "btn btn-secondary btn-block", href: "/venues/" + venueId, text: t("back_to_venue") })];
      if (kind === "login") {
        links.unshift(el("a", { class: "btn btn-primary btn-block", href: "/login?next=/outbox", text: t("log_in") }));
      }
      area.textContent = "";
      area.className = "queued-area";
      area.appendChild(el("div", { class: "flash flash-info queued", role: "status", "data-queued": "", "data-uuid": uuid },
                          [el("p", { text: message })].concat(links)));
      form.querySelectorAll("input, textarea, select, button").forEach(function (input) { input.disabled = true; });
      area.scrollIntoView({ block: "center" });
    }

    var submitLabel = submitButton ? submitButton.textContent : "";
    function setBusy(on) {
      busy = on;
      if (submitButton) {
        submitButton.disabled = on;
        submitButton.textContent = on ? t("state_sending") : submitLabel;
      }
    }

    form.addEventListener("input", scheduleSave);
    form.addEventListener("change", scheduleSave);
    // The photo rule the server applies (fieldapp/inspections/service.py, submit_finding),
    // checked before the finding is queued: with no signal it would be refused only once the
    // inspector has left the venue and the entrance can no longer be photographed.
    function photoProblem() {
      if (photos.length) return null;
      if (!correcting) return t("photo_required");
      var kept = form.querySelectorAll('[name="remove_photo"]');
      var removed = form.querySelectorAll('[name="remove_photo"]:checked');
      return kept.length && removed.length === kept.length ? t("keep_one_photo") : null;
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) return;  // a double tap sends once
      setBusy(true);
      // Online the server says it, with every other answer to fix; never queued without it.
      var missing = photoProblem();
      var queuedMissing = false;
      function refuseMissing() {
        setBusy(false);
        showErrors(t("answers_need_fixing"), { photos: [missing] });
      }
      var clock = form.querySelector("[data-device-time]");
      if (clock && !clock.value) clock.value = new Date().toISOString();
      clearTimeout(saveTimer);
      if (correcting && !itemUuid) itemUuid = newUuid();
      var item = {
        uuid: correcting ? itemUuid : uuidField.value, userId: userId, venueId: venueId, venueName: venueName,
        action: form.getAttribute("action"), fields: fields(), queuedAt: Date.now(), state: "waiting",
        photos: photos.map(function (p) { return { name: p.name, blob: p.blob }; })
      };
      if (correcting) {
        item.correction = true;
        item.inspectionId = inspectionId;
        item.draftKey = draftKey;
      }
      saveDraft().then(function () { return missing ? null : Outbox.saveItem(item); }).then(function () {
        return Outbox.session();
      }).then(function (current) {
        if (current.offline || current.error) return "offline";
        // Only the inspector who filled the form may send it (a phone may be shared).
        if (current.login || current.user_id !== userId) return "login";
        if (missing) queuedMissing = true;
        return (missing ? Outbox.saveItem(item) : Promise.resolve()).then(function () {
          return Outbox.send(item, current.csrf_token, { flash: true });
        }).then(function (outcome) {
          if (outcome !== "csrf") return outcome;
          return Outbox.session().then(function (again) {
            return again.csrf_token ? Outbox.send(item, again.csrf_token, { flash: true }) : "offline";
          });
        });
      }).then(function (outcome) {
        if (outcome === "sent") {
          // replace(): Back must not return to a form that was already sent.
          return Outbox.deleteDraft(key()).then(function () { location.replace(item.result.nextUrl || item.result.venueUrl); });
        }
        if (outcome === "refused") {
          setBusy(false);
          refreshBadge();
          showErrors(item.message, item.errors || {}, item.problems);
          return null;
        }
        if (missing) {
          // Not queued: the draft keeps everything while a photo is taken. Cut off while
          // sending, it waits in the outbox as refused, with the same reason, to fix there.
          return (queuedMissing ? Outbox.getItem(item.uuid) : Promise.resolve(null)).then(function (stored) {
            if (!stored) return null;
            stored.state = "refused";
            stored.refusal = "invalid";
            stored.message = t("answers_need_fixing");
            stored.errors = { photos: [missing] };
            return Outbox.saveItem(stored);
          }).then(function () { refreshBadge(); refuseMissing(); });
        }
        // No signal, a server hiccup or a lost login: the outbox has it now.
        return Outbox.deleteDraft(key()).then(function () {
          if (outcome === "login") {
            return Outbox.getItem(item.uuid).then(function (stored) {
              stored.state = "login";
              return Outbox.saveItem(stored);
            });
          }
          return null;
        }).then(function () {
          askForSync();
          refreshBadge();
          showQueued(outcome === "login" ? "login" : "offline", item.uuid);
        });
      }).catch(function () {
        setBusy(false);
        showErrors(t("storage_failed"), {});
      });
    });

    if (correcting) tellWorker({ type: "prefetch", urls: ["/inspections/" + inspectionId, "/venues/" + venueId] });
    if (reRendered) return;
    // A correction of this finding still on the phone: this form shows the answers without it.
    if (correcting) {
      Outbox.items(userId).then(function (items) {
        var mine = items.filter(function (item) { return item.correction && item.inspectionId === inspectionId; });
        var fixing = new URLSearchParams(location.search).get("fix");
        if (mine.some(stillWaiting)) {
          form.parentNode.insertBefore(el("div", { class: "flash flash-info", role: "status", "data-correction-waiting": "" }, [
            el("p", { text: t("correction_waiting") }),
            el("a", { class: "btn btn-secondary", href: "/outbox", text: t("open_outbox") })]), form);
        } else if (!fixing && mine.some(function (item) { return item.state === "refused"; })) {
          // Never sent by itself again: the inspector fixes it, or deletes it, in the outbox.
          form.parentNode.insertBefore(el("div", { class: "flash flash-info", role: "status", "data-correction-refused": "" }, [
            el("p", { text: t("correction_refused") }),
            el("a", { class: "btn btn-secondary", href: "/outbox", text: t("open_outbox") })]), form);
        }
      });
    }
    var found = correcting ? Outbox.getDraft(draftKey) : Outbox.latestDraft(userId, venueId, uuidField.value);
    found.then(function (draft) {
      if (!draft || draft.userId !== userId) return;
      if (new URLSearchParams(location.search).get("fix") === draft.uuid) restore(draft);
      else offerDraft(draft);
    });
  }

  // --- the outbox page --------------------------------------------------------
  function renderOutboxPage() {
    var list = document.getElementById("outbox-list");
    if (!list || userId == null) return;
    Outbox.items(userId).then(function (items) {
      list.textContent = "";
      document.getElementById("outbox-empty").hidden = items.length > 0;
      document.querySelector("[data-outbox-login]").hidden =
        !items.some(function (item) { return item.state === "login"; });
      items.forEach(function (item) { list.appendChild(outboxRow(item)); });
    });
  }

  function outboxRow(item) {
    var actions = el("p", { class: "button-row" });
    function action(label, cls, handler) {
      var button = el("button", { type: "button", class: "btn " + cls, text: label });
      button.addEventListener("click", handler);
      actions.appendChild(button);
    }
    if (item.state === "waiting" || item.state === "login" || item.state === "sending") {
      action(t("send_now"), "btn-primary", function () { flushNow(); });
    }
    // A stale correction (the finding changed meanwhile) is fixed the same way: its answers
    // are put on the form as the finding is now, to check and send again.
    if (item.state === "refused" && (item.refusal === "invalid" || (item.correction && item.refusal === "stale"))) {
      action(t("fix_and_resend"), "btn-primary", function () {
        var draftKey = item.correction ? item.draftKey : item.uuid;
        Outbox.saveDraft({ uuid: draftKey, userId: item.userId, venueId: item.venueId,
                           venueName: item.venueName, fields: item.fields, photos: item.photos,
                           correction: !!item.correction, inspectionId: item.inspectionId || null,
                           itemUuid: item.correction ? item.uuid : null,
                           errors: item.errors, problems: item.problems, message: item.message,
                           refusal: item.refusal, updatedAt: Date.now() })
          .then(function () {
            location.assign(item.correction
              ? item.action + "?fix=" + encodeURIComponent(draftKey)
              : "/venues/" + item.venueId + "/inspections/new?fix=" + item.uuid);
          });
      });
    }
    // Refused because the venue was closed meanwhile: once the office reopens it, the
    // same finding goes again (a closed venue refuses it again, and it stays here).
    if (item.state === "refused" && item.refusal === "venue_closed") {
      action(t("send_again"), "btn-primary", function () {
        item.state = "waiting";
        item.message = "";
        Outbox.saveItem(item).then(flushNow);
      });
    }
    if (item.correction && (item.state === "sent" || item.state === "refused")) {
      actions.appendChild(el("a", { class: "btn btn-secondary", href: "/inspections/" + item.inspectionId,
                                    text: t("open_finding") }));
    }
    if (item.state === "refused" && item.refusal === "conflict") {
      action(t("record_as_new"), "btn-primary", function () {
        var copy = Object.assign({}, item, { uuid: newUuid(), state: "waiting", message: "", errors: null, problems: null });
        copy.fields = item.fields.map(function (pair) { return pair[0] === "uuid" ? ["uuid", copy.uuid] : pair; });
        Outbox.deleteItem(item.uuid).then(function () { return Outbox.saveItem(copy); }).then(flushNow);
      });
    }
    if (item.state === "sent" && item.result && !item.correction) {
      actions.appendChild(el("a", { class: "btn btn-secondary", href: item.result.venueUrl, text: t("open_venue") }));
    }
    if (item.state !== "sending") {
      action(t("delete"), "btn-secondary", function () {
        if (item.state === "sent" || window.confirm(t("confirm_delete"))) Outbox.deleteItem(item.uuid);
      });
    }
    // Each error names its question ("Mã QR có được niêm yết không?: Chọn một câu trả lời."),
    // in the form's order; an item refused before the server named them lists them as sent.
    var errors = el("ul", { class: "reasons" });
    if (item.problems) {
      item.problems.forEach(function (problem) {
        problem.messages.forEach(function (message) {
          errors.appendChild(el("li", { "data-problem": problem.name,
                                        text: problem.label ? problem.label + ": " + message : message }));
        });
      });
    } else {
      Object.keys(item.errors || {}).forEach(function (name) {
        item.errors[name].forEach(function (error) { errors.appendChild(el("li", { text: error })); });
      });
    }
    return el("li", { class: "outbox-item state-" + item.state, "data-uuid": item.uuid }, [
      el("p", { class: "list-title", text: item.correction ? t("correction_of", item.venueName) : item.venueName }),
      el("p", { class: "list-meta", text: t("queued_at", formatTime(item.queuedAt)) }),
      el("p", {}, [el("span", { class: "badge badge-state-" + item.state, "data-state": item.state,
                               text: t("state_" + item.state) })]),
      item.state === "sent" && item.result ? el("p", { text: item.result.outcomeLabel }) : null,
      item.message && item.state !== "sent" ? el("p", { class: "error", text: item.message }) : null,
      errors.childNodes.length ? errors : null,
      item.state === "refused" ? answersBox(item) : null,
      actions
    ]);
  }

  // A refused finding's answers, each under its question, to read or copy before deciding
  // (the outbox page carries the questions' wording: fieldapp/offline/ui_text.py).
  var labelsNode = document.getElementById("outbox-labels");
  var labels = labelsNode ? JSON.parse(labelsNode.textContent) : { questions: {}, choices: {} };
  function answersBox(item) {
    var list = el("dl", { class: "outbox-answers" });
    var shown = {};
    item.fields.forEach(function (pair) {
      var name = pair[0], value = pair[1];
      var question = labels.questions[name];
      if (!question || value === "") return;
      var choices = labels.choices[name];
      var text = choices && choices[value] ? choices[value] : value;
      if (shown[name]) { shown[name].textContent += ", " + text; return; }  // several actions
      list.appendChild(el("dt", { text: question }));
      shown[name] = el("dd", { "data-answer": name, text: text });
      list.appendChild(shown[name]);
    });
    var count = (item.photos || []).length;
    if (count) list.appendChild(el("dd", { text: t("photos_chosen", count) }));
    return el("details", { class: "outbox-answers-box", "data-answers": "" },
              [el("summary", { text: t("show_answers") }), list]);
  }
  renderOutboxPage();
})();
