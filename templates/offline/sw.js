// fieldapp service worker: the app shell from cache, pages network-first with the
// cached copy as fallback, and the outbox sent by Background Sync.
"use strict";
const SHELL = {{ shell|tojson }};
const OFFLINE_PAGE = {{ offline_page|tojson }};
const SHELL_CACHE = "shell-" + {{ shell_version|tojson }};
const PAGE_CACHE = "pages-v1";
// Pages an inspector may open with no signal; everything else goes to the network only.
// A finding's page and its correction form too: a correction queued with no signal is
// reopened (after a reload, Back, the queued notice's link) before the signal returns.
const CACHEABLE = [/^\/$/, /^\/venues$/, /^\/venues\/\d+$/, /^\/venues\/\d+\/inspections\/new$/,
                   /^\/inspections\/\d+$/, /^\/inspections\/\d+\/edit$/,
                   /^\/outbox$/, /^\/offline$/];
// The forms open with "?fix=<draft>" from the outbox: the kept form is the same page.
const FORMS = [/^\/venues\/\d+\/inspections\/new$/, /^\/inspections\/\d+\/edit$/];
const NETWORK_TIMEOUT_MS = 6000;

importScripts({{ outbox_script|tojson }});

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) {
    return cache.addAll(SHELL.concat([OFFLINE_PAGE]));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("shell-") === 0 && name !== SHELL_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function cacheable(url) {
  return url.origin === self.location.origin && !url.search.includes("page=") &&
    CACHEABLE.some(function (pattern) { return pattern.test(url.pathname); });
}

function withTimeout(promise, ms) {
  return new Promise(function (resolve, reject) {
    const timer = setTimeout(function () { reject(new Error("timeout")); }, ms);
    promise.then(function (value) { clearTimeout(timer); resolve(value); },
                 function (error) { clearTimeout(timer); reject(error); });
  });
}

// The page cache belongs to one user, the one whose session is valid on this phone.
// Every answer to a logged-in user names them (X-Fieldapp-User); the owner of the kept pages
// is written in OWNER_CACHE so that it survives the worker being stopped. A page answered
// for someone else, or for nobody (a redirect to the login, a 401), empties the page cache.
// `generation` grows at each emptying: a prefetch that started before it keeps nothing.
const OWNER_CACHE = "owner-v1";
const OWNER_KEY = "/__fieldapp_owner";
const USER_HEADER = "X-Fieldapp-User";
const USER_COOKIE = "fieldapp_user";
let generation = 0;

function owner() {
  return caches.open(OWNER_CACHE).then(function (cache) { return cache.match(OWNER_KEY); })
    .then(function (hit) { return hit ? hit.text() : ""; });
}

function setOwner(user) {
  return caches.open(OWNER_CACHE).then(function (cache) {
    return cache.put(OWNER_KEY, new Response(user || ""));
  });
}

function forgetPages() {
  generation += 1;
  return Promise.all([caches.delete(PAGE_CACHE), setOwner("")]);
}
self.fieldappSessionEnded = forgetPages;  // outbox.js calls it on a 401

// Who is logged in on this phone, from the cookie that lives as long as the login
// (fieldapp/offline/session_mark.py); null where the browser cannot tell a worker.
function phoneUser() {
  if (!self.cookieStore) return Promise.resolve(null);
  return self.cookieStore.get(USER_COOKIE).then(function (cookie) {
    return cookie ? cookie.value : "";
  }, function () { return null; });
}

// What a page fetched from the network says about the session: its user, or "" when it was
// answered for nobody. A different user than the owner empties the cache first (from
// nobody to a user, the cache is empty already: no prefetch running needs cancelling). An
// answer to a request sent before the last emptying is old news, and teaches nothing.
function learnOwner(response, startedAt) {
  // A server error (the database lost: 503) may not know who is logged in; that is not a
  // logout, so it must not empty the pages kept for offline work.
  if (startedAt !== generation || response.status >= 500) return Promise.resolve();
  const user = (!response.redirected && response.status !== 401 &&
                response.headers.get(USER_HEADER)) || "";
  return owner().then(function (current) {
    if (user === current) return null;
    if (!current) return caches.delete(PAGE_CACHE).then(function () { return setOwner(user); });
    return forgetPages().then(function () { return setOwner(user); });
  });
}

// Keep a copy of a page only when it is the page itself, for the logged-in user who owns
// the cache, and no emptying happened since the request started.
function storePage(request, response, startedAt) {
  if (!response.ok || response.redirected || response.type !== "basic") return Promise.resolve();
  const user = response.headers.get(USER_HEADER);
  if (!user) return Promise.resolve();
  return owner().then(function (current) {
    if (current !== user || generation !== startedAt) return null;
    return caches.open(PAGE_CACHE).then(function (cache) { return cache.put(request.url, response); });
  });
}

// Learn from a page fetched from the network and keep it if it may be kept.
function keep(request, response, startedAt) {
  return learnOwner(response, startedAt).then(function () {
    return storePage(request, response, startedAt);
  }).catch(function () { return null; });
}

// Offline: a kept page only while its owner's login is still on this phone.
function pageFromCache(request) {
  return Promise.all([owner(), phoneUser()]).then(function (found) {
    const current = found[0], onPhone = found[1];
    if (!current) return null;
    if (onPhone !== null && onPhone !== current) return forgetPages().then(function () { return null; });
    const form = FORMS.some(function (pattern) { return pattern.test(new URL(request.url).pathname); });
    return caches.open(PAGE_CACHE).then(function (cache) {
      return cache.match(request.url, { ignoreVary: true, ignoreSearch: form });
    });
  }).then(function (hit) {
    return hit || caches.match(OFFLINE_PAGE, { ignoreSearch: true });
  });
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") return;  // posts go straight to the network
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request, { ignoreVary: true }).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok && url.searchParams.get("v")) {
          const copy = response.clone();
          caches.open(SHELL_CACHE).then(function (cache) { cache.put(request, copy); });
        }
        return response;
      });
    }));
    return;
  }
  const isPage = request.mode === "navigate" ||
    (request.headers.get("Accept") || "").indexOf("text/html") !== -1;
  if (!isPage || request.headers.get("HX-Request")) return;
  if (!cacheable(url)) {
    if (request.mode === "navigate") {  // never Chrome's own error page: ours says what to do
      event.respondWith(fetch(request).catch(function () {
        return caches.match(OFFLINE_PAGE, { ignoreSearch: true });
      }));
    }
    return;
  }
  const startedAt = generation;
  event.respondWith(withTimeout(fetch(request), NETWORK_TIMEOUT_MS)
    .then(function (response) {  // shown at once; kept (or not) meanwhile
      event.waitUntil(keep(request, response.clone(), startedAt));
      return response;
    }, function () { return pageFromCache(request); }));
});

// Pages asked for by the app (venues of the inspector's list, recent search results),
// fetched in the background so they open later with no signal.
self.addEventListener("message", function (event) {
  const data = event.data || {};
  if (data.type === "prefetch" && Array.isArray(data.urls)) {
    const startedAt = generation;
    event.waitUntil(Promise.all(data.urls.slice(0, 40).map(function (path) {
      const url = new URL(path, self.location.origin);
      if (!cacheable(url)) return null;
      return fetch(url.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) { return keep(new Request(url.href), response, startedAt); })
        .catch(function () { return null; });
    })));
  } else if (data.type === "forget-pages") {
    event.waitUntil(forgetPages());
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag === "outbox") {
    event.waitUntil(self.FieldappOutbox.flush());
  }
});
