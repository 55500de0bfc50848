// Offline after the first visit. The planner's files are stored when this
// worker installs; anything else of the site (the crash-dump view's module)
// is stored the first time it is fetched. Every request still goes to the
// network first, so a new build shows at once; the stored copy answers only
// when the network fails. Same-origin GETs only: the page fetches nothing
// else. `cargo xtask dist` fills in VERSION (a hash of dist/) and PRECACHE.
const VERSION = "__VERSION__";
const PRECACHE = __PRECACHE__;
const CACHE = `headroom-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()),
  );
});

// Drop the files of older builds, then serve the open pages at once.
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((k) => k.startsWith("headroom-") && k !== CACHE).map((k) => caches.delete(k)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          event.waitUntil(caches.open(CACHE).then((cache) => cache.put(request, copy)));
        }
        return response;
      })
      .catch(() =>
        caches
          .open(CACHE)
          .then((cache) => cache.match(request, { ignoreSearch: true }))
          .then((hit) => hit || Response.error()),
      ),
  );
});
