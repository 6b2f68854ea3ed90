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
let shown = { routeId: null, at: 0 };

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
  const state = await call("GET", "/api/v1/driver/route/load");
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

/** Shown while the route is planned (not started yet) and the phone is online. */
export function showLoadVan(route) {
  const box = $("load-van");
  const wanted = Boolean(route) && route.status === "planned" && !route.unsent && navigator.onLine;
  box.hidden = !wanted;
  if (!wanted || (shown.routeId === route.id && Date.now() - shown.at < REFRESH_MS)) return;
  shown = { routeId: route.id, at: Date.now() };
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
