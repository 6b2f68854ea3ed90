// The Control Tower: a live map of the fleet, the alert inbox, orders and a driver panel.
// Live over one EventSource; positions are batched into one map update per animation frame,
// at most every POSITIONS_EVERY_MS. A stop's change (`stop` event) re-reads the board within
// STOP_SETTLE_MS; the periodic refresh is the fallback for anything the stream missed.
import { addBaseLayer } from "/static/maps/roads.js";
import { setupAudit } from "./audit.js";
import { setupBilling } from "./billing.js";
import { setupCustomers } from "./customers.js";
import { setupDrivers } from "./drivers.js";
import { needsFixing, setupFixAddress } from "./fix_address.js";
import { hubClock, hubDay } from "./hub_time.js";
import { setupPay } from "./pay.js";
import { plainError, setupPlan } from "./plan.js";
import { setupInvoices } from "./invoices.js";
import { setupOrderDetail } from "./orders_detail.js";
import { setupOrderEdit } from "./orders_edit.js";
import { setupOrderImport } from "./orders_import.js";
import { setupLoad } from "./labels.js";
import { setupUnplanned } from "./unplanned.js";

const L = window.L;
const STOP_COLOURS = { pending: "#0b6bcb", arrived: "#7a5af8", completed: "#12b76a", failed: "#b42318" };
const BOARD_REFRESH_MS = 30000;
// A burst of stop changes (a route closed, a bulk upload) costs one board read: the first
// message starts the wait, the rest within it ride along.
const STOP_SETTLE_MS = 1000;
// Every map change repaints and re-uploads the whole marker canvas (a software copy without a
// GPU), so positions are applied at most this often: at 2,000 drivers, painting every frame
// starved the page (bench/control_tower.py).
const POSITIONS_EVERY_MS = 100;

const state = { board: null, drivers: new Map(), alerts: new Map(), pending: new Map(), frame: 0, flushed: 0 };
// Every time on the board is at the hub's clock.
const boardZone = () => state.board?.hub?.timezone || "UTC";
const boardClock = (iso) => hubClock(iso, boardZone());

function csrfToken() {
  const found = document.cookie.split("; ").find((c) => c.startsWith("lastmile_csrf="));
  return found ? decodeURIComponent(found.split("=")[1]) : "";
}

// A JSON body, or a FormData one (a file upload) whose multipart type the browser writes.
async function api(path, options = {}) {
  const headers = { "X-CSRF-Token": csrfToken() };
  if (!(options.body instanceof FormData)) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { credentials: "same-origin", ...options, headers });
  if (response.status === 401) window.location.assign("/control-tower/sign-in");
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (!response.ok) {
    const error = new Error(body?.detail || response.statusText);
    error.problem = body;
    throw error;
  }
  return body;
}

function decodePolyline6(text) {
  const points = [];
  let index = 0, lat = 0, lon = 0;
  while (index < text.length) {
    for (const axis of [0, 1]) {
      let shift = 0, result = 0, byte;
      do {
        byte = text.charCodeAt(index++) - 63;
        result |= (byte & 0x1f) << shift;
        shift += 5;
      } while (byte >= 0x20);
      const delta = result & 1 ? ~(result >> 1) : result >> 1;
      if (axis === 0) lat += delta; else lon += delta;
    }
    points.push([lat / 1e6, lon / 1e6]);
  }
  return points;
}

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
};

// --- map -------------------------------------------------------------------------------------

const mapNode = document.getElementById("map");
const map = L.map(mapNode, { preferCanvas: true, zoomControl: true, maxZoom: 19 }).setView([60.17, 24.94], 12);
addBaseLayer(map, {
  tileUrl: mapNode.dataset.tileUrl,
  roadsUrl: (bbox, zoom) => `/api/v1/map/roads?bbox=${bbox}&zoom=${zoom}`,
});
L.control.scale({ imperial: false }).addTo(map);
const routeLayer = L.layerGroup().addTo(map);
const driverLayer = L.layerGroup().addTo(map);
const renderer = L.canvas({ padding: 0.1 });
// Drivers on a canvas of their own above the routes: a board refresh redraws the stops without
// burying the drivers under them, and a moving driver repaints only this canvas.
map.createPane("drivers").style.zIndex = 450;
const driverRenderer = L.canvas({ padding: 0.1, pane: "drivers" });
// One colour per route, kept in the legend; the picked driver's route is drawn bold, the rest faded.
const ROUTE_COLOURS = ["#0b6bcb", "#c11574", "#027a48", "#b54708", "#5925dc", "#0e7090", "#854a0e", "#3f621a"];
const legend = L.control({ position: "bottomleft" });
legend.onAdd = () => L.DomUtil.create("ul", "legend");
legend.addTo(map);

