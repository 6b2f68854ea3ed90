// The driver app's service worker: the shell, scripts, styles and Leaflet, cached at install
// so the app opens with no network. API calls always go to the network (the outbox handles them).
const VERSION = new URL(self.location).searchParams.get("v") || "dev";
const CACHE = `lastmile-driver-${VERSION}`;
const SHELL = [
  "/driver/",
  "/driver/manifest.webmanifest",
  "/static/driver/app.js?v=" + VERSION,
  "/static/driver/api.js",
  "/static/driver/chat.js",
  "/static/driver/codecheck.js",
  "/static/driver/customer.js",
  "/static/driver/geo.js",
  "/static/driver/idb.js",
  "/static/driver/load.js",
  "/static/driver/map.js",
  "/static/driver/outbox.js",
  "/static/driver/proof.js",
  "/static/driver/words.js",
  "/static/maps/roads.js",
  "/static/driver/driver.css",
  "/static/driver/icon.svg",
  "/static/driver/icon-192.png",
  "/vendor/leaflet/leaflet.js",
  "/vendor/leaflet/leaflet.css",
];

// Everything the shell needs is served from the cache first: a prefix left out here would be
// fetched from the network, and offline the app would not start.
const CACHED_PREFIXES = ["/static/driver/", "/static/maps/", "/vendor/leaflet/"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("lastmile-driver-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) cache.put("/driver/", response.clone());
    return response;
  } catch {
    return (await cache.match("/driver/")) || Response.error();
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (event.request.mode === "navigate" && url.pathname.startsWith("/driver")) {
    event.respondWith(networkFirst(event.request));
  } else if (CACHED_PREFIXES.some((prefix) => url.pathname.startsWith(prefix))) {
    event.respondWith(cacheFirst(event.request));
  }
});
