// fieldapp outbox: drafts and queued findings kept in IndexedDB, and the sending of
// queued findings to the server. Runs in pages and in the service worker alike
// (no DOM here), so a finding is sent by whichever is awake when the signal returns.
(function (scope) {
  "use strict";
  var DB_NAME = "fieldapp";
  var DB_VERSION = 1;
  var KEEP_SENT_MS = 3 * 24 * 3600 * 1000;
  var channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("fieldapp-outbox") : null;
  var dbPromise = null;

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = function () {
          var db = request.result;
          if (!db.objectStoreNames.contains("drafts")) db.createObjectStore("drafts", { keyPath: "key" });
          if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "uuid" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { dbPromise = null; reject(request.error); };
      });
    }
    return dbPromise;
  }

  function run(storeName, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode);
        var result;
        var request = work(tx.objectStore(storeName));
        if (request) request.onsuccess = function () { result = request.result; };
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function get(store, key) { return run(store, "readonly", function (s) { return s.get(key); }); }
  function put(store, value) { return run(store, "readwrite", function (s) { return s.put(value); }); }
  function remove(store, key) { return run(store, "readwrite", function (s) { return s.delete(key); }); }
  function all(store) { return run(store, "readonly", function (s) { return s.getAll(); }); }

  // Other pages and the service worker hear it on the channel; this page by an event
  // (a BroadcastChannel does not deliver to its own sender).
  function changed() {
    if (channel) channel.postMessage("changed");
    if (typeof scope.dispatchEvent === "function" && typeof Event === "function") {
      scope.dispatchEvent(new Event("fieldapp-outbox-changed"));
    }
  }

  function saveItem(item) { return put("outbox", item).then(function () { changed(); return item; }); }

  function items(userId) {
    return all("outbox").then(function (list) {
      return list.filter(function (item) { return userId == null || item.userId === userId; })
        .sort(function (a, b) { return a.queuedAt - b.queuedAt; });
    });
  }

  // A stalled connection (one bar of 3G) counts as no signal after a while, so the
  // finding falls back to the outbox instead of a spinner that never ends.
  function timedFetch(url, options, ms) {
    if (typeof AbortController !== "function") return fetch(url, options);
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, ms);
    options.signal = controller.signal;
    return fetch(url, options).then(function (response) { clearTimeout(timer); return response; },
                                    function (error) { clearTimeout(timer); throw error; });
  }

  // The login ended: the pages the service worker kept for this user must go
  // (offline.js and sw.js each define the hook, for a page and for the worker).
  function sessionEnded() {
    if (typeof self.fieldappSessionEnded === "function") self.fieldappSessionEnded();
  }

  // A fresh CSRF token for the current session: the one in an old page may be stale.
  function session() {
    return timedFetch("/account/csrf-token", { credentials: "same-origin", cache: "no-store",
                                              headers: { Accept: "application/json" } }, 15000)
      .then(function (response) {
        if (response.status === 401) { sessionEnded(); return { login: true }; }
        if (!response.ok) return { error: true };
        return response.json();
      }, function () { return { offline: true }; });
  }

  function formData(item) {
    var body = new FormData();
    item.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    (item.photos || []).forEach(function (photo) { body.append("photos", photo.blob, photo.name); });
    return body;
  }

  // Send one finding; returns what happened: sent, refused, login, offline or retry.
  function send(item, token, options) {
    options = options || {};
    item.state = "sending";
    item.attempts = (item.attempts || 0) + 1;
    var headers = { Accept: "application/json", "X-CSRFToken": token };
    if (options.flash) headers["X-Fieldapp-Flash"] = "1";
    return saveItem(item).then(function () {
      return timedFetch(item.action, { method: "POST", body: formData(item), headers: headers,
                                       credentials: "same-origin", cache: "no-store" }, 60000);
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        // A captive portal or a proxy may answer 200 with its own page: not ours, not sent.
        // "updated": a correction of a recorded finding.
        if (response.redirected || (response.ok && body.status !== "created" && body.status !== "exists" &&
                                    body.status !== "updated")) {
          return settle(item, 503, {});
        }
        return settle(item, response.status, body);
      });
    }, function () {
      item.state = "waiting";
      return saveItem(item).then(function () { return "offline"; });
    });
  }

  function settle(item, status, body) {
    item.message = body.message || "";
    item.errors = null;
    item.problems = null;
    var outcome;
    if (status === 200 || status === 201) {
      item.state = "sent";
      item.sentAt = Date.now();
      item.result = { venueUrl: body.venue_url, nextUrl: body.next_url, outcome: body.outcome, outcomeLabel: body.outcome_label };
      item.photos = [];  // kept on the server now; free the phone's storage
      outcome = "sent";
    } else if (status === 401) {
      sessionEnded();
      item.state = "login";
      outcome = "login";
    } else if (status === 400 && body.status === "csrf") {
      item.state = "waiting";
      outcome = "csrf";
    } else if (status === 429) {  // too many requests: kept, sent again later
      item.state = "waiting";
      outcome = "retry";
    } else if (status >= 400 && status < 500) {
      item.state = "refused";
      item.refusal = body.status || "refused";
      item.errors = body.errors || null;
      // The same errors in the form's order, each naming its question.
      item.problems = body.problems || null;
      outcome = "refused";
    } else {
      item.state = "waiting";
      outcome = "retry";
    }
    return saveItem(item).then(function () { return outcome; });
  }

  // Send what waits, oldest first, for the logged-in user only (a phone may be shared).
  // One sender at a time across tabs and the service worker (Web Locks where present),
  // so three open tabs do not upload the same photos three times.
  var flushing = null;
  function flush() {
    if (flushing) return flushing;
    var locks = scope.navigator && scope.navigator.locks;
    flushing = (locks ? locks.request("fieldapp-outbox", flushOnce) : flushOnce())
      .then(function (result) { flushing = null; changed(); return result; },
            function (error) { flushing = null; throw error; });
    return flushing;
  }

  function flushOnce() {
    return session().then(function (current) {
      if (current.offline || current.error) return { offline: true };
      return items(null).then(function (list) {
        var mine = list.filter(function (item) { return !current.login && item.userId === current.user_id; });
        var pending = mine.filter(function (item) {
          return item.state === "waiting" || item.state === "sending" || item.state === "login";
        });
        var stale = list.filter(function (item) {
          return item.state === "sent" && Date.now() - item.sentAt > KEEP_SENT_MS;
        });
        return Promise.all(stale.map(function (item) { return remove("outbox", item.uuid); }))
          .then(function () {
            if (current.login) {
              return markLogin(list).then(function () { return { login: true }; });
            }
            return sendInOrder(pending, current.csrf_token);
          });
      });
    });
  }

  function markLogin(list) {
    return Promise.all(list.filter(function (item) {
      return item.state === "waiting" || item.state === "sending";
    }).map(function (item) { item.state = "login"; return saveItem(item); }));
  }

  function sendInOrder(pending, token) {
    var sent = 0;
    function next(index, retriedCsrf) {
      if (index >= pending.length) return Promise.resolve({ sent: sent });
      return send(pending[index], token).then(function (outcome) {
        if (outcome === "sent") sent += 1;
        if (outcome === "offline") return { offline: true, sent: sent };
        // A server error on one finding must not hold back the ones after it.
        if (outcome === "retry") return next(index + 1, false);
        if (outcome === "login") return { login: true, sent: sent };
        if (outcome === "csrf" && !retriedCsrf) {
          return session().then(function (current) {
            if (!current.csrf_token) return { offline: true, sent: sent };
            token = current.csrf_token;
            return next(index, true);
          });
        }
        return next(index + 1, false);
      });
    }
    return next(0, false);
  }

  scope.FieldappOutbox = {
    // Drafts are keyed by their form's UUID: a new form never overwrites an older draft.
    latestDraft: function (userId, venueId, exceptUuid) {
      return all("drafts").then(function (drafts) {
        return drafts.filter(function (d) {
          // A correction's draft belongs to its finding's form, never to a new inspection.
          return d.userId === userId && d.venueId === venueId && d.uuid !== exceptUuid && !d.correction;
        }).sort(function (a, b) { return b.updatedAt - a.updatedAt; })[0] || null;
      });
    },
    saveDraft: function (draft) { draft.key = draft.uuid; return put("drafts", draft); },
    deleteDraft: function (uuid) { return remove("drafts", uuid); },
    getDraft: function (uuid) { return get("drafts", uuid); },
    getItem: function (uuid) { return get("outbox", uuid); },
    saveItem: saveItem,
    deleteItem: function (uuid) { return remove("outbox", uuid).then(changed); },
    items: items,
    session: session,
    send: send,
    flush: flush,
    channel: channel
  };
})(self);
