// The "Fix address" dialog of a flagged order: search the address index as you type, or drag
// the pin to the door (its nearest address read back in words); Save sends the correction
// (PATCH /api/v1/shipments/{tn}) and hands the corrected shipment back to the orders table.
import { addBaseLayer } from "/static/maps/roads.js";

const L = window.L;
const SEARCH_AFTER_MS = 250;
// Codes that say where the point came from rather than what is wrong (addresses/quality.py).
const INFORMATIONAL = new Set(["learned_point", "pin_moved", "customer_confirmed"]);

export function needsFixing(shipment) {
  const quality = shipment.address.quality;
  return Boolean(quality && quality.reasons.some((r) => !INFORMATIONAL.has(r.code)));
}

export function setupFixAddress({ api, el, onSaved }) {
  const dialog = document.getElementById("fix-address");
  const form = document.getElementById("fix-address-form");
  const search = document.getElementById("fix-address-q");
  const suggestions = document.getElementById("fix-address-suggestions");
  const where = document.getElementById("fix-address-where");
  const problem = document.getElementById("fix-address-error");
  const mapNode = document.getElementById("fix-address-map");
  let map = null, pin = null, shipment = null, choice = null, timer = 0, asked = 0;

  function showError(message) {
    problem.textContent = message;
    problem.hidden = !message;
  }

  function ensureMap(center) {
    if (map) return;
    map = L.map(mapNode, { zoomControl: true, maxZoom: 19 }).setView(center, 16);
    addBaseLayer(map, {
      tileUrl: document.getElementById("map").dataset.tileUrl,
      roadsUrl: (bbox, zoom) => `/api/v1/map/roads?bbox=${bbox}&zoom=${zoom}`,
    });
    const icon = L.divIcon({ className: "door-pin", iconSize: [18, 18], iconAnchor: [9, 18] });
    pin = L.marker(center, { draggable: true, icon, keyboard: true, title: "The door: drag me" }).addTo(map);
    pin.on("dragend", () => placedByHand(pin.getLatLng()));
  }

  async function placedByHand(latlng) {
    choice = { lat: round(latlng.lat), lon: round(latlng.lng) };
    where.textContent = "Looking up the nearest address…";
    try {
      const found = await api(`/api/v1/geocode/reverse?lat=${choice.lat}&lon=${choice.lon}`);
      where.textContent = `Pin near ${found.label}`;
    } catch (error) {
      where.textContent = `Pin at ${choice.lat}, ${choice.lon} (no address nearby: ${error.message})`;
    }
  }

  function pick(candidate) {
    choice = { text: candidate.label, lat: candidate.lat, lon: candidate.lon };
    search.value = candidate.label;
    suggestions.replaceChildren();
    pin.setLatLng([candidate.lat, candidate.lon]);
    map.setView([candidate.lat, candidate.lon], Math.max(map.getZoom(), 17));
    where.textContent = `Pin at ${candidate.label}`;
  }

  async function suggest() {
    const text = search.value.trim();
    const mine = ++asked;
    if (!text) { suggestions.replaceChildren(); return; }
    try {
      const found = await api(`/api/v1/geocode?q=${encodeURIComponent(text)}`);
      if (mine !== asked) return; // a later keystroke asked again
      const items = found.candidates.slice(0, 6).map((c) => el("li", { role: "option" },
        el("button", { type: "button", onclick: () => pick(c) }, c.label,
          el("span", { class: "muted" }, ` · ${Math.round(c.score * 100)}`))));
      suggestions.replaceChildren(...items);
      if (!items.length) suggestions.replaceChildren(el("li", { class: "muted" }, found.note || "No address matches."));
    } catch (error) {
      suggestions.replaceChildren(el("li", { class: "error" }, error.message));
    }
  }

  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, SEARCH_AFTER_MS);
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (event.submitter?.value === "cancel") { dialog.close(); return; }
    if (!choice) { showError("Pick an address from the list or drag the pin to the door first."); return; }
    showError("");
    try {
      const corrected = await api(`/api/v1/shipments/${shipment.tracking_number}`, {
        method: "PATCH", body: JSON.stringify({ address: choice }),
      });
      dialog.close();
      onSaved(corrected);
    } catch (error) {
      const fields = (error.problem?.errors || []).map((e) => `${e.field}: ${e.message}`);
      showError(fields.length ? fields.join("; ") : error.message);
    }
  });

  return function open(order, fallbackCenter) {
    shipment = order;
    choice = null;
    showError("");
    suggestions.replaceChildren();
    search.value = order.address.text;
    document.getElementById("fix-address-title").textContent = `Fix address · ${order.tracking_number}`;
    const reasons = order.address.quality?.reasons || [];
    document.getElementById("fix-address-reason").textContent = reasons.map((r) => r.message).join(" ");
    const known = order.address.lat != null && order.address.lon != null;
    const center = known ? [order.address.lat, order.address.lon] : fallbackCenter;
    where.textContent = known ? "Pin where the address is now. Drag it to the door, or search." : "No pin yet: search, or drag the pin to the door.";
    dialog.showModal();
    ensureMap(center);
    pin.setLatLng(center);
    map.setView(center, 16);
    map.invalidateSize();
    search.focus();
  };
}

function round(degrees) {
  return Math.round(degrees * 1e6) / 1e6;
}
