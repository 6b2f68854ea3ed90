// The driver app: views, the day's state (cached for offline use) and the actions that change it.
import { HttpError, actionFields, call, saveSession, session } from "./api.js";
import { live, startChat, stopChat } from "./chat.js";
import { current, locate, metres, onPosition, startTracking, stopTracking } from "./geo.js";
import { getValue, setValue } from "./idb.js";
import { showLoadVan, setupLoadVan } from "./load.js";
import { drawRoute } from "./map.js";
import { canCheck, checkCode } from "./codecheck.js";
import { customerMessage, customerSent, initCustomer, showCustomer } from "./customer.js";
import { enqueue, on, pending, resume, sync } from "./outbox.js";
import { SignaturePad, canScan, downscalePhoto, scanBarcode } from "./proof.js";
import { plainError, routeNews, stopName } from "./words.js";

const $ = (id) => document.getElementById(id);
const app = $("app");
const state = { settings: null, shift: null, route: null, path: null, stopId: null, view: null, payments: [] };
let signature = null;
let edits = 0;
let unread = 0;

// ---------- small helpers ----------

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) if (child != null) node.append(child);
  return node;
}

function show(view) {
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== `view-${view}`;
  state.view = view;
  app.dataset.view = view;
  if (view === "chat") {
    unread = 0;
    renderUnread();
    $("quick-replies").replaceChildren(
      ...(state.settings?.quick_replies ?? []).map((text) =>
        el("button", { type: "button", className: "secondary", textContent: text, onclick: () => sendMessage(text) }),
      ),
    );
  }
  if (view === "route") renderRoute();
  window.scrollTo(0, 0);
}

// Clock times in the hub's time zone (the route names it), 24-hour, as the Control Tower and
// the tracking page show them: a phone set to another zone or to 12-hour tells the same story.
function time(iso) {
  if (!iso) return "";
  const options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: state.route?.timezone };
  return new Date(iso).toLocaleTimeString([], options);
}

// The date of an earlier delivery at the hub's clock, as "7 Dec".
function day(iso) {
  return new Date(iso).toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: state.route?.timezone });
}

function money(amount, currency) {
  try {
    return new Intl.NumberFormat([], { style: "currency", currency }).format(Number(amount));
  } catch {
    return `${amount} ${currency}`;
  }
}

function problem(text) {
  const box = $("problems");
  box.hidden = false;
  box.append(el("p", { textContent: text }));
}

async function save(key) {
  await setValue(key, state[key]);
}

// ---------- the stop's state, kept locally between fetches ----------

function missing(stop) {
  const rules = stop.proof_rules;
  const got = stop.collected;
  const out = [];
  if (got.photos < rules.photos) out.push(`photo (${got.photos} of ${rules.photos})`);
  if (rules.signature && !got.signature) out.push("signature");
  if (rules.recipient_name && !got.recipient_name) out.push("recipient name");
  if (rules.code && !got.code_verified) {
    // A code the phone could not check counts only once the server says so, unless the
    // organisation takes a photo and a signature instead while offline.
    if (!stop.code_unchecked) out.push("code");
    else if (rules.code_unverifiable === "wait_for_network") out.push("code (checked once online)");
    else {
      if (rules.photos === 0 && got.photos === 0) out.push("photo (code not verifiable offline)");
      if (!rules.signature && !got.signature) out.push("signature (code not verifiable offline)");
    }
  }
  if (rules.scan_parcels) for (const p of stop.parcels) if (!p.scanned) out.push(`scan (${p.barcode})`);
  if (stop.cod && !stop.cod.paid) out.push("payment");
  return out;
}

function recount(route) {
  const done = (status) => route.stops.filter((s) => s.status === status).length;
  const delivered = done("completed");
  const failed = done("failed");
  route.progress = { total: route.stops.length, delivered, failed, remaining: route.stops.length - delivered - failed };
  route.next_stop_id = route.stops.find((s) => s.status === "pending" || s.status === "arrived")?.id ?? null;
  if (route.status === "in_progress" && route.progress.remaining === 0) route.status = "completed";
  for (const stop of route.stops) stop.missing = missing(stop);
}

