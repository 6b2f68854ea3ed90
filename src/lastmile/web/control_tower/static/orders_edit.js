// The "New order" / "Edit" dialog of the orders tab: recipient, address with the geocoder's
// suggestions as you type, the window in the hub's clock, parcels, COD, notes, merchant, hub.
// New orders are sent to POST /api/v1/shipments, corrections to PATCH /api/v1/shipments/{tn};
// each error the server names is shown under its field, in its words.
import { hubClock, hubDay } from "./hub_time.js";

const SEARCH_AFTER_MS = 250;

// The offset of `zone` from UTC at `instant`, in minutes (Helsinki in winter: 120).
function zoneOffsetMin(instant, zone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(instant).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return Math.round((asUtc - instant.getTime()) / 60000);
}

// A day and a clock time read in `zone` → the instant, as ISO 8601 in UTC.
export function zonedInstant(day, clock, zone) {
  const naive = new Date(`${day}T${clock}:00Z`).getTime();
  let offset = zoneOffsetMin(new Date(naive), zone);
  const again = zoneOffsetMin(new Date(naive - offset * 60000), zone);
  if (again !== offset) offset = again; // the clock changed between the two guesses
  return new Date(naive - offset * 60000).toISOString();
}

// An instant → [day, "HH:MM"] on the clock of `zone`.
function inZone(iso, zone) {
  return [hubDay(iso, zone), hubClock(iso, zone)];
}