function drawRoutes(board) {
  routeLayer.clearLayers();
  const bounds = [];
  if (board.hub) {
    L.circleMarker([board.hub.lat, board.hub.lon], { renderer, radius: 8, color: "#1b1f24", fillOpacity: 1 })
      .bindTooltip(board.hub.name).addTo(routeLayer);
    bounds.push([board.hub.lat, board.hub.lon]);
  }
  const names = new Map(board.drivers.map((d) => [d.id, d.name]));
  const keys = [];
  state.colours = new Map();
  mapNode.dataset.highlighted = state.selected || "";
  board.routes.forEach((route, index) => {
    const colour = ROUTE_COLOURS[index % ROUTE_COLOURS.length];
    if (!state.colours.has(route.driver_id)) state.colours.set(route.driver_id, colour);
    const picked = state.selected === route.driver_id;
    const faded = state.selected && !picked;
    keys.push(el("li", { "data-driver": route.driver_id, class: picked ? "picked" : faded ? "faded" : "" },
      swatch(colour), names.get(route.driver_id) || "route"));
    if (route.polyline6) {
      const line = decodePolyline6(route.polyline6);
      L.polyline(line, { renderer, color: colour, weight: picked ? 6 : 3, opacity: faded ? 0.2 : picked ? 0.9 : 0.6 })
        .on("click", () => showDriver(route.driver_id)).addTo(routeLayer);
      bounds.push(...line);
    }
    for (const stop of route.stops) {
      if (stop.lat == null) continue;
      L.circleMarker([stop.lat, stop.lon], {
        renderer, radius: 5, color: STOP_COLOURS[stop.status] || "#5b6570", fillOpacity: 0.9,
      }).bindTooltip(`${stop.sequence + 1}. ${stop.recipient} · ${stop.status}`).addTo(routeLayer);
      bounds.push([stop.lat, stop.lon]);
    }
  });
  legend.getContainer().replaceChildren(...keys);
  if (bounds.length && !state.fitted) {
    map.fitBounds(bounds, { padding: [20, 20] });
    state.fitted = true;
  }
}

function swatch(colour) {
  const box = el("span", { class: "swatch", "aria-hidden": "true" });
  box.style.background = colour; // CSSOM, allowed by the page's CSP
  return box;
}

// A driver's dot has their route's colour (grey without a route), so the list, the legend and
// the map agree.
const NO_ROUTE_COLOUR = "#5b6570";
const colourOf = (id) => state.colours?.get(id) || NO_ROUTE_COLOUR;

// A suspect position (the track jumped impossibly and stayed there; customers do not see it)
// is drawn red, its tooltip saying so.
function placeDriver(id, name, lat, lon, suspect = false) {
  let marker = state.drivers.get(id);
  if (!marker) {
    marker = L.circleMarker([lat, lon], { renderer: driverRenderer, radius: 7, color: "#fff", weight: 2, fillColor: colourOf(id), fillOpacity: 1 })
      .bindTooltip(name || "driver").on("click", () => showDriver(id)).addTo(driverLayer);
    marker.trail = [];
    marker.driverId = id;
    marker.name = name || "driver";
    state.drivers.set(id, marker);
    mapNode.dataset.drivers = String(state.drivers.size);
  } else {
    marker.setLatLng([lat, lon]);
  }
  if (marker.suspect !== suspect) {
    marker.suspect = suspect;
    marker.setTooltipContent(suspect ? `${marker.name} · suspect position, hidden from customers` : marker.name);
  }
  const fill = suspect ? "#d92d20" : colourOf(id);
  const faded = Boolean(state.selected) && state.selected !== id;
  if (marker.options.fillColor !== fill || marker.faded !== faded) {
    marker.faded = faded;
    marker.setStyle({ fillColor: fill, fillOpacity: faded ? 0.35 : 1, opacity: faded ? 0.35 : 1 });
  }
  return marker;
}