function stop(id = state.stopId) {
  return state.route?.stops.find((s) => s.id === id);
}

// Said once the route changed without this phone: what changed, in words, for a while.
const NOTICE_MS = 20000;
let noticeTimer = null;

function notice(text) {
  const box = $("route-notice");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (box.hidden = true), NOTICE_MS);
}

let routeRead = 0;

/** Read the route again (the list, a stop open on screen and the map follow); what someone
 * else changed in it is said in a notice. Typed text stays: rendering never touches inputs.
 * `told`: the stream said it changed, so a route given or taken is news too (unasked, a
 * route other than the one cached is only the day's first read). */
async function refreshRoute({ told = false } = {}) {
  if (!navigator.onLine || !state.shift) return;
  routeRead = Date.now();
  const queued = await pending();
  if (queued.actions) return;
  const here = current();
  const query = here ? `?lat=${here.lat}&lon=${here.lon}` : "";
  const before = edits;
  let fresh = null;
  try {
    fresh = await call("GET", `/api/v1/driver/route${query}`);
  } catch (error) {
    if (!(error instanceof HttpError && error.status === 404)) return;
  }
  if (edits !== before) return; // an action was taken meanwhile: its sync refreshes again
  const same = state.route && fresh && state.route.id === fresh.id;
  const news = told || same ? routeNews(state.route, fresh) : null;
  state.route = fresh;
  if (state.route) recount(state.route);
  if (news) notice(news);
  await save("route");
  await refreshPath();
  render();
}

async function refreshPath() {
  const here = current();
  if (!here || !state.route?.next_stop_id || state.route.status !== "in_progress" || !navigator.onLine) {
    if (!state.route?.next_stop_id) state.path = null;
    return;
  }
  try {
    state.path = await call("GET", `/api/v1/driver/route/path?lat=${here.lat}&lon=${here.lon}`);
    await save("path");
  } catch {
    // keep the last path
  }
}

// ---------- actions: shown at once, queued in IndexedDB, synced in order ----------

