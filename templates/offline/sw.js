// fieldapp service worker: the app shell from cache, pages network-first with the
// cached copy as fallback, and the outbox sent by Background Sync.
"use strict";
const SHELL = {{ shell|tojson }};
const OFFLINE_PAGE = {{ offline_page|tojson }};
const SHELL_CACHE = "shell-" + {{ shell_version|tojson }};
const PAGE_CACHE = "pages-v1";
// Pages an inspector may open with no signal; everything else goes to the network only.
const CACHEABLE = [/^\/$/, /^\/venues$/, /^\/venues\/\d+$/, /^\/venues\/\d+\/inspections\/new$/,
                   /^\/outbox$/, /^\/offline$/];
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

// Keep a copy of a page only when it is the page itself, for a logged-in user.
function storePage(request, response) {
  if (response.ok && !response.redirected && response.type === "basic") {
    const copy = response.clone();
    caches.open(PAGE_CACHE).then(function (cache) { cache.put(request.url, copy); });
  }
  return response;
}

function pageFromCache(request) {
  return caches.open(PAGE_CACHE).then(function (cache) {
    return cache.match(request.url, { ignoreVary: true });
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
  event.respondWith(withTimeout(fetch(request), NETWORK_TIMEOUT_MS)
    .then(function (response) { return storePage(request, response); })
    .catch(function () { return pageFromCache(request); }));
});

// Pages asked for by the app (venues of the inspector's list, recent search results),
// fetched in the background so they open later with no signal.
self.addEventListener("message", function (event) {
  const data = event.data || {};
  if (data.type === "prefetch" && Array.isArray(data.urls)) {
    event.waitUntil(caches.open(PAGE_CACHE).then(function (cache) {
      return Promise.all(data.urls.slice(0, 40).map(function (path) {
        const url = new URL(path, self.location.origin);
        if (!cacheable(url)) return null;
        return fetch(url.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
          .then(function (response) { return storePage(new Request(url.href), response); })
          .catch(function () { return null; });
      }));
    }));
  } else if (data.type === "forget-pages") {
    event.waitUntil(caches.delete(PAGE_CACHE));
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag === "outbox") {
    event.waitUntil(self.FieldappOutbox.flush());
  }
});