function flushPositions() {
  state.frame = 0;
  state.flushed = performance.now();
  const batch = state.pending;
  state.pending = new Map();
  for (const [id, message] of batch) {
    const name = state.drivers.has(id) ? null : state.board?.drivers.find((d) => d.id === id)?.name;
    const marker = placeDriver(id, name, message.lat, message.lon, Boolean(message.suspect));
    driverList.heard(id, message.at);
    mapNode.dataset.lastPosition = `${id}@${message.at}`;
    for (const [, lat, lon] of message.fixes || []) marker.trail.push([lat, lon]);
    if (marker.trail.length > 500) marker.trail.splice(0, marker.trail.length - 500);
    if (state.selected === id) drawTrail(marker);
  }
  // Observers (the bench, tests) learn which positions reached the map in this frame.
  document.dispatchEvent(new CustomEvent("positions-drawn", { detail: batch }));
}

function drawTrail(marker) {
  if (state.trail) state.trail.remove();
  state.trail = L.polyline(marker.trail, { renderer, color: colourOf(marker.driverId), weight: 2 }).addTo(map);
}

const driverList = setupDrivers({ el, colourOf, onPick: (id) => (id ? showDriver(id) : unselectDriver()) });

const plan = setupPlan({ L, map, renderer, api, el, reload: () => loadBoard(), getBoard: () => state.board });
setupUnplanned({ api, el, hubZone: boardZone });
setupAudit({ api, el, getBoard: () => state.board });
setupPay({ api, el, getBoard: () => state.board });
setupBilling({ api, el, zone: boardZone });
setupInvoices({ api, el, zone: boardZone });
setupLoad({ api, el });

// --- board and KPIs --------------------------------------------------------------------------

function showKpis(kpis) {
  for (const node of document.querySelectorAll("[data-kpi]")) {
    const value = kpis[node.dataset.kpi];
    const unit = node.dataset.kpi.endsWith("_pct") ? "%" : node.dataset.kpi.endsWith("_min") ? " min" : "";
    node.textContent = value == null ? "–" : `${value}${unit}`;
  }
}

// One board read at a time: a read asked for while one is running runs once it ends, so an
// older answer never overwrites a newer one and a caller awaiting it sees its change.
let boardLoading = null;
let boardAgain = false;

function loadBoard() {
  if (boardLoading) {
    boardAgain = true;
    return boardLoading;
  }
  boardLoading = (async () => {
    try {
      do {
        boardAgain = false;
        showBoard(await api(`/api/v1/control-tower/board${state.hub ? `?hub=${state.hub}` : ""}`));
      } while (boardAgain);
    } finally {
      boardLoading = null;
    }
  })();
  return boardLoading;
}

let boardSoon = 0;

function loadBoardSoon() {
  if (boardSoon) return;
  boardSoon = setTimeout(() => {
    boardSoon = 0;
    loadBoard().catch(() => {});
  }, STOP_SETTLE_MS);
}

// The hub the board shows ("" = all hubs): its routes, its figures, its clock.
const hubPick = document.getElementById("hub-pick");
hubPick.addEventListener("change", () => {
  state.hub = hubPick.value;
  state.fitted = false;
  loadBoard().catch(() => {});
});

// A dispatcher limited to some hubs sees them one at a time: no "All hubs" for them.
function listHubs(board) {
  const all = board.all_hubs !== false;
  const key = `${all}|${board.hubs.map((h) => h.id).join("|")}`;
  if (hubPick.dataset.key !== key) {
    hubPick.dataset.key = key;
    hubPick.replaceChildren(...(all ? [el("option", { value: "" }, "All hubs")] : []),
      ...board.hubs.map((h) => el("option", { value: h.id }, `${h.name} (${h.code})`)));
  }
  hubPick.value = board.hub_id || "";
}

function showBoard(board) {
  state.board = board;
  listHubs(board);
  drawRoutes(board);
  for (const driver of board.drivers) {
    if (driver.position) placeDriver(driver.id, driver.name, driver.position.lat, driver.position.lon, Boolean(driver.position.suspect));
  }
  showKpis({ ...board.kpis, open_alerts: countOpen() });
  plan.renderRoutes(board);
  listDrivers(board.drivers);
  driverList.render(board, state.selected);
  if (state.selected) renderDriver(state.selected);
}

// --- alerts ----------------------------------------------------------------------------------

const countOpen = () => [...state.alerts.values()].filter((a) => a.status !== "resolved").length;

// An action's failure is said in the tab it was taken in, in words; the next success clears it.
function showProblem(id, error) {
  const box = document.getElementById(id);
  box.textContent = error ? plainError(error) : "";
  box.hidden = !error;
}

