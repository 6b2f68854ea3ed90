// The order detail drawer of the orders tab: the order, its timeline, its stop on today's
// route with the ETA, proofs, notifications sent and charges, each read from its own API
// (a part that cannot be read says so in words and the rest still shows), and the actions
// Edit and Cancel.
export function setupOrderDetail({ api, el, plainError, stopOf, onEdit, onChanged }) {
  const dialog = document.getElementById("order-detail");
  const body = document.getElementById("order-detail-body");
  const title = document.getElementById("order-detail-title");
  const problem = document.getElementById("order-detail-error");
  const cancelForm = document.getElementById("order-detail-cancel");
  let shown = null;

  const zoneOf = (order) => document.querySelector(
    `#order-edit select[name="hub_id"] option[value="${order.hub_id || ""}"]`)?.dataset.timezone
    || document.getElementById("order-edit").dataset.zone || "UTC";

  function when(iso, zone) {
    if (!iso) return "–";
    return new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).format(new Date(iso));
  }

  function showError(error) {
    problem.textContent = error ? plainError(error) : "";
    problem.hidden = !error;
  }

  const section = (heading, ...children) => el("section", {}, el("h3", {}, heading), ...children);
  const facts = (pairs) => el("dl", { class: "facts" },
    ...pairs.filter(([, v]) => v !== null && v !== undefined && v !== "").flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))]));

  // A part read from its own API: its rendering, or why it could not be read.
  async function part(heading, load, render) {
    try {
      return section(heading, render(await load()));
    } catch (error) {
      return section(heading, el("p", { class: "muted" }, `Not available: ${plainError(error)}`));
    }
  }

  async function render(trackingNumber) {
    const order = await api(`/api/v1/shipments/${encodeURIComponent(trackingNumber)}`);
    shown = order;
    const zone = zoneOf(order);
    title.textContent = `Order ${order.tracking_number}`;
    const closed = ["delivered", "cancelled"].includes(order.status);
    document.getElementById("order-detail-edit").hidden = closed;
    document.getElementById("order-detail-cancel-open").hidden = closed;
    const summary = section("Order", facts([
      ["Status", order.status_label],
      ["Recipient", order.recipient.name],
      ["Phone", order.recipient.phone],
      ["Email", order.recipient.email],
      ["Address", order.address.text],
      ["Delivery date", order.delivery_date],
      ["Window", order.window ? `${when(order.window.start, zone)} – ${when(order.window.end, zone)} (${zone})` : null],
      ["Parcels", order.parcel_count],
      ["Weight", order.weight_kg != null ? `${order.weight_kg} kg` : null],
      ["COD", order.cod ? `${order.cod.amount} ${order.cod.currency}` : null],
      ["Merchant", order.merchant],
      ["Reference", order.reference],
      ["Notes", order.instructions],
    ]), el("p", {}, el("a", { href: order.tracking_url, target: "_blank", rel: "noopener" }, "Customer's tracking page")));
    const timeline = section("Timeline", el("ol", { class: "list", "aria-label": "Timeline" },
      ...order.timeline.map((e) => el("li", {}, `${when(e.at, zone)} · ${e.label}`,
        el("span", { class: "muted" }, ` · ${e.actor_name}${e.reason ? ` · ${e.reason}` : ""}${e.note ? ` · ${e.note}` : ""}`)))));
    const found = stopOf(order.tracking_number);
    const stop = section("On the route", found
      ? facts([
        ["Driver", found.driverName],
        ["Stop", `${found.stop.sequence} of ${found.route.stops.length}`],
        ["Planned arrival", when(found.stop.planned_arrival, zone)],
        ["ETA", when(found.stop.eta, zone)],
        ["Arrived", found.stop.arrived_at ? when(found.stop.arrived_at, zone) : null],
      ])
      : el("p", { class: "muted" }, "Not on a route shown on the board."));
    const parts = await Promise.all([
      part("Proof", () => api(`/api/v1/shipments/${order.tracking_number}/proofs`), (proofs) => proofs.length
        ? el("ul", { class: "list" }, ...proofs.map((p) => el("li", {}, `${when(p.at, zone)} · ${p.kind}${p.value ? `: ${p.value}` : ""}`)))
        : el("p", { class: "muted" }, "No proof yet.")),
      part("Notifications sent", () => api(`/api/v1/notify/deliveries?shipment_id=${order.id}`), (sent) => sent.length
        ? el("ul", { class: "list" }, ...sent.map((d) => el("li", {}, `${when(d.sent_at || d.created_at, zone)} · ${d.event} by ${d.channel} · ${d.status}`)))
        : el("p", { class: "muted" }, "None sent.")),
      part("Charges", () => api(`/api/v1/shipments/${order.tracking_number}/charges`), (charges) => charges.lines.length
        ? el("table", {}, el("tbody", {}, ...charges.lines.map((l) => el("tr", {}, el("td", {}, l.description), el("td", {}, `${l.amount} ${charges.currency}`)))),
          el("tfoot", {}, el("tr", {}, el("th", {}, "Total"), el("td", {}, `${charges.total} ${charges.currency}`))))
        : el("p", { class: "muted" }, "No charges yet.")),
    ]);
    body.replaceChildren(summary, stop, timeline, ...parts);
  }

  async function open(trackingNumber) {
    showError(null);
    cancelForm.hidden = true;
    body.replaceChildren(el("p", { class: "muted" }, "Loading…"));
    title.textContent = `Order ${trackingNumber}`;
    if (!dialog.open) dialog.showModal();
    try {
      await render(trackingNumber);
    } catch (error) {
      body.replaceChildren();
      showError(error);
    }
  }

  document.getElementById("order-detail-close").addEventListener("click", () => dialog.close());
  document.getElementById("order-detail-edit").addEventListener("click", () => {
    dialog.close();
    onEdit(shown);
  });
  document.getElementById("order-detail-cancel-open").addEventListener("click", () => {
    cancelForm.hidden = false;
    cancelForm.elements.reason.focus();
  });
  cancelForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (event.submitter?.value === "keep") { cancelForm.hidden = true; return; }
    showError(null);
    try {
      const cancelled = await api(`/api/v1/shipments/${shown.tracking_number}/cancel`, {
        method: "POST", body: JSON.stringify({ reason: cancelForm.elements.reason.value.trim() }),
      });
      cancelForm.reset();
      cancelForm.hidden = true;
      onChanged(cancelled);
      await render(cancelled.tracking_number);
    } catch (error) {
      showError(error);
    }
  });

  return open;
}
