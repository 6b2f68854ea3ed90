// The tracking page's service worker: shows the server's push messages, opens the page on a tap.
// Payload (JSON, encrypted by the server for this browser): { title, body, url, tag }.

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data.text() };
  }
  const scope = self.registration.scope;
  const url = typeof data.url === "string" && data.url ? data.url : scope;
  event.waitUntil(
    self.registration.showNotification(data.title || "Parcel update", {
      body: data.body || "",
      tag: data.tag || scope,
      renotify: Boolean(data.tag),
      data: { url },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = event.notification.data?.url || self.registration.scope;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const open = windows.find((client) => client.url.split(/[?#]/)[0] === url);
      if (open) return open.focus();
      return self.clients.openWindow(url);
    })(),
  );
});