async function act(alert, action) {
  let note = null;
  if (action === "resolve") {
    note = window.prompt("Resolution note (optional)");
    if (note === null) return; // Cancel: the alert stays as it is
  }
  try {
    const updated = await api(`/api/v1/alerts/${alert.id}/${action}`, {
      method: "POST", body: JSON.stringify(note ? { note } : {}),
    });
    showProblem("alerts-error", null);
    upsertAlert(updated);
  } catch (error) {
    showProblem("alerts-error", error);
  }
}

// "user:ana@example.com" → "you" for the signed-in dispatcher, else the address; "system" stays.
function actorName(actor) {
  const [kind, ...rest] = actor.split(":");
  const who = rest.join(":");
  if (kind === "user") return who === document.getElementById("me").dataset.email ? "you" : who;
  if (kind === "api-key") return `API key ${who}`;
  return actor;
}

// What an alert is about, from the board: the driver by name and the order by tracking number.
function alertSubject(alert) {
  const board = state.board;
  const driver = alert.driver_id && board?.drivers.find((d) => d.id === alert.driver_id);
  let order = null;
  for (const route of board?.routes || []) {
    order = route.stops.find((s) => s.shipment_id === alert.shipment_id) || order;
  }
  const parts = [];
  if (driver) {
    parts.push(el("button", { type: "button", class: "link", onclick: () => showDriver(driver.id) }, driver.name));
  }
  if (order) {
    parts.push(" · ", el("button", { type: "button", class: "link", onclick: () => showOrder(order.tracking_number) },
      order.tracking_number), ` ${order.recipient}`);
  }
  return el("div", { class: "subject" }, ...parts);
}

function renderAlerts() {
  const list = document.getElementById("alerts");
  const open = [...state.alerts.values()].filter((a) => a.status !== "resolved")
    .sort((a, b) => b.opened_at.localeCompare(a.opened_at));
  list.replaceChildren(...open.map((alert) => {
    const buttons = [];
    if (alert.status === "open") buttons.push(el("button", { onclick: () => act(alert, "acknowledge") }, "Acknowledge"));
    buttons.push(el("button", { onclick: () => act(alert, "resolve") }, "Resolve"));
    return el("li", { class: "alert", "data-id": alert.id, "data-severity": alert.severity, "data-status": alert.status },
      el("div", { class: "title" }, alert.title),
      alertSubject(alert),
      el("div", { class: "state" }, `${alert.kind.replaceAll("_", " ")} · ${alert.status}`,
        alert.acknowledged_by ? el("span", { class: "actor" }, ` by ${actorName(alert.acknowledged_by)}`) : ""),
      el("div", { class: "muted opened" }, boardClock(alert.opened_at)),
      el("div", {}, ...buttons));
  }));
  document.getElementById("no-alerts").hidden = open.length > 0;
  const counter = document.querySelector('[data-kpi="open_alerts"]');
  if (counter) counter.textContent = countOpen();
}

function upsertAlert(alert) {
  state.alerts.set(alert.id, alert);
  renderAlerts();
}

async function loadAlerts() {
  for (const alert of await api("/api/v1/alerts?limit=500")) state.alerts.set(alert.id, alert);
  renderAlerts();
}

// --- orders ----------------------------------------------------------------------------------

// From an alert: the orders tab searched for that one order.
function showOrder(trackingNumber) {
  const form = document.getElementById("order-search");
  form.elements.q.value = trackingNumber;
  selectTab("orders");
  form.requestSubmit();
}

// The status select's options give each status its label for people.
const STATUS_LABELS = new Map([...document.querySelectorAll('#order-search select[name="status"] option')]
  .filter((o) => o.value).map((o) => [o.value, o.textContent]));
const ORDERS_PER_PAGE = 100;
// The filters of the last search and the cursors of the pages shown so far: pages[i] opens page i.
const orders = { filters: null, pages: [null], at: 0, sort: "-created" };

function orderFilters(form) {
  const params = new URLSearchParams();
  for (const name of ["q", "status", "hub_id", "date"]) if (form.get(name)) params.set(name, form.get(name));
  if (form.get("needs_attention")) params.set("needs_attention", "true");
  return params;
}