async function record(entry, optimistic) {
  edits += 1;
  if (optimistic) optimistic();
  const target = stop(entry.url.match(/\/stops\/([^/]+)\//)?.[1]);
  if (target) target.unsent = true;
  if (state.route) state.route.unsent = true;
  if (state.route) recount(state.route);
  render();
  await save("route");
  await enqueue(entry);
}

async function act(url, fields, label, optimistic) {
  const body = { ...actionFields(current()), ...fields };
  await record({ url, body, label }, optimistic && (() => optimistic(body)));
  return body;
}

async function actWithFile(url, file, kind, label, optimistic) {
  const action = actionFields(current());
  await record({ url, file, fields: { kind, action: JSON.stringify(action) }, label }, optimistic);
}

const stopUrl = (id, what) => `/api/v1/driver/stops/${id}/${what}`;

// ---------- rendering ----------

function renderQueue({ actions, fixes, recorded }) {
  const node = $("queue");
  node.dataset.recorded = recorded;
  node.dataset.actions = actions;
  node.dataset.fixes = fixes;
  node.textContent = actions || fixes ? `Waiting to send: ${actions} actions, ${fixes} positions` : "All sent";
  node.classList.toggle("warn", Boolean(actions || fixes));
}

function renderNet() {
  const online = navigator.onLine;
  $("net").textContent = online ? "Online" : "Offline";
  $("net").classList.toggle("warn", !online);
  document.body.dataset.online = online;
}

function renderUnread() {
  $("chat-unread").hidden = unread === 0;
  $("chat-unread").textContent = unread;
}

function window_(s) {
  return s.window_start ? `${time(s.window_start)}–${time(s.window_end)}` : "";
}

// When the stop is due: the live ETA the dispatcher and the customer see, beside the plan;
// once reached, when it was.
function when(s) {
  const planned = `planned ${time(s.planned_arrival)}`;
  if (s.status === "arrived" && s.arrived_at) return `arrived ${time(s.arrived_at)} (${planned})`;
  if ((s.status === "completed" || s.status === "failed") && s.finished_at) return `done ${time(s.finished_at)}`;
  if (s.status === "pending" && s.eta) return `ETA ${time(s.eta)} (${planned})`;
  return `around ${time(s.planned_arrival)}`;
}

function inside(s) {
  const here = current();
  const radius = state.route?.geofence_m ?? Number(app.dataset.geofenceM);
  return here ? metres(here, s) <= radius : Boolean(s.inside_geofence);
}

const STATUS = { pending: "To do", arrived: "Arrived", completed: "Delivered", failed: "Failed" };

function renderRoute() {
  const route = state.route;
  $("route-empty").hidden = Boolean(route);
  $("route-start").hidden = !route || route.status !== "planned";
  showLoadVan(route);
  const list = $("stops");
  list.replaceChildren();
  list.dataset.synced = !route?.unsent;
  if (!route) {
    $("route-progress").textContent = "";
    return;
  }
  const p = route.progress;
  $("route-progress").textContent = `${p.delivered + p.failed} of ${p.total} done · ${p.remaining} remaining`;
  $("route-progress").dataset.done = p.delivered + p.failed;
  $("route-progress").dataset.remaining = p.remaining;
  for (const s of route.stops) {
    const facts = [when(s), window_(s), `${s.parcels.length} parcel${s.parcels.length === 1 ? "" : "s"}`].filter(Boolean);
    if (s.cod) facts.push(`COD ${money(s.cod.amount, s.cod.currency)}`);
    const item = el(
      "li",
      { className: `stop status-${s.status}${s.id === route.next_stop_id ? " next" : ""}` },
      el(
        "button",
        { type: "button", className: "stop-open", onclick: () => openStop(s.id) },
        el("span", { className: "seq", textContent: s.sequence + 1 }),
        el(
          "span",
          { className: "stop-text" },
          el("strong", { textContent: s.address }),
          el("span", { className: "muted stop-when", textContent: facts.join(" · ") }),
          s.instructions ? el("span", { className: "instructions", textContent: s.instructions }) : null,
        ),
        el("span", { className: "badge-status", textContent: STATUS[s.status] + (s.unsent ? " · not sent yet" : "") }),
      ),
    );
    item.dataset.stopId = s.id;
    item.dataset.status = s.status;
    item.dataset.synced = !s.unsent;
    list.append(item);
  }
  drawRoute($("map"), route, state.path, current());
}

function renderStop() {
  const s = stop();
  if (!s) return show("route");
  const started = state.route.status !== "planned";
  const open = s.status === "pending" || s.status === "arrived";
  $("stop-title").textContent = `Stop ${s.sequence + 1} · ${s.recipient_name || s.tracking_number}`;
  $("stop-address").textContent = s.address;
  showCustomer(s);
  const facts = [
    ["When", when(s)],
    ["Time window", window_(s) || "—"],
    ["Parcels", s.parcels.map((p) => p.barcode).join(", ")],
    ["Instructions", s.instructions || "—"],
    ...($("app").dataset.calls === "yes" ? [] : [["Phone", s.recipient_phone || "—"]]),
  ];
  if (s.cod) facts.push(["Cash on delivery", `${money(s.cod.amount, s.cod.currency)}${s.cod.paid ? " (paid)" : ""}`]);
  $("stop-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", { textContent: k }), el("dd", { textContent: v })]));
  const notes = s.earlier_notes ?? [];
  $("earlier-notes").hidden = notes.length === 0;
  $("earlier-notes-list").replaceChildren(
    ...notes.map((n) => el("li", {}, el("span", { textContent: n.note }), el("span", { className: "muted", textContent: ` · ${day(n.at)}` }))),
  );
  const label = encodeURIComponent(s.address);
  $("nav-geo").href = `geo:${s.lat},${s.lon}?q=${s.lat},${s.lon}(${label})`;
  $("nav-google").href = `https://www.google.com/maps/dir/?api=1&destination=${s.lat},${s.lon}`;
  $("nav-apple").href = `https://maps.apple.com/?daddr=${s.lat},${s.lon}&q=${label}`;

  const near = s.status === "pending" && inside(s);
  $("geofence-hint").hidden = !near || !started;
  $("stop-arrive").hidden = !started || s.status !== "pending";
  $("stop-arrive").classList.toggle("suggested", near);
  $("stop-work").hidden = !started || s.status !== "arrived";
  $("stop-done").hidden = open;
  $("wrong-address-done").hidden = $("wrong-address-done").dataset.stop !== s.id;
  $("stop-done").textContent =
    s.status === "completed" ? "Delivered." : s.status === "failed" ? `Failed: ${reasonLabel(s.failure_reason)}` : "";
  if (!started && open) {
    $("stop-done").hidden = false;
    $("stop-done").textContent = "Start the route to work on this stop.";
  }

  const rules = s.proof_rules;
  const instead = Boolean(s.code_unchecked) && !s.collected.code_verified && rules.code_unverifiable !== "wait_for_network";
  const photos = instead ? Math.max(1, rules.photos) : rules.photos;
  $("proof-photo").hidden = photos === 0;
  $("photo-count").textContent = `${s.collected.photos} of ${photos}`;
  $("proof-signature").hidden = !rules.signature && !instead;
  $("proof-signature").classList.toggle("ok", s.collected.signature);
  $("proof-name").hidden = !rules.recipient_name;
  $("proof-code").hidden = !rules.code;
  $("proof-code").classList.toggle("ok", s.collected.code_verified);
  $("proof-code").classList.toggle("unchecked", Boolean(s.code_unchecked) && !s.collected.code_verified);
  $("code-state").textContent = s.collected.code_verified
    ? "Code verified."
    : s.code_unchecked
      ? s.proof_rules.code_unverifiable === "wait_for_network"
        ? "Code not verifiable offline: it is checked as soon as the phone is online."
        : "Code not verifiable offline: take a photo and a signature."
      : "";
  $("proof-scan").hidden = !rules.scan_parcels;
  $("scan-camera").hidden = !canScan();
  $("parcels").replaceChildren(
    ...s.parcels.map((p) => el("li", { className: p.scanned ? "ok" : "", textContent: `${p.barcode} ${p.scanned ? "✓" : ""}` })),
  );
  $("proof-cod").hidden = !s.cod;
  if (s.cod) $("cod-amount").textContent = `${money(s.cod.amount, s.cod.currency)}${s.cod.paid ? " — recorded" : ""}`;
  $("cod-save").disabled = Boolean(s.cod?.paid);
  $("proof-photo").classList.toggle("ok", s.collected.photos >= photos);
  $("proof-name").classList.toggle("ok", Boolean(s.collected.recipient_name));
  $("stop-missing").classList.toggle("ready", !s.missing.length);
  $("stop-missing").textContent = s.missing.length ? `Still needed: ${s.missing.join(", ")}` : "Ready to deliver.";
  $("stop-deliver").disabled = s.missing.length > 0;
  const reason = $("fail-reason").value; // a re-render (a fix, a route change) keeps the choice
  $("fail-reason").replaceChildren(
    ...(state.settings?.failure_reasons ?? []).map((r) => el("option", { value: r.code, textContent: r.label })),
  );
  if (reason) $("fail-reason").value = reason;
}

