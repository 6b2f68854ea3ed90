// "Notify me in this browser": a service worker scoped to this tracking page, a push
// subscription made with the server's VAPID key, and the subscription handed to the server.
// Shown only where the browser has service workers and the Push API; the page works without it.

const box = document.getElementById("push");
const on = document.getElementById("push-on");
const off = document.getElementById("push-off");
const status = document.getElementById("push-status");
let registration = null;

function say(text) {
  status.textContent = text;
}

function show(subscribed) {
  on.hidden = subscribed;
  off.hidden = !subscribed;
  box.dataset.subscribed = subscribed ? "yes" : "no";
}

function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

async function tell(method, body) {
  const response = await fetch(box.dataset.subscriptions, {
    method,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (response.ok || (method === "DELETE" && response.status === 404)) return;
  const problem = await response.json().catch(() => ({}));
  throw new Error(problem.detail || `the server answered ${response.status}`);
}

async function subscribe() {
  on.disabled = true;
  try {
    if ((await Notification.requestPermission()) !== "granted") {
      say("Notifications are blocked for this site in your browser's settings.");
      return;
    }
    const subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(box.dataset.key),
    });
    try {
      await tell("POST", subscription.toJSON());
    } catch (error) {
      await subscription.unsubscribe();
      throw error;
    }
    show(true);
    say("Done: this browser will tell you when your parcel is on its way and near.");
  } catch (error) {
    say(`Could not turn on notifications: ${error.message}`);
  } finally {
    on.disabled = false;
  }
}

async function unsubscribe() {
  off.disabled = true;
  try {
    const subscription = await registration.pushManager.getSubscription();
    if (subscription) {
      await tell("DELETE", { endpoint: subscription.endpoint });
      await subscription.unsubscribe();
    }
    show(false);
    say("This browser will not notify you about this parcel any more.");
  } catch (error) {
    say(`Could not turn off notifications: ${error.message}`);
  } finally {
    off.disabled = false;
  }
}

async function start() {
  registration = await navigator.serviceWorker.register(box.dataset.worker, {
    scope: box.dataset.scope,
  });
  show((await registration.pushManager.getSubscription()) !== null);
  on.addEventListener("click", subscribe);
  off.addEventListener("click", unsubscribe);
  box.hidden = false;
}

if (box && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window) {
  start().catch((error) => box.setAttribute("data-error", error.message));
}