async function showOrdersPage(at) {
  const params = new URLSearchParams(orders.filters);
  params.set("limit", String(ORDERS_PER_PAGE));
  params.set("sort", orders.sort);
  if (orders.pages[at]) params.set("cursor", orders.pages[at]);
  const page = await api(`/api/v1/shipments?${params}`);
  orders.at = at;
  orders.pages[at + 1] = page.next_cursor;
  document.getElementById("orders").replaceChildren(...page.items.map(orderRow));
  document.getElementById("orders-newer").hidden = at === 0;
  document.getElementById("orders-older").hidden = !page.next_cursor;
}

async function showOrderCounts() {
  const counts = await api(`/api/v1/shipments/counts?${orders.filters}`);
  const parts = Object.entries(counts).map(([status, n]) => `${STATUS_LABELS.get(status) || status} ${n}`);
  document.getElementById("order-counts").textContent = parts.length ? parts.join(" · ") : "No orders match.";
}

async function ordersAction(action) {
  const shown = document.getElementById("orders-error");
  shown.hidden = true;
  try {
    await action();
  } catch (error) {
    shown.textContent = plainError(error);
    shown.hidden = false;
  }
}

// Ticking "Needs attention" (or choosing a status) searches at once, as a filter should.
for (const name of ["needs_attention", "status"]) {
  document.getElementById("order-search").elements[name]?.addEventListener("change", () => {
    document.getElementById("order-search").requestSubmit();
  });
}
document.getElementById("order-search").addEventListener("submit", (event) => {
  event.preventDefault();
  orders.filters = orderFilters(new FormData(event.target)).toString();
  orders.pages = [null];
  ordersAction(() => Promise.all([showOrdersPage(0), showOrderCounts()]));
});
// A column's header sorts by it on the server, again reverses it; the first page is shown.
for (const button of document.querySelectorAll("#orders-table button.sort")) {
  button.addEventListener("click", () => {
    const key = button.dataset.sort;
    orders.sort = orders.sort === key ? `-${key}` : key;
    for (const th of document.querySelectorAll("#orders-table th")) th.removeAttribute("aria-sort");
    button.closest("th").setAttribute("aria-sort", orders.sort.startsWith("-") ? "descending" : "ascending");
    if (orders.filters === null) orders.filters = orderFilters(new FormData(document.getElementById("order-search"))).toString();
    orders.pages = [null];
    ordersAction(() => showOrdersPage(0));
  });
}
document.getElementById("orders-older").addEventListener("click", () => ordersAction(() => showOrdersPage(orders.at + 1)));
document.getElementById("orders-newer").addEventListener("click", () => ordersAction(() => showOrdersPage(orders.at - 1)));

// The delivery window at the hub's clock; its day too when it is not the board's.
function windowCell(window) {
  if (!window) return el("td", { class: "window muted" }, "—");
  const day = hubDay(window.start, boardZone());
  const times = `${boardClock(window.start)}–${boardClock(window.end)}`;
  return el("td", { class: "window", title: `${day} ${times}` },
    day === state.board?.day ? "" : el("span", { class: "day" }, `${day.slice(8, 10)}.${day.slice(5, 7)}.`), times);
}

function orderRow(s) {
  return el("tr", { "data-tracking": s.tracking_number, class: "order-row", onclick: (event) => {
    if (!event.target.closest("a, button")) openOrder(s.tracking_number);
  } },
    el("td", { class: "tracking" }, el("a", { href: s.tracking_url, target: "_blank", rel: "noopener" }, s.tracking_number)),
    el("td", { class: "recipient", title: s.recipient.name }, s.recipient.name),
    el("td", { class: "status" }, STATUS_LABELS.get(s.status) || s.status),
    windowCell(s.window), addressQuality(s.address),
    el("td", { class: "fix" }, needsFixing(s) && !["delivered", "cancelled"].includes(s.status)
      ? el("button", { type: "button", class: "fix-address", onclick: () => fixAddress(s, mapCentre()) }, "Fix address")
      : "",
    CLOSED.has(s.status) ? "" : el("button", { type: "button", class: "edit-order", onclick: () => editOrder(s) }, "Edit"),
    el("button", { type: "button", class: "order-details", onclick: () => openOrder(s.tracking_number) }, "Details")));
}

// Its stop on a route of the board, if the board shows one.
function stopOf(trackingNumber) {
  for (const route of state.board?.routes || []) {
    const stop = route.stops.find((st) => st.tracking_number === trackingNumber);
    if (stop) return { route, stop, driverName: state.board.drivers.find((d) => d.id === route.driver_id)?.name || "a driver" };
  }
  return null;
}

