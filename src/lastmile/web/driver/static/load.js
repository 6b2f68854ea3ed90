// Loading the van at the hub, before the route starts: the driver scans (camera) or types each
// parcel's code; each answer is said in words, with the parcels still to load. Scanning one
// again only says so, so nothing here is queued offline: a failed send is shown, to retry.
import { call } from "./api.js";
import { canScan, scanBarcode } from "./proof.js";
import { plainError } from "./words.js";

const $ = (id) => document.getElementById(id);
// The route is drawn again on every refresh and position: the load is asked again at most
// this often then (a scan asks at once).
const REFRESH_MS = 10000;
let shown = { key: null, at: 0 };
// Answers may come back out of order: only the last one asked is put on screen.
let asked = 0;

function item(parcel) {
  const li = document.createElement("li");
  li.dataset.trackingNumber = parcel.tracking_number;
  li.textContent = `Stop ${parcel.stop_number}: ${parcel.tracking_number} · ${parcel.recipient_name}`;
  return li;
}

function say(kind, text) {
  const result = $("load-van-result");
  result.textContent = text;
  result.dataset.outcome = kind;
}

async function refresh() {
  const mine = ++asked;
  const state = await call("GET", "/api/v1/driver/route/load");
  if (mine !== asked) return;
  $("load-van-missing").replaceChildren(...state.missing.map(item));
  const left = state.missing.length;
  $("load-van-count").textContent = left
    ? `Still to load: ${left} of ${left + state.loaded.length}.`
    : "Every parcel is loaded: you can start the route.";
  $("load-van").dataset.loaded = "1";
}

async function send(code) {
  try {
    const answer = await call("POST", "/api/v1/driver/route/scans", { code });
    say(answer.outcome.startsWith("already_") ? "again" : "ok", answer.message);
  } catch (error) {
    say("problem", `${code}: ${plainError(error)}`);
  }
  await refresh().catch(() => {});
}

// The route's parcels as the load list counts them: when the dispatcher adds or takes off a
// stop, the list is asked again at once, not at the next interval (it once said "25 of 25"
// with a parcel already taken off).
function parcelsKey(route) {
  return `${route.id}:${route.stops.map((s) => `${s.id}/${s.parcels.length}`).join(",")}`;
}

/** Shown while the route is planned (not started yet) and the phone is online. */
export function showLoadVan(route) {
  const box = $("load-van");
  const wanted = Boolean(route) && route.status === "planned" && !route.unsent && navigator.onLine;
  box.hidden = !wanted;
  if (!wanted) return;
  const key = parcelsKey(route);
  if (shown.key === key && Date.now() - shown.at < REFRESH_MS) return;
  shown = { key, at: Date.now() };
  refresh().catch((error) => say("problem", plainError(error)));
}

export function setupLoadVan() {
  const form = $("load-van-form");
  const code = $("load-van-code");
  $("load-van-camera").hidden = !canScan();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = code.value.trim();
    code.value = "";
    if (text) send(text);
  });
  $("load-van-camera").addEventListener("click", async () => {
    const found = await scanBarcode($("load-van-video")).catch(() => null);
    if (found) send(found);
  });
}
