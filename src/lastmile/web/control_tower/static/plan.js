// The Plan tab: plan a hub's day, see the draft on the map, commit or discard it, start routes.
import { hubClock } from "./hub_time.js";

const ROUTE_COLOURS = ["#0b6bcb", "#12b76a", "#7a5af8", "#f79009", "#b42318", "#0e9384", "#c11574", "#5b6570"];
const FIELD_NAMES = {
  hub_id: "Hub", date: "Date", driver_ids: "Drivers", vehicle_ids: "Vehicles", time_limit_s: "Time limit",
  file: "The file", mapping: "Columns",
};

const count = (n, one, many) => `${n} ${n === 1 ? one : many}`;
const km = (metres) => `${(metres / 1000).toFixed(1)} km`;
const hours = (seconds) => `${Math.floor(seconds / 3600)} h ${String(Math.round((seconds % 3600) / 60)).padStart(2, "0")} min`;
// Times at the hub's clock, 24-hour, as the rest of the Control Tower shows them.
let hubZone = () => "UTC";
const clock = (iso) => hubClock(iso, hubZone());

/** A problem+json answer in plain words: each field at fault by its label, else the detail. */
export function plainError(error) {
  const problem = error.problem;
  if (problem?.errors?.length) {
    return problem.errors.map((e) => {
      const [head, ...rest] = e.field.split(/[.[]/);
      const label = FIELD_NAMES[head] || head;
      return `${rest.length ? `${label} (${e.field})` : label}: ${e.message}`;
    }).join(" · ");
  }
  return problem?.detail || error.message || "Something went wrong.";
}

export function setupPlan({ L, map, renderer, api, el, reload, getBoard }) {
  hubZone = () => getBoard()?.hub?.timezone || "UTC";
  const layer = L.layerGroup().addTo(map);
  const form = document.getElementById("plan-form");
  const out = document.getElementById("plan-result");
  const problem = document.getElementById("plan-error");
  const status = document.getElementById("plan-status");
  const driversBox = document.getElementById("plan-drivers");
  let draft = null;
  let drivers = [];

  const driverName = (id) => drivers.find((d) => d.id === id)?.name || getBoard()?.drivers.find((d) => d.id === id)?.name || "driver";

  function showError(error) {
    problem.textContent = error ? plainError(error) : "";
    problem.hidden = !error;
  }

  async function loadChoices() {
    const [hubs, found] = await Promise.all([api("/api/v1/hubs"), api("/api/v1/drivers")]);
    const hubSelect = form.elements.hub_id;
    const chosen = hubSelect.value;
    hubSelect.replaceChildren(...hubs.map((h) => el("option", { value: h.id }, `${h.name} (${h.code})`)));
    // The hub the board shows, until the dispatcher picks another here.
    const shown = getBoard()?.hub_id;
    if (chosen) hubSelect.value = chosen;
    else if (shown && hubs.some((h) => h.id === shown)) hubSelect.value = shown;
    drivers = found.filter((d) => d.active);
    driversBox.replaceChildren(...drivers.map((d) => el("label", {},
      el("input", { type: "checkbox", name: "driver", value: d.id, checked: "" }), ` ${d.name}`)));
    if (!form.elements.date.value) form.elements.date.value = getBoard()?.day || new Date().toISOString().slice(0, 10);
    if (!hubs.length) showError(new Error("This organisation has no hub yet: add one before planning."));
    form.dispatchEvent(new Event("choices-loaded"));
  }

  function drawDraft(plan) {
    layer.clearLayers();
    const hub = getBoard()?.hub;
    const bounds = [];
    plan.routes.forEach((route, index) => {
      const colour = ROUTE_COLOURS[index % ROUTE_COLOURS.length];
      const points = route.stops.filter((s) => s.lat != null).map((s) => [s.lat, s.lon]);
      const line = hub ? [[hub.lat, hub.lon], ...points, [hub.lat, hub.lon]] : points;
      L.polyline(line, { renderer, color: colour, weight: 3, dashArray: "6 6" }).addTo(layer);
      route.stops.forEach((stop, sequence) => {
        if (stop.lat == null) return;
        L.circleMarker([stop.lat, stop.lon], { renderer, radius: 5, color: colour, fillOpacity: 0.9 })
          .bindTooltip(`${driverName(route.driver_id)} · ${sequence + 1}. ${stop.tracking_number} · ${clock(stop.planned_arrival)}`)
          .addTo(layer);
      });
      bounds.push(...line);
    });
    if (bounds.length) map.fitBounds(bounds, { padding: [20, 20] });
  }

  function renderDraft(plan) {
    draft = plan;
    drawDraft(plan);
    const stops = plan.routes.reduce((n, r) => n + r.stops.length, 0);
    const items = [
      el("p", { id: "plan-summary" },
        `${count(plan.routes.length, "route", "routes")}, ${count(stops, "stop", "stops")}, ${plan.unassigned.length} not planned`,
        el("span", { class: "muted" }, ` · travel times: ${plan.network}`)),
      el("ol", { class: "list", id: "plan-routes" }, ...plan.routes.map((r, index) => el("li", { "data-driver": r.driver_id },
        el("span", { class: "swatch", style: `background:${ROUTE_COLOURS[index % ROUTE_COLOURS.length]}` }),
        el("strong", {}, driverName(r.driver_id)), " ",
        el("span", {}, `${count(r.stops.length, "stop", "stops")} · ${km(r.distance_m)} · ${hours(r.duration_s)}`),
        el("div", { class: "muted" }, `${clock(r.planned_start)}–${clock(r.planned_end)}`)))),
    ];
    if (plan.unassigned.length) {
      items.push(el("h3", {}, "Not planned"), el("ol", { class: "list", id: "plan-unassigned" },
        ...plan.unassigned.map((u) => el("li", { "data-reason": u.reason },
          el("strong", {}, u.tracking_number), " ", el("span", { class: "muted" }, u.reason.replaceAll("_", " ")),
          el("div", {}, u.message)))));
    }
    const warned = (plan.address_attention || []).filter((a) => a.planned);
    if (warned.length) {
      items.push(el("h3", {}, "Planned, address needs attention"), el("ol", { class: "list", id: "plan-address-attention" },
        ...warned.map((a) => el("li", { "data-tracking": a.tracking_number },
          el("strong", {}, a.tracking_number), " ", el("span", { class: "muted" }, `address ${a.score} of 100`),
          el("div", {}, a.reasons.map((r) => r.message).join(" "))))));
    }
    if (plan.violations.length) {
      items.push(el("p", { class: "error" }, `This plan breaks its own rules and cannot be committed: ${plan.violations.join("; ")}`));
    }
    const actions = el("div", { class: "actions" });
    if (plan.status === "draft") {
      const commit = el("button", { type: "button", onclick: () => decide("commit") }, "Commit");
      if (plan.violations.length || !plan.routes.length) commit.disabled = true;
      actions.append(commit, el("button", { type: "button", onclick: () => decide("discard") }, "Discard"));
    }
    items.push(actions);
    out.replaceChildren(...items);
    out.dataset.plan = plan.id;
    out.dataset.status = plan.status;
  }

  async function decide(action) {
    if (!draft) return;
    showError(null);
    status.textContent = action === "commit" ? "Committing…" : "Discarding…";
    try {
      await api(`/api/v1/plans/${draft.id}/${action}`, { method: "POST", body: "{}" });
      layer.clearLayers();
      out.replaceChildren();
      out.dataset.status = action === "commit" ? "committed" : "discarded";
      status.textContent = action === "commit" ? "Committed: the routes are on the map." : "Plan discarded.";
      draft = null;
      await reload();
      await loadChoices();
    } catch (error) {
      status.textContent = "";
      showError(error);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(null);
    const picked = [...form.querySelectorAll("input[name=driver]:checked")].map((box) => box.value);
    if (!picked.length) { showError(new Error("Drivers: pick at least one driver.")); return; }
    const body = { hub_id: form.elements.hub_id.value, date: form.elements.date.value };
    // Everyone ticked means "every free driver": the server leaves out drivers already on a route.
    if (picked.length !== drivers.length) body.driver_ids = picked;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    status.textContent = "Planning…";
    try {
      renderDraft(await api("/api/v1/plans", { method: "POST", body: JSON.stringify(body) }));
      status.textContent = "Draft ready: check it, then commit or discard.";
    } catch (error) {
      status.textContent = "";
      showError(error);
    } finally {
      button.disabled = false;
    }
  });

  async function startRoute(route) {
    showError(null);
    try {
      await api(`/api/v1/routes/${route.id}/start`, { method: "POST", body: "{}" });
      await reload();
    } catch (error) {
      showError(error);
    }
  }

  /** The day's committed routes, with Start for a driver who cannot start from the app. */
  function renderRoutes(board) {
    const list = document.getElementById("day-routes");
    list.replaceChildren(...board.routes.map((route) => {
      const item = el("li", { "data-route": route.id, "data-status": route.status },
        el("strong", {}, driverName(route.driver_id)), " ",
        el("span", {}, `${count(route.stops.length, "stop", "stops")} · ${km(route.distance_m)} · ${hours(route.duration_s)}`), " ",
        el("span", { class: "muted" }, route.status.replaceAll("_", " ")));
      if (route.status === "planned") {
        item.append(" ", el("button", { type: "button", onclick: () => startRoute(route) }, "Start"));
      }
      return item;
    }));
    document.getElementById("no-day-routes").hidden = board.routes.length > 0;
  }

  document.querySelector('[data-tab="plan"]').addEventListener("click", () => loadChoices().catch(showError));
  return { renderRoutes };
}