function reasonLabel(code) {
  return state.settings?.failure_reasons.find((r) => r.code === code)?.label ?? code;
}

function render() {
  if (state.view === "route") renderRoute();
  if (state.view === "stop") renderStop();
}

function openStop(id) {
  state.stopId = id;
  signature.clear();
  show("stop");
  renderStop();
}

// ---------- the delivery code: checked on the phone, never "verified" on trust ----------

const MAX_CODE_TRIES = 5; // as the server: then the dispatcher helps

async function saveCode(code) {
  const s = stop();
  if (!code || !s) return;
  if ((s.code_tries ?? 0) >= MAX_CODE_TRIES) return problem(`${stopName(s)}: too many wrong codes. Call the dispatcher.`);
  if (!canCheck(s)) {
    await act(stopUrl(s.id, "code"), { code }, "Delivery code", () => {
      s.code_unchecked = true;
      $("code-input").value = "";
    });
    return;
  }
  const verdict = await checkCode(s, code);
  if (verdict === "mismatch") {
    s.code_tries = (s.code_tries ?? 0) + 1;
    await save("route");
    const left = MAX_CODE_TRIES - s.code_tries;
    $("code-state").textContent = `That is not this delivery's code: ${left} ${left === 1 ? "try" : "tries"} left.`;
    return;
  }
  await act(stopUrl(s.id, "code"), { code }, "Delivery code", () => {
    s.collected.code_verified = true;
    $("code-input").value = "";
  });
}

