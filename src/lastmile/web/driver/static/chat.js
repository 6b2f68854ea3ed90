// Chat with the dispatcher: the thread, then live messages over SSE read with fetch()
// (EventSource cannot send the token); on a break, reconnect and catch up with ?after=.
import { call, session } from "./api.js";

const seen = new Map();
let last = null;
let controller = null;
let onMessage = () => {};
let onCustomer = () => {};

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
    }
  }
}

/** Follow the thread live until `stopChat()`; `handler` sees every message once;
 * `customer` sees the messages of the driver's customers' threads as they come. */
export function startChat(handler, customer = () => {}) {
  onMessage = handler;
  onCustomer = customer;
  if (controller) return;
  controller = new AbortController();
  const { signal } = controller;
  (async () => {
    let wait = 1000;
    while (!signal.aborted) {
      try {
        if (navigator.onLine) {
          const stream = listen(signal);
          await catchUp();
          wait = 1000;
          await stream;
        }
      } catch {
        // reconnect below
      }
      if (signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, 30000);
    }
  })();
}

export function stopChat() {
  controller?.abort();
  controller = null;
}
