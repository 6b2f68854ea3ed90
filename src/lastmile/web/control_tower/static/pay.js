// The Pay & cash tab: each driver's pay statement for a month (lines, total, PDF and CSV),
// and a day's cash on delivery: collected vs handed over per driver (a short driver's row in
// red, with the amount written out), per merchant collected vs remitted. Admins record a
// late hand-over or a remittance; every refusal is shown in words.
import { hubToday } from "./hub_time.js";

function money(amount, currency) {
  if (!currency) return amount;
  return new Intl.NumberFormat("en-GB", { style: "currency", currency }).format(Number(amount));
}

function problemText(error) {
  const fields = error.problem?.errors || [];
  if (fields.length) return fields.map((f) => `${f.field}: ${f.message}`).join("; ");
  return error.message || "Something went wrong: try again.";
}

export function setupPay({ api, el, getBoard }) {
  const tab = document.querySelector('[data-tab="pay"]');
  if (!tab) return;
  const payForm = document.getElementById("pay-form");
  const cashForm = document.getElementById("cash-form");
  const statements = document.getElementById("pay-statements");
  const linesBox = document.getElementById("pay-lines");
  const cashDrivers = document.getElementById("cash-drivers");
  const cashMerchants = document.getElementById("cash-merchants");
  const correction = document.getElementById("correction-form");
  const remittance = document.getElementById("remittance-form");

  function shown(id, text) {
    const node = document.getElementById(id);
    node.textContent = text || "";
    node.hidden = !text;
  }

  async function loadStatements() {
    shown("pay-error", "");
    const period = payForm.elements.period.value;
    try {
      const rows = await api(`/api/v1/billing/pay-statements?period=${encodeURIComponent(period)}`);
      statements.replaceChildren(...rows.map((row) => {
        const query = `period=${encodeURIComponent(period)}&driver=${row.driver_id}`;
        return el("tr", { "data-driver": row.driver_id },
          el("td", {}, el("button", { type: "button", class: "link", onclick: () => loadLines(row, period) }, row.driver_name)),
          el("td", {}, String(row.lines)),
          el("td", {}, row.currency ? money(row.total, row.currency) : "no pay plan"),
          el("td", {},
            el("a", { href: `/api/v1/billing/pay-statements.pdf?${query}`, download: "" }, "PDF"), " ",
            el("a", { href: `/api/v1/billing/pay-statements.csv?${query}`, download: "" }, "CSV")));
      }));
      statements.dataset.loaded = "1";
    } catch (error) {
      shown("pay-error", `Could not show the statements: ${problemText(error)}`);
    }
  }

  async function loadLines(row, period) {
    shown("pay-error", "");
    try {
      const statement = await api(`/api/v1/billing/pay-statements?period=${encodeURIComponent(period)}&driver=${row.driver_id}`);
      document.getElementById("pay-lines-title").textContent =
        `${statement.payee_name}: ${money(statement.total, statement.currency)}`;
      document.getElementById("pay-lines-body").replaceChildren(...statement.lines.map((line) =>
        el("tr", { "data-kind": line.kind },
          el("td", {}, line.day), el("td", {}, line.description), el("td", {}, line.quantity),
          el("td", {}, money(line.amount, statement.currency)))));
      document.getElementById("pay-notes").replaceChildren(...statement.notes.map((n) => el("li", {}, n)));
      linesBox.hidden = false;
    } catch (error) {
      shown("pay-error", `Could not show ${row.driver_name}'s statement: ${problemText(error)}`);
    }
  }

  function difference(row) {
    const short = Number(row.short);
    if (short > 0 && row.on_shift) return `On shift: ${money(row.short, row.currency)} with the driver`;
    if (short > 0) return `Short by ${money(row.short, row.currency)}`;
    if (short < 0) return `${money(String(-short), row.currency)} more than collected`;
    return "Balanced";
  }

  function options(select, pairs) {
    if (!select) return;
    select.replaceChildren(...pairs.map(([value, label]) => el("option", { value }, label)));
  }

  async function loadCash() {
    shown("cash-error", "");
    const day = cashForm.elements.date.value;
    try {
      const report = await api(`/api/v1/billing/cod/reconciliation?date=${encodeURIComponent(day)}`);
      cashDrivers.replaceChildren(...report.drivers.map((row) =>
        el("tr", { class: Number(row.short) > 0 && !row.on_shift ? "short" : "", "data-driver": row.driver_id },
          el("td", {}, row.driver_name), el("td", {}, money(row.collected, row.currency)),
          el("td", {}, money(row.handed_over, row.currency)), el("td", {}, difference(row)))));
      cashMerchants.replaceChildren(...report.merchants.map((row) =>
        el("tr", {}, el("td", {}, row.merchant_name), el("td", {}, money(row.collected, row.currency)),
          el("td", {}, money(row.remitted, row.currency)), el("td", {}, money(row.due, row.currency)))));
      document.getElementById("no-cash").hidden = report.drivers.length > 0;
      options(correction?.elements.driver_id, report.drivers.map((r) => [r.driver_id, r.driver_name]));
      options(remittance?.elements.merchant_id, report.merchants.map((r) => [r.merchant_id, r.merchant_name]));
      cashDrivers.dataset.loaded = "1";
    } catch (error) {
      shown("cash-error", `Could not show the cash of ${day}: ${problemText(error)}`);
    }
  }

  async function send(path, body, done) {
    shown("cash-error", "");
    try {
      await api(path, { method: "POST", body: JSON.stringify(body) });
      shown("cash-status", done);
      await loadCash();
    } catch (error) {
      shown("cash-error", `Not recorded: ${problemText(error)}`);
    }
  }

  payForm.addEventListener("submit", (event) => { event.preventDefault(); loadStatements(); });
  cashForm.addEventListener("submit", (event) => { event.preventDefault(); loadCash(); });
  document.getElementById("cash-count").addEventListener("click", async () => {
    shown("cash-error", "");
    try {
      const result = await api("/api/v1/billing/cod/checks", { method: "POST", body: JSON.stringify({ day: cashForm.elements.date.value }) });
      shown("cash-status", `Counted ${result.day}: ${result.alerts_changed} alert(s) raised or cleared.`);
    } catch (error) {
      shown("cash-error", `Could not count the day: ${problemText(error)}`);
    }
  });
  correction?.addEventListener("submit", (event) => {
    event.preventDefault();
    const f = correction.elements;
    send("/api/v1/billing/cod/corrections", {
      driver_id: f.driver_id.value, day: cashForm.elements.date.value, amount: f.amount.value.trim().replace(",", "."),
      currency: f.currency.value.trim().toUpperCase(), note: f.note.value,
    }, "Correction recorded.");
  });
  remittance?.addEventListener("submit", (event) => {
    event.preventDefault();
    const f = remittance.elements;
    send("/api/v1/billing/cod/remittances", {
      merchant_id: f.merchant_id.value, amount: f.amount.value.trim().replace(",", "."),
      currency: f.currency.value.trim().toUpperCase(), remitted_on: f.remitted_on.value, reference: f.reference.value,
    }, "Remittance recorded.");
  });

  tab.addEventListener("click", () => {
    const zone = getBoard()?.hub?.timezone || "UTC";
    const today = hubToday(zone);
    if (!payForm.elements.period.value) payForm.elements.period.value = today.slice(0, 7);
    if (!cashForm.elements.date.value) cashForm.elements.date.value = today;
    if (remittance && !remittance.elements.remitted_on.value) remittance.elements.remitted_on.value = today;
    loadStatements();
    loadCash();
  });
}