export function setupOrderEdit({ api, el, onSaved }) {
  const dialog = document.getElementById("order-edit");
  const form = document.getElementById("order-edit-form");
  const f = form.elements;
  const address = document.getElementById("order-edit-address");
  const suggestions = document.getElementById("order-edit-suggestions");
  const where = document.getElementById("order-edit-where");
  const problem = document.getElementById("order-edit-error");
  const zoneNote = document.getElementById("order-edit-zone");
  const fixedNote = document.getElementById("order-edit-fixed");
  const FIXED = ["hub_id", "parcel_count", "weight_kg", "cod.amount", "cod.currency", "merchant", "reference"];
  let editing = null, choice = null, timer = 0, asked = 0, merchantsLoaded = false;

  const zone = () => f.hub_id.selectedOptions[0]?.dataset.timezone || dialog.dataset.zone || "UTC";
  const value = (name) => f[name].value.trim();
  const decimal = (text) => text.replace(/\s/g, "").replace(",", ".");

  function showZone() {
    zoneNote.textContent = `Times on the clock of ${zone()}.`;
  }

  function clearErrors() {
    for (const span of form.querySelectorAll(".field-error")) span.textContent = "";
    for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    problem.hidden = true;
  }

  // Each named field's message under it (`address.text` under the address); the rest on top.
  function showProblem(error) {
    const rest = [];
    const errors = error.problem?.errors || [];
    for (const e of errors) {
      const path = e.field.replace(/^body\./, "");
      const parts = path.split(/[.[]/);
      let span = null;
      for (let size = parts.length; size > 0 && !span; size--) {
        span = form.querySelector(`.field-error[data-for="${parts.slice(0, size).join(".")}"]`);
      }
      if (span) {
        span.textContent = span.textContent ? `${span.textContent} ${e.message}` : e.message;
        span.previousElementSibling?.querySelector("input,select,textarea")?.setAttribute("aria-invalid", "true");
      } else {
        rest.push(`${path}: ${e.message}`);
      }
    }
    if (rest.length || !errors.length) {
      problem.textContent = rest.length ? rest.join(" · ") : (error.problem?.detail || error.message || "Something went wrong.");
      problem.hidden = false;
    }
  }

  function pick(candidate) {
    choice = { text: candidate.label, lat: candidate.lat, lon: candidate.lon };
    address.value = candidate.label;
    suggestions.replaceChildren();
    address.setAttribute("aria-expanded", "false");
    where.textContent = `Found: ${candidate.label}`;
  }

  async function suggest() {
    const text = address.value.trim();
    const mine = ++asked;
    if (text.length < 3) { suggestions.replaceChildren(); return; }
    try {
      const found = await api(`/api/v1/geocode?q=${encodeURIComponent(text)}`);
      if (mine !== asked) return; // a later keystroke asked again
      const items = found.candidates.slice(0, 6).map((c) => el("li", { role: "option" },
        el("button", { type: "button", onclick: () => pick(c) }, c.label)));
      suggestions.replaceChildren(...items);
      address.setAttribute("aria-expanded", items.length ? "true" : "false");
    } catch (error) {
      suggestions.replaceChildren(el("li", { class: "muted" }, `No suggestions: ${error.message}`));
    }
  }

  address.addEventListener("input", () => {
    choice = null;
    where.textContent = "";
    clearTimeout(timer);
    timer = setTimeout(suggest, SEARCH_AFTER_MS);
  });
  f.hub_id.addEventListener("change", showZone);

  // The window from the three fields; undefined: none given; a string: what is missing.
  function windowOf() {
    const [day, from, to] = [value("date"), value("from"), value("to")];
    if (!from && !to) return undefined;
    if (!from || !to) return "Give both ends of the window, or neither.";
    if (!day) return "Choose the delivery date for the window.";
    return { start: zonedInstant(day, from, zone()), end: zonedInstant(day, to, zone()) };
  }

  function newBody(window) {
    const recipient = { name: value("recipient.name") };
    if (value("recipient.phone")) recipient.phone = value("recipient.phone");
    if (value("recipient.email")) recipient.email = value("recipient.email");
    const body = { recipient, address: choice || { text: value("address.text") } };
    if (value("hub_id")) body.hub_id = value("hub_id");
    if (value("date")) body.delivery_date = value("date");
    if (window) body.window = window;
    if (value("parcel_count")) body.parcel_count = value("parcel_count");
    if (value("weight_kg")) body.weight_kg = decimal(value("weight_kg"));
    if (value("cod.amount")) body.cod = { amount: decimal(value("cod.amount")), currency: value("cod.currency").toUpperCase() };
    for (const name of ["merchant", "reference", "instructions"]) if (value(name)) body[name] = value(name);
    return body;
  }

  // Only what changed: PATCH refuses null where a value cannot be removed.
  function patchBody(window) {
    const body = {};
    const recipient = {};
    const was = editing.recipient;
    if (value("recipient.name") !== was.name) recipient.name = value("recipient.name");
    if (value("recipient.phone") && value("recipient.phone") !== (was.phone || "")) recipient.phone = value("recipient.phone");
    if (value("recipient.email") && value("recipient.email") !== (was.email || "")) recipient.email = value("recipient.email");
    if (Object.keys(recipient).length) body.recipient = recipient;
    if (choice) body.address = choice;
    else if (value("address.text") !== editing.address.text) body.address = { text: value("address.text") };
    if (window) body.window = window;
    else if (editing.window && !value("from") && !value("to")) body.window = null;
    const notes = value("instructions");
    if (notes !== (editing.instructions || "")) body.instructions = notes || null;
    return body;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (event.submitter?.value === "cancel") { dialog.close(); return; }
    clearErrors();
    const window = windowOf();
    if (typeof window === "string") {
      form.querySelector('.field-error[data-for="window"]').textContent = window;
      return;
    }
    try {
      let saved;
      if (editing) {
        const body = patchBody(window);
        if (!Object.keys(body).length) { dialog.close(); return; }
        saved = await api(`/api/v1/shipments/${editing.tracking_number}`, { method: "PATCH", body: JSON.stringify(body) });
      } else {
        saved = await api("/api/v1/shipments", { method: "POST", body: JSON.stringify(newBody(window)) });
      }
      dialog.close();
      onSaved(saved, !editing);
    } catch (error) {
      showProblem(error);
    }
  });

  async function loadMerchants() {
    if (merchantsLoaded) return;
    try {
      const merchants = await api("/api/v1/billing/merchants");
      document.getElementById("order-edit-merchants").replaceChildren(
        ...merchants.map((m) => el("option", { value: m.code }, m.name || m.code)));
      merchantsLoaded = true;
    } catch {
      // The list only helps typing: a code typed by hand is checked by the server.
    }
  }

  return function open(order = null) {
    editing = order;
    choice = null;
    form.reset();
    clearErrors();
    suggestions.replaceChildren();
    where.textContent = "";
    document.getElementById("order-edit-title").textContent = order ? `Edit order · ${order.tracking_number}` : "New order";
    for (const name of FIXED) f[name].disabled = Boolean(order);
    fixedNote.hidden = !order;
    if (order) {
      f["recipient.name"].value = order.recipient.name;
      f["recipient.phone"].value = order.recipient.phone || "";
      f["recipient.email"].value = order.recipient.email || "";
      address.value = order.address.text;
      f.hub_id.value = order.hub_id || "";
      f.date.value = order.delivery_date;
      if (order.window) {
        const [day, from] = inZone(order.window.start, zone());
        f.date.value = day;
        f.from.value = from;
        f.to.value = inZone(order.window.end, zone())[1];
      }
      f.parcel_count.value = order.parcel_count;
      f.weight_kg.value = order.weight_kg ?? "";
      f["cod.amount"].value = order.cod?.amount ?? "";
      f["cod.currency"].value = order.cod?.currency ?? "EUR";
      f.merchant.value = order.merchant || "";
      f.reference.value = order.reference || "";
      f.instructions.value = order.instructions || "";
    } else {
      const chosenHub = document.querySelector('#order-search select[name="hub_id"]').value;
      if (chosenHub) f.hub_id.value = chosenHub;
      loadMerchants();
    }
    showZone();
    dialog.showModal();
    f["recipient.name"].focus();
  };
}
