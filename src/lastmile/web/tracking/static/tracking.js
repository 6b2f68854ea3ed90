// Live updates for the tracking page: the ETA, the driver's marker, status changes.
// The page works without this module; it only refreshes what the server already rendered.
import { addBaseLayer } from "/static/maps/roads.js";

const summary = document.getElementById("summary");
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
let marker = null;
let map = null;

// In the hub's time zone and 24-hour clock, as the server renders the page ("Times in …").
const clockFormat = new Intl.DateTimeFormat("en-GB", {
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZone: summary?.dataset.zone || undefined,
});

function clock(iso) {
  return clockFormat.format(new Date(iso));
}

// The server words the stops ahead (web/tracking/wording.py) for the page and for each live
// ETA alike; the script shows the words it is given and never builds them.
function showStopsBefore(text) {
  const line = document.getElementById("stops-away");
  if (line && typeof text === "string") line.textContent = text;
}

// The whole ETA window before the promised one: the page says so (its words are in the page).
function showEarly(windowEnd) {
  const early = document.getElementById("eta-early");
  if (!early) return;
  early.hidden = !(new Date(windowEnd) < new Date(early.dataset.promisedStart));
}

function showEta(data) {
  // The driver is at the door: a forecast of their arrival, or of the stops before this one,
  // says nothing more (until the status changes and the page reloads).
  if (document.getElementById("eta-arriving")) return;
  showStopsBefore(data.stops_before);
  showEarly(data.window_end);
  const box = document.getElementById("eta");
  if (!box) return;
  box.replaceChildren();
  const p = document.createElement("p");
  p.className = "eta";
  p.append("Arriving between ");
  const strong = document.createElement("strong");
  const start = document.createElement("time");
  start.id = "eta-start";
  start.dateTime = data.window_start;
  start.textContent = clock(data.window_start);
  const end = document.createElement("time");
  end.id = "eta-end";
  end.dateTime = data.window_end;
  end.textContent = clock(data.window_end);
  strong.append(start, " and ", end);
  const note = document.createElement("span");
  note.className = "muted";
  note.id = "eta-stops";
  note.textContent = data.stops_away_note || "";
  p.append(strong, " ", note);
  box.append(p);
}

const MAX_FIT_ZOOM = 17;

function drawMap() {
  const island = document.getElementById("map-data");
  const box = document.getElementById("map");
  if (!island || !box || !window.L) return;
  const data = JSON.parse(island.textContent);
  const L = window.L;
  map = L.map(box, { zoomControl: true, attributionControl: Boolean(data.tiles),
                     fadeAnimation: !reducedMotion, zoomAnimation: !reducedMotion });
  const link = window.location.pathname.replace(/\/+$/, "");
  addBaseLayer(map, {
    tileUrl: data.tiles,
    attribution: data.attribution,
    roadsUrl: (bbox, zoom) => `${link}/roads?bbox=${bbox}&zoom=${zoom}`,
  });
  L.control.scale({ imperial: false }).addTo(map);
  const points = [];
  if (data.road.length > 1) {
    L.polyline(data.road, { color: getComputedStyle(document.body).getPropertyValue("--brand") || "#1f5fbf", weight: 5 }).addTo(map);
    points.push(...data.road);
  }
  if (data.destination) {
    // A ring wider than the driver's dot: with the driver at the door both stay visible.
    L.circleMarker(data.destination, { radius: 16, weight: 4, color: "#1b1f24", fillColor: "#fff", fillOpacity: 0.9, className: "destination" })
      .addTo(map).bindTooltip("You");
    points.push(data.destination);
  }
  if (data.position) {
    const icon = L.divIcon({ className: "driver-dot", iconSize: [18, 18] });
    marker = L.marker([data.position.lat, data.position.lon], { icon, title: "Your driver", keyboard: false, zIndexOffset: 1000 }).addTo(map);
    points.push([data.position.lat, data.position.lon]);
  }
  // Driver and door may coincide: never zoom in further than a street's width shows.
  map.on("zoomend", () => { box.dataset.zoom = map.getZoom(); });
  if (points.length > 1) map.fitBounds(points, { padding: [24, 24], maxZoom: MAX_FIT_ZOOM, animate: !reducedMotion });
  else if (points.length === 1) map.setView(points[0], 15);
  box.dataset.zoom = map.getZoom();
}

function moveDriver(data) {
  if (!map || !window.L) return;
  const at = [data.lat, data.lon];
  if (marker) marker.setLatLng(at);
  else marker = window.L.marker(at, { icon: window.L.divIcon({ className: "driver-dot", iconSize: [18, 18] }) }).addTo(map);
  document.getElementById("map")?.setAttribute("data-driver", `${data.lat},${data.lon}`);
  const seen = document.querySelector("#seen time");
  if (seen && data.at) { seen.dateTime = data.at; seen.textContent = clock(data.at); }
}

function listen() {
  if (!summary || summary.dataset.live !== "yes" || !window.EventSource) return;
  const shownStatus = document.getElementById("status")?.dataset.status;
  const mapShown = summary.dataset.map === "yes";
  const source = new EventSource(summary.dataset.events);
  source.addEventListener("eta", (e) => showEta(JSON.parse(e.data)));
  source.addEventListener("position", (e) => moveDriver(JSON.parse(e.data)));
  // The message box (thread.js) shows what comes in; it polls instead where no stream runs.
  source.addEventListener("thread", (e) => window.dispatchEvent(new CustomEvent("lastmile:thread", { detail: JSON.parse(e.data) })));
  source.addEventListener("status", (e) => {
    if (JSON.parse(e.data).status !== shownStatus) { source.close(); window.location.reload(); }
  });
  source.addEventListener("map", (e) => {
    if (JSON.parse(e.data).visible !== mapShown) { source.close(); window.location.reload(); }
  });
  source.addEventListener("ready", () => document.documentElement.setAttribute("data-live", "connected"));
}

if (document.readyState === "complete") drawMap();
else window.addEventListener("load", drawMap);
listen();
