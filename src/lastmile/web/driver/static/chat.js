// The app's one live stream, over SSE read with fetch() (EventSource cannot send the token):
// chat with the dispatcher (the thread, then live messages), the customers' messages, and word
// that the route changed. On a break, reconnect and catch up: the thread with ?after=, the
// route by reading it again.
import { call, session } from "./api.js";

const seen = new Map();
let last = null;
let controller = null;
let onMessage = () => {};
let onCustomer = () => {};
let onRoute = () => {};
let connected = false;

// Said on the page too (`body[data-stream]`), for whoever looks: open or closed.
function connectedNow(open) {
  connected = open;
  document.body.dataset.stream = open ? "open" : "closed";
}

function take(message) {
  if (seen.has(message.id)) return;
  seen.set(message.id, message);
  if (!last || message.recorded_at > last) last = message.recorded_at;
  onMessage(message);
}

async function catchUp() {
  const query = last ? `?after=${encodeURIComponent(last)}` : "";
  for (const message of await call("GET", `/api/v1/driver/messages${query}`)) take(message);
}

async function listen(signal) {
  const response = await fetch("/api/v1/driver/messages/stream", {
    headers: { Authorization: `Bearer ${session()?.token}`, Accept: "text/event-stream" },
    signal,
  });
  if (!response.ok) throw new Error(`chat stream: HTTP ${response.status}`);
  connectedNow(true);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const lines = block.split("\n");
      const data = () => JSON.parse(lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n"));
      if (lines.includes("event: message")) take(data());
      else if (lines.includes("event: customer_message")) onCustomer(data());
      else if (lines.includes("event: route_changed")) onRoute(data());
    }
  }
}

/** Whether the stream is open now (route changes come at once, not at the next poll). */
export function live() {
  return connected;
}

/** Follow the stream until `stopChat()`: `message` sees every chat message once, `customer`
 * the messages of the driver's customers' threads as they come, `route` a route change, and
 * also each reconnection, since changes made during the break were not heard. */
export function startChat({ message, customer = () => {}, route = () => {} }) {
  onMessage = message;
  onCustomer = customer;
  onRoute = route;
  if (controller) return;
  controller = new AbortController();
  const { signal } = controller;
  (async () => {
    let wait = 1000;
    let reconnecting = false;
    while (!signal.aborted) {
      try {
        if (navigator.onLine) {
          const stream = listen(signal);
          await catchUp();
          if (reconnecting) onRoute(null);
          reconnecting = true;
          wait = 1000;
          await stream;
        }
      } catch {
        // reconnect below
      }
      connectedNow(false);
      if (signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, 30000);
    }
  })();
}

export function stopChat() {
  connectedNow(false);
  controller?.abort();
  controller = null;
}
