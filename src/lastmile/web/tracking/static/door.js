// "Is this your door?": the address's pin on a small map. "Move the pin" makes it draggable;
// a drop further than the allowed distance from the address is said in words and not saved
// (the server checks the same rule).
import { addBaseLayer } from "/static/maps/roads.js";

const R_EARTH_M = 6371008.8;

function distanceM([lat1, lon1], [lat2, lon2]) {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad, dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * R_EARTH_M * Math.asin(Math.sqrt(a));
}

function start() {
  const island = document.getElementById("door-data");
  const box = document.getElementById("door-map");
  const L = window.L;
  if (!island || !box || !L) return;
  const data = JSON.parse(island.textContent);
  const map = L.map(box, { zoomControl: true, attributionControl: false }).setView(data.pin, 17);
  const link = window.location.pathname.replace(/\/+$/, "");
  addBaseLayer(map, { tileUrl: box.dataset.tiles || null, roadsUrl: (bbox, zoom) => `${link}/roads?bbox=${bbox}&zoom=${zoom}` });
  const icon = L.divIcon({ className: "door-pin", iconSize: [22, 22] });
  const pin = L.marker(data.pin, { icon, title: "Your door", keyboard: true }).addTo(map);
  box.dataset.ready = "1";

  const moveButton = document.getElementById("door-move");
  const form = document.getElementById("door-move-form");
  if (!moveButton || !form || !data.anchor) return;
  const hint = document.getElementById("door-hint");
  const save = document.getElementById("door-save");
  moveButton.hidden = false;
  moveButton.addEventListener("click", () => {
    moveButton.hidden = true;
    form.hidden = false;
    pin.dragging.enable();
    hint.textContent = "Drag the pin to your door, then save it.";
  });
  pin.on("dragend", () => {
    const at = pin.getLatLng();
    const point = [Math.round(at.lat * 1e6) / 1e6, Math.round(at.lng * 1e6) / 1e6];
    const apart = Math.round(distanceM(point, data.anchor));
    document.getElementById("door-lat").value = point[0];
    document.getElementById("door-lon").value = point[1];
    const tooFar = apart > data.max_move_m;
    save.disabled = tooFar;
    hint.textContent = tooFar
      ? `That is ${apart} m from your address: the pin may move at most ${data.max_move_m} m. Ask the sender to correct the address instead.`
      : `The pin is ${apart} m from your address. Save it if this is your door.`;
  });
}

start();