// An action the server refused, said in words and naming the stop; a refused code also takes
// back the delivery that counted on it.
const refusedCodes = new Set();

function refused(entry, error) {
  const stopId = entry.url?.match(/\/stops\/([^/]+)\//)?.[1];
  const s = stopId ? stop(stopId) : null;
  const where = s ? `${stopName(s)}: ` : "";
  if (s && entry.url.endsWith("/code")) {
    refusedCodes.add(s.id);
    Object.assign(s.collected, { code_verified: false });
    s.code_unchecked = false;
    return problem(`${where}the server refused the delivery code. ${plainError(error)} The dispatcher has been told.`);
  }
  if (s && entry.url.endsWith("/deliver") && refusedCodes.has(s.id))
    return problem(
      `${where}the delivery was not recorded because its code was refused: the stop is open again. Keep the parcel and call the dispatcher.`,
    );
  problem(`${where}${entry.label ?? "Action"} not accepted. ${plainError(error)}`);
}

// ---------- sign-in, shift ----------

async function signedIn(answer) {
  if (localStorage.getItem("lastmile.driver.last") !== answer.driver_id) {
    for (const key of ["shift", "route", "path", "payments", "vehicleSuggested"]) await setValue(key, null);
    Object.assign(state, { shift: null, route: null, path: null, payments: [] });
    localStorage.setItem("lastmile.driver.last", answer.driver_id);
  }
  saveSession(answer);
  $("signin-error").textContent = "";
  resume();
  await load();
}

async function load() {
  const online = navigator.onLine;
  if (online) {
    try {
      state.settings = await call("GET", "/api/v1/driver/settings");
      await save("settings");
      if (!(await pending()).actions) {
        state.shift = await call("GET", "/api/v1/driver/shift");
        await save("shift");
      }
    } catch (error) {
      if (error instanceof HttpError && error.status === 401) return signOutLocally();
    }
  }
  state.settings ??= await getValue("settings");
  state.shift = (await getValue("shift")) ?? null;
  state.route = (await getValue("route")) ?? null;
  state.path = (await getValue("path")) ?? null;
  state.payments = (await getValue("payments")) ?? [];
  if (!state.shift) return showShiftStart();
  onShift();
}

async function showShiftStart() {
  $("shift-hello").textContent = `Hello, ${session()?.name ?? "driver"}.`;
  show("shift");
  try {
    const [vehicles, suggested] = await Promise.all([
      call("GET", "/api/v1/driver/vehicles"),
      call("GET", "/api/v1/driver/vehicles/suggested"),
    ]);
    await setValue("vehicles", vehicles);
    await setValue("vehicleSuggested", suggested.vehicle_id);
  } catch {
    // offline: the cached list below
  }
  const vehicles = (await getValue("vehicles")) ?? [];
  const suggested = await getValue("vehicleSuggested");
  $("shift-vehicle").replaceChildren(
    el("option", { value: "", textContent: "No vehicle" }),
    ...vehicles.map((v) => el("option", { value: v.id, textContent: v.name ? `${v.plate} · ${v.name}` : v.plate })),
  );
  // Today's route's vehicle, else the last one driven; a fleet of one needs no guess.
  const preferred = vehicles.find((v) => v.id === suggested) ?? (vehicles.length === 1 ? vehicles[0] : null);
  if (preferred) $("shift-vehicle").value = preferred.id;
}

function onShift() {
  startTracking();
  startChat({ message: received, customer: customerMessage, route: (data) => refreshRoute({ told: Boolean(data) }).catch(() => {}) });
  show("route");
  locate().then(() => refreshRoute());
}

function signOutLocally() {
  saveSession(null);
  stopTracking();
  stopChat();
  show("signin");
}

// ---------- chat ----------

function messageNode(m, pendingId) {
  const node = el(
    "li",
    { className: `msg ${m.sender}${pendingId ? " pending" : ""}` },
    el("span", { textContent: m.body }),
    el("small", { textContent: pendingId ? "waiting to send" : `${m.author ?? ""} ${time(m.at)}` }),
  );
  node.dataset.id = pendingId ?? m.id;
  return node;
}

function received(m) {
  const list = $("messages");
  if (list.querySelector(`[data-id="${CSS.escape(m.id)}"]`)) return;
  list.append(messageNode(m));
  if (m.sender === "dispatcher" && state.view !== "chat") {
    unread += 1;
    renderUnread();
  }
  list.lastChild.scrollIntoView({ block: "end" });
}

async function sendMessage(text) {
  if (!text.trim()) return;
  await act("/api/v1/driver/messages", { body: text.trim() }, "Message", (body) => {
    $("messages").append(messageNode({ sender: "driver", body: body.body }, `pending-${body.action_id}`));
  });
}

// ---------- wiring ----------

function wire() {
  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await signedIn(await call("POST", "/api/v1/driver/session", { phone: $("signin-phone").value.trim(), pin: $("signin-pin").value }));
    } catch (error) {
      $("signin-error").textContent =
        error instanceof HttpError ? (error.status === 401 ? "Wrong phone number or PIN." : plainError(error)) : "No network: try again when online.";
    }
  });
  // Signing out ends this phone's session only: the shift, the route and any other phone of
  // the driver's (the demo's simulator) go on; ending the shift is "End shift".
  const signOut = async () => {
    try {
      await call("DELETE", "/api/v1/driver/session");
    } finally {
      signOutLocally();
    }
  };
  $("signout").addEventListener("click", signOut);
  $("route-notice").addEventListener("click", () => ($("route-notice").hidden = true));
  $("signout-route").addEventListener("click", signOut);
  $("shift-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = {};
    if ($("shift-vehicle").value) fields.vehicle_id = $("shift-vehicle").value;
    if ($("shift-odometer").value) fields.odometer_km = Number($("shift-odometer").value);
    const body = await act("/api/v1/driver/shift/start", fields, "Start of shift");
    state.shift = { id: null, started_at: body.at, vehicle_id: fields.vehicle_id ?? null };
    state.payments = [];
    await save("shift");
    await save("payments");
    onShift();
  });
  setupLoadVan();
  $("route-start").addEventListener("click", () =>
    act("/api/v1/driver/route/start", {}, "Start of route", () => {
      state.route.status = "in_progress";
    }),
  );
  for (const back of document.querySelectorAll("[data-go]")) back.addEventListener("click", () => show(back.dataset.go));
  $("open-chat").addEventListener("click", () => show("chat"));
  $("open-end").addEventListener("click", () => show("end"));

  $("stop-arrive").addEventListener("click", () =>
    act(stopUrl(state.stopId, "arrive"), {}, "Arrival", () => {
      stop().status = "arrived";
    }),
  );
  $("photo-input").addEventListener("change", async (event) => {
    const [file] = event.target.files;
    if (!file) return;
    const id = state.stopId;
    const photo = await downscalePhoto(file);
    event.target.value = "";
    await actWithFile(stopUrl(id, "images"), photo, "photo", "Photo", () => {
      stop(id).collected.photos += 1;
    });
  });
  $("signature-clear").addEventListener("click", () => signature.clear());
  $("signature-save").addEventListener("click", async () => {
    if (signature.empty) return problem("Sign in the box first.");
    const id = state.stopId;
    await actWithFile(stopUrl(id, "images"), await signature.toFile(), "signature", "Signature", () => {
      stop(id).collected.signature = true;
    });
  });
  $("recipient-save").addEventListener("click", () => {
    const name = $("recipient-name").value.trim();
    if (name)
      act(stopUrl(state.stopId, "recipient"), { name }, "Recipient name", () => {
        stop().collected.recipient_name = name;
      });
  });
  $("code-save").addEventListener("click", () => saveCode($("code-input").value.trim()));
  const addScan = (barcode, typed) => {
    const s = stop();
    const parcel = s.parcels.find((p) => p.barcode.toLowerCase() === barcode.toLowerCase());
    if (!parcel) return problem(`${barcode} is not a parcel of this stop.`);
    act(stopUrl(s.id, "scans"), { barcode, typed }, "Parcel scan", () => {
      parcel.scanned = true;
    });
  };
  $("scan-save").addEventListener("click", () => {
    const barcode = $("scan-input").value.trim();
    $("scan-input").value = "";
    if (barcode) addScan(barcode, true);
  });
  $("scan-camera").addEventListener("click", async () => {
    const found = await scanBarcode($("scan-video")).catch(() => null);
    if (found) addScan(found, false);
  });
  $("cod-save").addEventListener("click", () => {
    const s = stop();
    const payment = { amount: s.cod.amount, currency: s.cod.currency, method: $("cod-method").value };
    act(stopUrl(s.id, "payment"), payment, "Payment", () => {
      s.cod.paid = true;
      state.payments.push({ stop_id: s.id, ...payment });
      save("payments");
    });
  });
  $("stop-deliver").addEventListener("click", () => {
    const fields = {};
    if ($("deliver-note").value.trim()) fields.note = $("deliver-note").value.trim();
    act(stopUrl(state.stopId, "deliver"), fields, "Delivery", () => {
      stop().status = "completed";
    }).then(() => {
      $("deliver-note").value = "";
      show("route");
    });
  });
  $("stop-fail").addEventListener("click", () => {
    const fields = { reason: $("fail-reason").value };
    if ($("fail-note").value.trim()) fields.note = $("fail-note").value.trim();
    act(stopUrl(state.stopId, "fail"), fields, "Failed delivery", () => {
      Object.assign(stop(), { status: "failed", failure_reason: fields.reason });
    }).then(() => {
      $("fail-box").open = false;
      $("fail-note").value = "";
      show("route");
    });
  });

  // "Address wrong: the door is here": the phone's position is the door (queued offline too).
  $("stop-wrong-address").addEventListener("click", () => {
    const here = current();
    if (!here) return problem("No GPS position yet: wait until the phone knows where it is, then try again.");
    const fields = {};
    if ($("wrong-address-note").value.trim()) fields.note = $("wrong-address-note").value.trim();
    act(stopUrl(state.stopId, "address-wrong"), fields, "Address report", () => {
      Object.assign(stop(), { lat: here.lat, lon: here.lon });
    }).then(() => {
      $("wrong-address-box").open = false;
      $("wrong-address-note").value = "";
      Object.assign($("wrong-address-done"), { hidden: false, textContent: "Reported: the dispatcher will see where the door is." });
      $("wrong-address-done").dataset.stop = state.stopId;
    });
  });

  $("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sendMessage($("chat-input").value);
    $("chat-input").value = "";
  });

  $("end-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = {};
    if ($("end-odometer").value) fields.odometer_km = Number($("end-odometer").value);
    const open = (state.route?.stops ?? []).filter((s) => s.status === "pending" || s.status === "arrived").length;
    if (open && state.route.status === "in_progress") {
      const them = open === 1 ? "1 stop is" : `${open} stops are`;
      if (!window.confirm(`${them} still open. End the shift and hand ${open === 1 ? "it" : "them"} back to the hub?`)) return;
      fields.hand_back_open_stops = true;
    }
    await act("/api/v1/driver/shift/end", fields, "End of shift");
    state.shift = null;
    await save("shift");
    stopTracking();
    showCash(null);
  });
  $("cash-done").addEventListener("click", () => showShiftStart());
}

