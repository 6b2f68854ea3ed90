// The Load tab: choose a hub, a day and a route; scan each parcel (a keyboard-wedge scanner
// types the code and Enter) and see in words what the scan did, in colour; the parcels the
// van still misses; links to print the route's labels and manifest.
import { hubToday } from "./hub_time.js";
import { plainError } from "./plan.js";

const RESULTS_SHOWN = 30;

// A van that left with no load scan (the driver skipped scanning) is not an empty van: say
// so, and count only what it has delivered or attempted, never "0/25 loaded".
function routeText(r) {
  return r.left_without_scan
    ? `${r.route_name}: left without load scan · ${r.loaded}/${r.stops} delivered or attempted`
    : `${r.route_name}: ${r.loaded}/${r.stops} loaded`;
}

export function setupLoad({ api, el }) {
  const tab = document.querySelector('[data-tab="load"]');
  if (!tab) return;
  const hubSelect = document.getElementById("load-hub");
  const dateInput = document.getElementById("load-date");
  const routeSelect = document.getElementById("load-route");
  const noRoutes = document.getElementById("no-load-routes");
  const prints = document.getElementById("load-prints");
  const size = document.getElementById("load-size");
  const scanForm = document.getElementById("load-scan");
  const code = document.getElementById("load-code");
  const results = document.getElementById("load-results");
  const stateBox = document.getElementById("load-state");
  const missing = document.getElementById("load-missing");
  const loaded = document.getElementById("load-loaded");
  let hubs = [];

  const chosenHub = () => hubs.find((h) => h.id === hubSelect.value);

  function showResult(kind, text) {
    const item = el("li", { class: `scan-${kind}`, "data-outcome": kind }, text);
    results.prepend(item);
    while (results.children.length > RESULTS_SHOWN) results.lastElementChild.remove();
  }

  function setLinks(routeId) {
    prints.hidden = !routeId;
    scanForm.hidden = !routeId;
    stateBox.hidden = !routeId;
    if (!routeId) return;
    const base = `/api/v1/routes/${routeId}`;
    document.getElementById("load-labels").href = `${base}/labels?format=pdf&size=${size.value}`;
    document.getElementById("load-labels-zpl").href = `${base}/labels?format=zpl&size=${size.value}`;
    document.getElementById("load-manifest").href = `${base}/manifest.pdf`;
  }

  function parcelItem(item) {
    const parcels = item.parcels === 1 ? "1 parcel" : `${item.parcels} parcels`;
    return el("li", { "data-tracking-number": item.tracking_number },
      el("strong", {}, `Stop ${item.stop_number}`), ` ${item.tracking_number} · ${item.recipient_name} · ${parcels}`,
      el("div", { class: "muted" }, item.address));
  }

  async function loadState() {
    const routeId = routeSelect.value;
    if (!routeId) return;
    const state = await api(`/api/v1/routes/${routeId}/load`);
    if (routeSelect.value !== routeId) return;
    missing.replaceChildren(...state.missing.map(parcelItem));
    loaded.replaceChildren(...state.loaded.map(parcelItem));
    document.getElementById("load-missing-count").textContent = String(state.missing.length);
    document.getElementById("load-loaded-count").textContent = String(state.loaded.length);
    document.getElementById("load-all-loaded").hidden = state.missing.length > 0 || state.left_without_scan;
    document.getElementById("load-left-unscanned").hidden = !state.left_without_scan;
    const option = routeSelect.selectedOptions[0];
    if (option) {
      option.textContent = routeText({
        route_name: state.route_name, left_without_scan: state.left_without_scan,
        loaded: state.loaded.length, stops: state.loaded.length + state.missing.length,
      });
    }
    stateBox.dataset.loaded = "1";
  }

  async function loadRoutes() {
    const hub = chosenHub();
    if (!hub) return;
    const chosen = routeSelect.value;
    const params = new URLSearchParams();
    if (dateInput.value) params.set("date", dateInput.value);
    const routes = await api(`/api/v1/hubs/${hub.id}/loading?${params}`);
    routeSelect.replaceChildren(...routes.map((r) =>
      el("option", { value: r.route_id }, routeText(r))));
    if (routes.some((r) => r.route_id === chosen)) routeSelect.value = chosen;
    noRoutes.hidden = routes.length > 0;
    setLinks(routeSelect.value);
    await loadState();
  }

  async function open() {
    if (!hubs.length) {
      hubs = await api("/api/v1/hubs");
      hubSelect.replaceChildren(...hubs.map((h) => el("option", { value: h.id }, `${h.name} (${h.code})`)));
      // The hub the board shows, when one is picked in the header.
      const boardHub = document.getElementById("hub-pick")?.value;
      if (boardHub && hubs.some((h) => h.id === boardHub)) hubSelect.value = boardHub;
    }
    if (!dateInput.value) dateInput.value = hubToday(chosenHub()?.timezone);
    await loadRoutes();
    if (!scanForm.hidden) code.focus();
  }

  async function scan(text) {
    const hub = chosenHub();
    const body = { code: text, action: scanForm.elements.action.value, route_id: routeSelect.value || null };
    try {
      const answer = await api(`/api/v1/hubs/${hub.id}/scans`, { method: "POST", body: JSON.stringify(body) });
      const kind = answer.outcome.startsWith("already_") ? "again" : "ok";
      const who = answer.recipient_name ? ` · ${answer.recipient_name}` : "";
      showResult(kind, `${answer.message}${who}`);
    } catch (error) {
      showResult("problem", `${text}: ${plainError(error)}`);
    }
    await loadState();
  }

  const quietly = (promise) => promise.catch((error) => showResult("problem", plainError(error)));
  tab.addEventListener("click", () => quietly(open()));
  hubSelect.addEventListener("change", () => quietly(loadRoutes()));
  dateInput.addEventListener("change", () => quietly(loadRoutes()));
  routeSelect.addEventListener("change", () => { setLinks(routeSelect.value); quietly(loadState()); });
  size.addEventListener("change", () => setLinks(routeSelect.value));
  scanForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = code.value.trim();
    code.value = "";
    code.focus();
    if (text) quietly(scan(text));
  });
}
