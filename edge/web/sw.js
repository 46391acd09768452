// The service worker of the web client (scope /): shows a Web Push message as a notification
// and opens its page when clicked. The server sends JSON {kind, title, body, path, tag}
// (edge/notifications/messages.ts); tag is the event id, so one event shows once.
self.addEventListener("push", (event) => {
  let msg = {};
  try {
    msg = event.data ? event.data.json() : {};
  } catch {
    msg = { title: event.data ? event.data.text() : "Synapse Live" };
  }
  event.waitUntil((async () => {
    await self.registration.showNotification(msg.title || "Synapse Live", {
      body: msg.body || "",
      tag: msg.tag,
      data: { path: typeof msg.path === "string" && msg.path.startsWith("/") ? msg.path : "/" },
    });
    // Open pages refresh their bell.
    for (const client of await self.clients.matchAll({ type: "window" })) {
      client.postMessage({ type: "notification", kind: msg.kind });
    }
  })());
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.path || "/", self.location.origin).href;
  event.waitUntil((async () => {
    for (const client of await self.clients.matchAll({ type: "window" })) {
      if (client.url === url && "focus" in client) return client.focus();
    }
    return self.clients.openWindow(url);
  })());
});