function showCash(summary) {
  const totals = {};
  if (summary) Object.assign(totals, summary.to_hand_over);
  else
    for (const p of state.payments.filter((x) => x.method === "cash"))
      totals[p.currency] = Number(totals[p.currency] ?? 0) + Number(p.amount);
  const items = Object.entries(totals).map(([currency, amount]) => el("li", { textContent: money(amount, currency) }));
  $("cash-total").replaceChildren(...(items.length ? items : [el("li", { textContent: "Nothing" })]));
  $("cash-total").dataset.confirmed = Boolean(summary);
  const collected = Object.entries(summary?.shift_collected ?? {}).flatMap(([method, sums]) =>
    Object.entries(sums).map(([currency, amount]) => `${method} ${money(amount, currency)}`),
  );
  $("cash-detail").textContent = summary
    ? `${summary.shift_payments} payment${summary.shift_payments === 1 ? "" : "s"} this shift${collected.length ? `: ${collected.join(", ")}` : ""}.`
    : "Counted on this phone; the server's figure appears once the end of shift is sent.";
  show("cash");
}

let queuedBefore = 0;
on("changed", async () => {
  const queued = await pending();
  renderQueue(queued);
  if (queuedBefore && !queued.actions) refreshRoute();
  queuedBefore = queued.actions;
});
on("applied", async (entry, answer) => {
  if (entry.url.endsWith("/customer-messages")) {
    customerSent(entry, answer);
  } else if (entry.url.endsWith("/messages")) {
    document.querySelector(`[data-id="pending-${CSS.escape(entry.body.action_id)}"]`)?.remove();
    received(answer);
  } else if (entry.url.endsWith("/shift/start")) {
    state.shift = answer;
    await save("shift");
  } else if (entry.url.endsWith("/shift/end") && state.view === "cash") {
    showCash(await call("GET", "/api/v1/driver/cash").catch(() => null));
  }
});
on("problem", refused);
on("signedOut", () => {
  saveSession(null);
  show("signin");
  $("signin-error").textContent = "Please sign in again: nothing you did is lost, it is sent after sign-in.";
});

