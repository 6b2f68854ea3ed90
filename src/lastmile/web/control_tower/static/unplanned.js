// The Plan tab's unplanned orders: the chosen hub's orders for the chosen day that no route
// carries, each with why the latest plan left it out, or waiting for the next plan.
import { hubClock } from "./hub_time.js";
import { plainError } from "./plan.js";

export function setupUnplanned({ api, el, hubZone }) {
  const form = document.getElementById("plan-form");
  const list = document.getElementById("unplanned");
  const count = document.getElementById("unplanned-count");
  const note = document.getElementById("unplanned-note");
  const problem = document.getElementById("unplanned-error");
  let asked = 0;

  const clock = (iso) => hubClock(iso, hubZone());

  function row(order) {
    const window = order.window_start && order.window_end
      ? ` · ${clock(order.window_start)}–${clock(order.window_end)}` : "";
    return el("li", { "data-tracking": order.tracking_number, "data-reason": order.reason || "" },
      el("strong", {}, order.tracking_number), ` ${order.recipient}`,
      el("span", { class: "muted" }, ` · ${order.parcel_count} parcel${order.parcel_count === 1 ? "" : "s"}${window}`),
      el("div", { class: "muted" }, order.address),
      el("div", { class: order.reason ? "why" : "muted", title: order.message || "" }, order.reason
        ? `Left out: ${order.why}.`
        : "Waiting: the next plan will try it."));
  }

  async function refresh() {
    const hub = form.elements.hub_id.value;
    const day = form.elements.date.value;
    if (!hub || !day) return;
    const mine = ++asked;
    try {
      const found = await api(`/api/v1/hubs/${hub}/unplanned?date=${day}`);
      if (mine !== asked) return; // a newer choice of hub or day answered first
      problem.hidden = true;
      count.textContent = `(${found.count})`;
      list.replaceChildren(...found.orders.map(row));
      note.textContent = found.count
        ? found.plan_id ? `Reasons from the plan made at ${clock(found.planned_at)}.` : "No plan yet for this day."
        : "Every order of this day is on a route.";
    } catch (error) {
      if (mine !== asked) return;
      problem.textContent = plainError(error);
      problem.hidden = false;
    }
  }

  form.addEventListener("choices-loaded", refresh);
  form.addEventListener("change", (event) => {
    if (["hub_id", "date"].includes(event.target.name)) refresh();
  });
  // A plan made, committed or discarded changes what is left: plan.js marks its result box.
  new MutationObserver(refresh).observe(document.getElementById("plan-result"), {
    attributes: true, attributeFilter: ["data-plan", "data-status"],
  });
  return { refresh };
}