const replaceOrderRow = (saved) => document.querySelector(`#orders tr[data-tracking="${saved.tracking_number}"]`)?.replaceWith(orderRow(saved));
const openOrder = setupOrderDetail({
  api, el, plainError, stopOf, onEdit: (order) => editOrder(order), onChanged: replaceOrderRow,
});

// Orders past correcting (PATCH answers 409 for them).
const CLOSED = new Set(["delivered", "cancelled"]);

// A new order or a whole import: the table searched again (newest first); an edited one takes
// its row's place.
const editOrder = setupOrderEdit({
  api, el,
  onSaved: (saved, created) => {
    if (created) document.getElementById("order-search").requestSubmit();
    else replaceOrderRow(saved);
  },
});
document.getElementById("order-new").addEventListener("click", () => editOrder());
const importOrders = setupOrderImport({
  api, el, onImported: () => document.getElementById("order-search").requestSubmit(),
});
document.getElementById("order-import").addEventListener("click", () => importOrders());

// A corrected order takes its row's place: its new score, and no button once nothing is wrong.
const fixAddress = setupFixAddress({
  api, el,
  onSaved: (corrected) => {
    document.querySelector(`#orders tr[data-tracking="${corrected.tracking_number}"]`)?.replaceWith(orderRow(corrected));
  },
});

function mapCentre() {
  const hub = state.board?.hub;
  if (hub?.lat != null && hub?.lon != null) return [hub.lat, hub.lon];
  const centre = map.getCenter();
  return [centre.lat, centre.lng];
}

// The table is filled the first time the tab is opened, not only when Search is pressed.
document.querySelector('[data-tab="orders"]').addEventListener("click", () => {
  if (!document.getElementById("orders").children.length) document.getElementById("order-search").requestSubmit();
});

// The address as written, then its score and the first reason it is not 100, as the geocoder wrote it for people;
// and whether its point was learned from earlier deliveries there, from how many (and how many
// of them the driver's track confirmed at the door).
function addressQuality(address) {
  const quality = address.quality;
  const text = el("span", { class: "address-text" }, address.text || "(no address text)");
  if (!quality) return el("td", { class: "quality", title: "Not judged: no address index yet" }, text);
  const [first] = quality.reasons.filter((r) => r.code !== "learned_point");
  const count = quality.learned_from;
  const confirmed = quality.learned_confirmed ? `, ${quality.learned_confirmed} confirmed at the door` : "";
  const learned = count
    ? [el("span", { class: "learned" }, ` · learned point (${count} ${count === 1 ? "delivery" : "deliveries"}${confirmed})`)]
    : [];
  return el("td", { class: "quality", "data-score": String(quality.score) }, text,
    el("small", { class: "address-judged" },
      el("strong", {}, String(quality.score)), first ? ` · ${first.message}` : " · finds the door", ...learned));
}

// --- driver panel ----------------------------------------------------------------------------

function selectTab(name) {
  for (const tab of document.querySelectorAll("[role=tab]")) {
    const active = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", String(active));
    document.getElementById(`tab-${tab.dataset.tab}`).hidden = !active;
  }
}
for (const tab of document.querySelectorAll("[role=tab]")) tab.addEventListener("click", () => selectTab(tab.dataset.tab));

// A stop moved off a van that may hold its parcel: the answer says what to arrange, and it
// stays on screen until the next move (the board refreshes under it).
async function moveStop(route, stop, targetRouteId) {
  const warning = document.getElementById("driver-warning");
  warning.hidden = true;
  try {
    const routes = await api(`/api/v1/routes/${route.id}/stops/${stop.id}/move`, {
      method: "POST", body: JSON.stringify({ to_route_id: targetRouteId }),
    });
    showProblem("driver-error", null);
    const said = routes.flatMap((r) => r.warnings ?? []);
    warning.textContent = said.join(" ");
    warning.hidden = said.length === 0;
  } catch (error) {
    showProblem("driver-error", error);
  }
  await loadBoard();
}

// The drivers as a list too: markers on a canvas cannot be reached with the keyboard.
const driverPick = document.getElementById("driver-pick");
driverPick.addEventListener("change", () => (driverPick.value ? showDriver(driverPick.value) : unselectDriver()));

