// The customer's messages with the driver: send from the box, show what comes in. New
// messages arrive over the page's event stream (tracking.js passes them on); a page without
// the stream (after delivery) asks the server now and then instead.
const box = document.getElementById("thread");
const list = document.getElementById("thread-messages");
const form = document.getElementById("thread-form");
const summary = document.getElementById("summary");
const POLL_MS = 15000;

const clockFormat = new Intl.DateTimeFormat("en-GB", {
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZone: summary?.dataset.zone || undefined,
});

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function show(message) {
  if (list.querySelector(`[data-id="${CSS.escape(message.id)}"]`)) return;
  const item = document.createElement("li");
  item.className = `msg ${message.mine ? "mine" : `from-${message.party}`}`;
  item.dataset.id = message.id;
  const author = Object.assign(document.createElement("span"), { className: "msg-author", textContent: message.author });
  const at = Object.assign(document.createElement("time"), { className: "muted", textContent: clockFormat.format(new Date(message.at)) });
  at.dateTime = message.at;
  const body = Object.assign(document.createElement("span"), { className: "msg-body", textContent: message.body });
  item.append(author, " ", at, document.createElement("br"), body);
  list.append(item);
}

async function refresh() {
  const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" }, cache: "no-store" });
  if (!response.ok) return;
  const thread = await response.json();
  for (const message of thread.messages) show(message);
  if (!thread.open && form) window.location.reload();
}

function problemText(problem) {
  const field = problem?.errors?.[0];
  if (field) return `Your message: ${field.message}`;
  return problem?.detail || "The message could not be sent: try again.";
}

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("thread-body");
  const error = document.getElementById("thread-error");
  const text = input.value.trim();
  if (!text) return;
  const button = form.querySelector("button");
  button.disabled = true;
  error.hidden = true;
  try {
    const response = await fetch(box.dataset.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ body: text, client_id: form.dataset.clientId || (form.dataset.clientId = uuid()) }),
    });
    const answer = await response.json().catch(() => null);
    if (!response.ok) throw answer;
    show(answer);
    input.value = "";
    delete form.dataset.clientId;
  } catch (problem) {
    error.textContent = problemText(problem);
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
});

window.addEventListener("lastmile:thread", (event) => show(event.detail));
if (box.dataset.open === "yes" && summary?.dataset.live !== "yes") setInterval(() => refresh().catch(() => {}), POLL_MS);
