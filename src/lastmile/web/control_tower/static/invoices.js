// The Invoices tab: list invoices (filter by status, merchant, month), read one (a draft as
// its charges stand now), and for admins: draft, issue (after a confirmation), mark paid,
// void, credit note, and the PDF and CSV downloads. Errors are shown in words.
import { hubToday } from "./hub_time.js";
import { plainError } from "./plan.js";

const BASE = "/api/v1/billing/invoices";
const GROUP_TITLES = {
  delivery: "Deliveries", failed_attempt: "Failed attempts", return: "Returns",
  cod_fee: "Cash on delivery fees", fuel: "Fuel surcharge", adjustment: "Adjustments",
};

const money = (amount, currency) =>
  new Intl.NumberFormat(undefined, { style: "currency", currency }).format(Number(amount));
const label = (invoice) => invoice.number || "Draft";
const period = (invoice) => `${invoice.period_start} – ${invoice.period_end}`;

export function setupInvoices({ api, el, zone = () => "UTC" }) {
  const tab = document.querySelector('[data-tab="invoices"]');
  const section = document.getElementById("tab-invoices");
  if (!tab || !section) return;
  const isAdmin = section.dataset.admin === "true";
  const filters = document.getElementById("invoice-filters");
  const draftForm = document.getElementById("invoice-draft");
  const rows = document.getElementById("invoices");
  const empty = document.getElementById("no-invoices");
  const detail = document.getElementById("invoice");
  const problem = document.getElementById("invoice-error");
  const merchants = new Map();
  let shownId = null;
  // The draft form starts on this month at the hub's clock.
  if (draftForm && !draftForm.elements.period.value) {
    draftForm.elements.period.value = hubToday(zone()).slice(0, 7);
  }

  function showError(error) {
    problem.textContent = error ? plainError(error) : "";
    problem.hidden = !error;
  }

  async function loadMerchants() {
    // The merchants API belongs to billing's charges; without it, the merchants seen on invoices.
    try {
      const found = await api("/api/v1/billing/merchants");
      for (const m of Array.isArray(found) ? found : found?.items || []) merchants.set(m.id, m.name);
    } catch {
      // not there (yet): the list below fills the choices
    }
  }

  function fillMerchantChoices() {
    for (const select of [filters.elements.merchant_id, draftForm?.elements.merchant_id]) {
      if (!select) continue;
      const chosen = select.value;
      const keep = select === filters.elements.merchant_id ? [el("option", { value: "" }, "any")] : [];
      select.replaceChildren(...keep, ...[...merchants].map(([id, name]) => el("option", { value: id }, name)));
      select.value = chosen;
    }
  }

  async function loadList() {
    const params = new URLSearchParams();
    for (const name of ["status", "merchant_id", "period"]) {
      if (filters.elements[name].value) params.set(name, filters.elements[name].value);
    }
    const found = await api(`${BASE}?${params}`);
    for (const invoice of found) merchants.set(invoice.merchant.id, invoice.merchant.name);
    fillMerchantChoices();
    rows.replaceChildren(...found.map((invoice) => el("tr", {
      "data-id": invoice.id, "data-status": invoice.status, tabindex: "0",
      "aria-selected": String(invoice.id === shownId),
      onclick: () => show(invoice.id).catch(showError),
    },
    el("td", {}, label(invoice)), el("td", {}, invoice.merchant.name), el("td", {}, period(invoice)),
    el("td", {}, invoice.kind === "credit_note" ? `credit note, ${invoice.status}` : invoice.status),
    el("td", { class: "amount" }, money(invoice.total, invoice.currency)))));
    empty.hidden = found.length > 0;
    rows.dataset.loaded = "1";
  }

  function linesTable(invoice) {
    const body = [];
    const groups = new Map();
    for (const line of invoice.lines) {
      const group = line.credits_line_id ? "adjustment" : line.group;
      if (!groups.has(group)) groups.set(group, []);
      groups.get(group).push(line);
    }
    for (const [group, lines] of groups) {
      body.push(el("tr", {}, el("th", { colspan: "5" }, GROUP_TITLES[group] || group)));
      for (const line of lines) {
        body.push(el("tr", {},
          el("td", {}, line.service_date), el("td", {}, line.tracking_number || ""),
          el("td", {}, line.description),
          el("td", { class: "amount" }, line.quantity),
          el("td", { class: "amount" }, money(line.amount, invoice.currency))));
      }
    }
    const head = el("thead", {}, el("tr", {},
      ...["Date", "Shipment", "Description", "Quantity", "Amount"].map((t) => el("th", { scope: "col" }, t))));
    return el("table", {}, head, el("tbody", {}, ...body));
  }

  function actions(invoice) {
    const box = el("div", { class: "actions" });
    const act = (text, path, body) => el("button", { type: "button", onclick: () => run(path, body) }, text);
    if (isAdmin && invoice.status === "draft") {
      box.append(el("button", { type: "button", onclick: () => confirmIssue(invoice, box) }, "Issue"));
    }
    if (isAdmin && invoice.status === "issued") {
      box.append(act("Mark paid", `${BASE}/${invoice.id}/pay`), act("Void", `${BASE}/${invoice.id}/void`));
    }
    if (isAdmin && invoice.kind === "invoice" && ["issued", "paid"].includes(invoice.status)) {
      const reason = el("input", { name: "reason", placeholder: "Reason for the credit note", "aria-label": "Reason for the credit note" });
      box.append(reason, el("button", {
        type: "button",
        onclick: () => run(`${BASE}/${invoice.id}/credit-notes`, { reason: reason.value.trim() }),
      }, "Credit note"));
    }
    box.append(
      el("a", { href: `${BASE}/${invoice.id}.pdf`, download: "", id: "invoice-pdf" }, "Download PDF"),
      " ",
      el("a", { href: `${BASE}/${invoice.id}.csv`, download: "", id: "invoice-csv" }, "Download CSV"));
    return box;
  }

  function confirmIssue(invoice, box) {
    const question = el("p", { id: "invoice-confirm", role: "alertdialog" },
      `Issue ${invoice.merchant.name}'s invoice for ${period(invoice)}, ${money(invoice.total, invoice.currency)}? `
        + "It gets the next number and can then only be corrected by a credit note. ",
      el("button", { type: "button", onclick: () => run(`${BASE}/${invoice.id}/issue`) }, "Confirm issue"),
      " ",
      el("button", { type: "button", onclick: () => question.remove() }, "Cancel"));
    box.after(question);
  }

  async function run(path, body) {
    showError(null);
    try {
      const result = await api(path, { method: "POST", body: body ? JSON.stringify(body) : undefined });
      await show(result.id);
      await loadList();
    } catch (error) {
      showError(error);
    }
  }

  async function show(id) {
    const invoice = await api(`${BASE}/${id}`);
    shownId = invoice.id;
    for (const row of rows.children) row.setAttribute("aria-selected", String(row.dataset.id === id));
    const title = invoice.kind === "credit_note" ? `Credit note ${invoice.number}` : `Invoice ${label(invoice)}`;
    const taxes = invoice.taxes.map((t) => el("li", {}, `Tax ${t.rate} % on ${money(t.base, invoice.currency)}: ${money(t.tax, invoice.currency)}`));
    detail.replaceChildren(
      el("h3", {}, title, " ", el("span", { class: "muted", id: "invoice-status" }, invoice.status)),
      el("p", {}, `${invoice.merchant.name} · ${period(invoice)}`
        + (invoice.issue_date ? ` · issued ${invoice.issue_date}` : " · recomputed from the charges now")),
      invoice.reason ? el("p", {}, `Reason: ${invoice.reason}`) : "",
      linesTable(invoice),
      el("ul", { class: "list" }, ...taxes),
      el("p", {}, el("strong", { id: "invoice-total" }, `Total ${money(invoice.total, invoice.currency)}`)),
      actions(invoice));
    detail.dataset.id = invoice.id;
    detail.hidden = false;
  }

  filters.addEventListener("change", () => loadList().catch(showError));
  draftForm?.addEventListener("submit", (event) => {
    event.preventDefault();
    run(BASE, { merchant_id: draftForm.elements.merchant_id.value, period: draftForm.elements.period.value });
  });
  tab.addEventListener("click", () => {
    showError(null);
    loadMerchants().then(loadList).catch(showError);
  });
}