function listDrivers(drivers) {
  const key = drivers.map((d) => `${d.id}:${d.name}`).join("|");
  if (driverPick.dataset.key !== key) { // left alone when unchanged: it may be open
    driverPick.dataset.key = key;
    driverPick.replaceChildren(el("option", { value: "" }, "Pick a driver…"),
      ...drivers.map((d) => el("option", { value: d.id }, d.name)));
  }
  driverPick.value = state.selected || "";
}

// Closed stops say when ("delivered 14:56"), open ones their ETA or plan.
function stopState(stop) {
  if (stop.outcome && stop.finished_at) return `${stop.outcome} ${boardClock(stop.finished_at)}`;
  if (stop.status === "arrived" && stop.arrived_at) return `arrived ${boardClock(stop.arrived_at)}`;
  return `${stop.status} · ${stop.eta
    ? `ETA ${boardClock(stop.eta)}`
    : `planned ${boardClock(stop.planned_arrival)}`}`;
}

// Picked by the dispatcher (a marker, the list): the panel, its trail and chat, and its tab.
function showDriver(id) {
  state.selected = id;
  driverPick.value = id;
  renderDriver(id);
  highlight();
  const marker = state.drivers.get(id);
  if (marker) loadTrail(id, marker);
  document.getElementById("chat").replaceChildren();
  document.getElementById("chat-box").hidden = false;
  loadChat(id).catch(() => {});
  customers.load(id).catch(() => {});
  selectTab("driver");
}

// The picked driver's route bold and the others faded, on the map, the legend and the list.
function highlight() {
  if (state.board) drawRoutes(state.board);
  for (const [id, marker] of state.drivers) placeDriver(id, null, marker.getLatLng().lat, marker.getLatLng().lng, marker.suspect);
  driverList.select(state.selected);
}

// Nobody picked: every route alike, no panel, and no chat box (a message needs a driver).
function unselectDriver() {
  state.selected = null;
  driverPick.value = "";
  if (state.trail) state.trail.remove();
  state.trail = null;
  document.getElementById("chat-box").hidden = true;
  document.getElementById("driver-name").textContent = "";
  document.getElementById("driver-stops").replaceChildren();
  document.getElementById("driver-hint").hidden = false;
  highlight();
}

// The selected driver's panel drawn again from the board, leaving the tab the dispatcher is on.
function renderDriver(id) {
  const driver = state.board?.drivers.find((d) => d.id === id);
  const route = state.board?.routes.find((r) => r.driver_id === id);
  document.getElementById("driver-hint").hidden = true;
  document.getElementById("driver-name").textContent = driver ? driver.name : "Driver";
  const others = (state.board?.routes || []).filter((r) => r.driver_id !== id);
  const stops = route ? route.stops : [];
  document.getElementById("driver-stops").replaceChildren(...stops.map((stop) => {
    const item = el("li", { "data-stop": stop.id, "data-status": stop.status },
      el("strong", {}, `${stop.sequence + 1}. ${stop.recipient}`), " ",
      el("span", { class: "muted state" }, stopState(stop)),
      el("div", { class: "muted" }, stop.address));
    if (stop.status === "pending" && others.length) {
      const select = el("select", { "aria-label": `Move stop ${stop.sequence + 1} to another driver` },
        el("option", { value: "" }, "Reassign to…"),
        ...others.map((r) => el("option", { value: r.id },
          state.board.drivers.find((d) => d.id === r.driver_id)?.name || r.id)));
      select.addEventListener("change", () => select.value && moveStop(route, stop, select.value));
      item.append(select);
    }
    return item;
  }));
}

function chatLine(message) {
  return el("li", { "data-sender": message.sender },
    el("strong", {}, message.sender === "driver" ? message.author : "You"), " ",
    message.body, " ", el("span", { class: "muted" }, boardClock(message.at)));
}

async function loadChat(id) {
  const thread = await api(`/api/v1/drivers/${id}/messages`);
  if (state.selected === id) document.getElementById("chat").replaceChildren(...thread.map(chatLine));
}

document.getElementById("chat-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!state.selected) return;
  const input = document.getElementById("chat-body");
  await api(`/api/v1/drivers/${state.selected}/messages`, { method: "POST", body: JSON.stringify({ body: input.value }) });
  input.value = "";
});

const customers = setupCustomers({ api, el, clock: boardClock });

function listenToChat(source) {
  customers.listen(source);
  source.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (message.driver_id === state.selected) document.getElementById("chat").append(chatLine(message));
  });
}