let pathFetched = 0;
onPosition(async () => {
  if (state.view === "stop") renderStop();
  if (Date.now() - pathFetched > 30000 && state.view === "route") {
    pathFetched = Date.now();
    await refreshPath();
    renderRoute();
  }
});

for (const event of ["online", "offline"]) window.addEventListener(event, renderNet);
window.addEventListener("online", () => refreshRoute());

// The route changes without this phone too: a dispatcher reorders or reassigns a stop, an
// outcome comes in through the hub or another device. The live stream says so at once
// (`startChat`); while it is down, re-read the route every 30 s while the list is on screen
// (every 5 minutes with the stream up, in case a word was lost), and whenever the driver
// comes back to the app.
const ROUTE_REFRESH_MS = 30000;
const ROUTE_REFRESH_LIVE_MS = 300000;
const refreshShownRoute = () => {
  if (state.view === "route" && document.visibilityState === "visible") refreshRoute().catch(() => {});
};
setInterval(() => {
  if (Date.now() - routeRead >= (live() ? ROUTE_REFRESH_LIVE_MS : ROUTE_REFRESH_MS) - 1000) refreshShownRoute();
}, ROUTE_REFRESH_MS);
document.addEventListener("visibilitychange", refreshShownRoute);

async function boot() {
  signature = new SignaturePad($("signature-pad"));
  wire();
  initCustomer({ act, time });
  renderNet();
  renderQueue(await pending());
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(`/driver/sw.js?v=${app.dataset.version}`, { scope: "/driver/" }).catch(() => {});
  }
  const link = new URLSearchParams(location.hash.slice(1)).get("link");
  if (link) {
    history.replaceState(null, "", location.pathname);
    try {
      return await signedIn(await call("POST", "/api/v1/driver/session/link", { token: link }));
    } catch {
      $("signin-error").textContent = "This sign-in link has expired or was already used.";
    }
  }
  if (!session()) return show("signin");
  await load();
  sync();
}

boot();
