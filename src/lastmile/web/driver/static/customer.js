// The customer's messages on the open stop: the thread, quick replies and free text (sent
// through the outbox, so once, even offline), and a masked call. The customer and the driver
// never see each other's number; new customer messages come over the chat stream.
import { HttpError, call } from "./api.js";

export const QUICK_REPLIES = ["I'm at the door", "I can't find the entrance", "I'll be there in 5 minutes"];

const $ = (id) => document.getElementById(id);
const threads = new Map(); // shipment id -> { open, closed_reason, messages }
let shown = null; // the stop on screen
let send = async () => {};
let formatTime = (iso) => iso;

const url = (stop, what = "customer-messages") => `/api/v1/driver/stops/${stop.id}/${what}`;

function item(m, pendingId) {
  const node = document.createElement("li");
  node.className = `msg ${m.mine ? "driver" : "dispatcher"}${pendingId ? " pending" : ""}`;
  node.dataset.id = pendingId ?? m.id;
  const body = Object.assign(document.createElement("span"), { textContent: m.body });
  const small = Object.assign(document.createElement("small"), {
    textContent: pendingId ? "waiting to send" : `${m.author} ${formatTime(m.at)}`,
  });
  node.append(body, small);
  return node;
}

function render() {
  if (!shown) return;
  const thread = threads.get(shown.shipment_id) ?? { open: true, messages: [] };
  const list = $("customer-messages");
  const pending = [...list.querySelectorAll(".pending")];
  list.replaceChildren(...thread.messages.map((m) => item(m)), ...pending);
  $("customer-thread").dataset.open = thread.open ? "yes" : "no";
  $("customer-compose").hidden = !thread.open;
  $("customer-closed").hidden = thread.open;
  $("customer-closed").textContent = thread.closed_reason ?? "";
  // No number left, nothing to bridge: the button is not offered (messages still are).
  $("customer-call").hidden = !thread.open || !thread.can_call || $("app").dataset.calls !== "yes";
}

function keep(message) {
  const thread = threads.get(message.shipment_id);
  if (!thread) return false;
  if (thread.messages.some((m) => m.id === message.id)) return false;
  thread.messages.push(message);
  return true;
}

async function load(stop) {
  if (!navigator.onLine) return;
  try {
    threads.set(stop.shipment_id, await call("GET", url(stop)));
  } catch {
    // offline or refused: keep what was shown
  }
  if (shown?.id === stop.id) render();
}

/** Wire the box once: `act(url, fields, label, optimistic)` queues an action in the outbox. */
export function initCustomer({ act, time }) {
  send = act;
  formatTime = time;
  $("customer-quick").replaceChildren(
    ...QUICK_REPLIES.map((text) =>
      Object.assign(document.createElement("button"), {
        type: "button",
        className: "secondary small",
        textContent: text,
        onclick: () => reply(text),
      }),
    ),
  );
  $("customer-form").addEventListener("submit", (event) => {
    event.preventDefault();
    reply($("customer-input").value);
    $("customer-input").value = "";
  });
  $("customer-call").addEventListener("click", callCustomer);
}

async function reply(text) {
  const stop = shown;
  if (!stop || !text.trim()) return;
  await send(url(stop), { body: text.trim() }, "Message to the customer", (body) => {
    $("customer-messages").append(item({ body: body.body, mine: true }, `pending-${body.action_id}`));
  });
}

async function callCustomer() {
  const state = $("customer-call-state");
  state.textContent = "Connecting…";
  try {
    state.textContent = (await call("POST", url(shown, "call"))).message;
  } catch (error) {
    state.textContent = error instanceof HttpError ? error.message : "No network: try again when online.";
  }
}

/** The stop view shows `stop`: its thread (fetched when it changes or when asked). */
export function showCustomer(stop) {
  const changed = shown?.id !== stop.id;
  shown = stop;
  if (changed) {
    $("customer-call-state").textContent = "";
    $("customer-messages").replaceChildren();
    load(stop);
  }
  render();
}

/** A message that came over the stream (the customer's, a dispatcher's, or one of ours). */
export function customerMessage(message) {
  if (keep(message) && shown?.shipment_id === message.shipment_id) render();
}

/** The outbox sent one of ours: the server's copy replaces the pending one. */
export function customerSent(entry, answer) {
  document.querySelector(`[data-id="pending-${CSS.escape(entry.body.action_id)}"]`)?.remove();
  customerMessage(answer);
}