async function loadTrail(id, marker) {
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  const trail = await api(`/api/v1/drivers/${id}/track?since=${encodeURIComponent(midnight.toISOString())}`);
  marker.trail = trail.map(([, lat, lon]) => [lat, lon]);
  if (state.selected === id) drawTrail(marker);
}

// --- live ------------------------------------------------------------------------------------

function connect() {
  const live = document.getElementById("live");
  // One connection per tab for the fleet and the chat: a browser opens at most six to a server.
  const source = new EventSource("/api/v1/stream/fleet?chat=true");
  listenToChat(source);
  let dropped = false;
  source.addEventListener("open", () => {
    live.textContent = "live";
    document.body.dataset.live = "1";
    if (dropped) loadBoardSoon(); // stop changes told while away were lost
  });
  source.addEventListener("error", () => {
    live.textContent = "reconnecting…";
    document.body.dataset.live = "0";
    dropped = true;
  });
  source.addEventListener("position", (event) => {
    const message = JSON.parse(event.data);
    state.pending.set(message.driver_id, message);
    if (state.frame) return;
    const wait = state.flushed + POSITIONS_EVERY_MS - performance.now();
    state.frame = wait > 0
      ? setTimeout(() => requestAnimationFrame(flushPositions), wait)
      : requestAnimationFrame(flushPositions);
  });
  source.addEventListener("alert", (event) => upsertAlert(JSON.parse(event.data)));
  source.addEventListener("stop", loadBoardSoon);
}

await Promise.all([loadBoard(), loadAlerts()]);
connect();
setInterval(() => loadBoard().catch(() => {}), BOARD_REFRESH_MS);

// --- analytics -------------------------------------------------------------------------------

const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const trafficLayer = L.layerGroup();
let chart = null;
let trafficCells = [];

const minutes = (seconds) => `${Math.round(seconds / 60)} min`;
const pct = (value) => (value == null ? "–" : `${value}%`);

async function loadAnalytics() {
  const cards = await api("/api/v1/analytics/drivers");
  document.getElementById("scorecards").replaceChildren(...cards.map((c) => el("tr", { "data-driver": c.driver_id },
    el("td", {}, c.driver_name), el("td", {}, `${c.delivered}/${c.stops_planned}`), el("td", {}, pct(c.on_time_pct)),
    el("td", {}, pct(c.first_attempt_pct)), el("td", {}, minutes(c.idle_s)), el("td", {}, c.distance_km))));
  const data = {
    labels: cards.map((c) => c.driver_name),
    datasets: [
      { label: "Delivered", data: cards.map((c) => c.delivered), backgroundColor: "#12b76a" },
      { label: "Failed", data: cards.map((c) => c.failed), backgroundColor: "#b42318" },
    ],
  };
  if (chart) { chart.data = data; chart.update(); }
  else if (window.Chart) {
    chart = new window.Chart(document.getElementById("chart"), {
      type: "bar", data, options: { animation: false, scales: { x: { stacked: true }, y: { stacked: true } } },
    });
  }
}

function speedColour(kmh) {
  if (kmh < 15) return "#b42318";
  if (kmh < 30) return "#f79009";
  if (kmh < 45) return "#fdb022";
  return "#12b76a";
}

function drawTraffic() {
  const hour = Number(document.getElementById("traffic-hour").value);
  document.getElementById("traffic-label").textContent = `${DAYS[Math.floor(hour / 24)]} ${hour % 24}:00`;
  trafficLayer.clearLayers();
  for (const cell of trafficCells.filter((c) => c.hour_of_week === hour)) {
    L.polygon(cell.boundary, { renderer, color: speedColour(cell.median_kmh), weight: 1, fillOpacity: 0.45 })
      .bindTooltip(`${cell.median_kmh} km/h (${cell.fixes} fixes)`).addTo(trafficLayer);
  }
}

document.getElementById("traffic-hour").addEventListener("input", drawTraffic);
document.getElementById("traffic-toggle").addEventListener("click", async (event) => {
  const on = event.target.getAttribute("aria-pressed") !== "true";
  event.target.setAttribute("aria-pressed", String(on));
  if (!on) { trafficLayer.remove(); return; }
  trafficCells = await api("/api/v1/analytics/traffic");
  const now = new Date();
  document.getElementById("traffic-hour").value = ((now.getDay() + 6) % 7) * 24 + now.getHours();
  drawTraffic();
  trafficLayer.addTo(map);
});
document.querySelector('[data-tab="analytics"]').addEventListener("click", () => loadAnalytics().catch(() => {}));
