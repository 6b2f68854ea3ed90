// The Billing tab: each merchant's running balance for a month, and the rate card editor.
// The editor is a form over the common rules (the rest as JSON); "Try a quote" prices a
// hypothetical shipment with the unsaved rules; "Save" adds a new version. Admins edit,
// dispatchers read (the form is disabled for them; the API refuses their edits anyway).
import { hubDay, hubToday } from "./hub_time.js";

const FORM_KEYS = ["base", "per_km", "failed_attempt_fee", "return_to_hub_fee", "cod", "tax"];

export function setupBilling({ api, el, zone = () => "UTC" }) {
  const tab = document.querySelector('[data-tab="billing"]');
  const panel = document.getElementById("tab-billing");
  if (!tab || !panel) return;
  const canEdit = panel.dataset.canEdit === "yes";
  const period = document.getElementById("billing-period");
  const rows = document.querySelector("#balances tbody");
  const noBalances = document.getElementById("no-balances");
  const merchantSelect = document.getElementById("card-merchant");
  const current = document.getElementById("card-current");
  const form = document.getElementById("card-form");
  const status = document.getElementById("card-status");
  const errors = document.getElementById("card-errors");
  const quoteTable = document.getElementById("quote-lines");
  let card = null;

  document.getElementById("card-fields").disabled = !canEdit;
  document.getElementById("card-save").hidden = !canEdit;

  const money = (amount, currency) => {
    try {
      return new Intl.NumberFormat("en-GB", { style: "currency", currency }).format(Number(amount));
    } catch {
      return `${amount} ${currency}`;
    }
  };
  const thisMonth = () => hubToday(zone()).slice(0, 7);

  async function loadBalances() {
    // No month chosen yet: the server picks this month at the organisation's clock.
    const query = period.value ? `?period=${encodeURIComponent(period.value)}` : "";
    const data = await api(`/api/v1/billing/balances${query}`);
    period.value = data.period;
    rows.replaceChildren(...data.merchants.map((m) =>
      el("tr", { "data-merchant": m.merchant },
        el("td", {}, m.name, m.has_rate_card ? "" : el("span", { class: "muted" }, " · no rate card")),
        el("td", { class: "money" }, String(m.deliveries)),
        el("td", { class: "money" }, money(m.subtotal, m.currency)),
        el("td", { class: "money" }, money(m.tax, m.currency)),
        el("td", { class: "money", "data-total": m.total }, money(m.total, m.currency)))));
    noBalances.hidden = data.merchants.length > 0;
  }

  async function loadMerchants() {
    const merchants = await api("/api/v1/billing/merchants");
    const chosen = merchantSelect.value || "default";
    const options = merchants.length ? merchants : [{ code: "default", name: "Default merchant" }];
    merchantSelect.replaceChildren(...options.map((m) =>
      el("option", { value: m.code }, `${m.name} (${m.code})`)));
    merchantSelect.value = options.some((m) => m.code === chosen) ? chosen : options[0].code;
  }

  function fill(rules, currency) {
    const set = (name, value) => { form.elements[name].value = value ?? ""; };
    set("base", rules.base);
    set("per_km", rules.per_km);
    set("failed_attempt_fee", rules.failed_attempt_fee);
    set("return_to_hub_fee", rules.return_to_hub_fee);
    set("cod_percent", rules.cod?.percent);
    set("cod_minimum", rules.cod?.minimum);
    set("tax_percent", rules.tax?.default_percent);
    set("currency", currency);
    const fuel = rules.fuel || [];
    set("fuel_percent", fuel.length ? fuel[fuel.length - 1].percent : "");
    const other = Object.fromEntries(Object.entries(rules).filter(([k]) => !FORM_KEYS.includes(k)));
    if (rules.tax?.by_kind && Object.keys(rules.tax.by_kind).length) other.tax_by_kind = rules.tax.by_kind;
    set("other", JSON.stringify(other, null, 2));
    const tomorrow = hubDay(Date.now() + 86400000, zone());
    set("valid_from", tomorrow);
  }

  async function loadCard() {
    const code = merchantSelect.value;
    const versions = await api(`/api/v1/billing/merchants/${encodeURIComponent(code)}/rate-cards`);
    card = versions[0] || null;
    current.textContent = card
      ? `Version ${card.version}, valid from ${card.valid_from}${card.valid_to ? ` to ${card.valid_to}` : ""} (${card.currency}).`
      : "No rate card yet: its shipments are not charged.";
    fill(card ? card.rules : {}, card ? card.currency : "EUR");
  }

  function rules() {
    const value = (name) => form.elements[name].value.trim();
    const text = value("other");
    let other = {};
    if (text) {
      try {
        other = JSON.parse(text);
      } catch (error) {
        throw Object.assign(new Error("Other rules: not valid JSON"), {
          problem: { errors: [{ field: "other rules", message: error.message }] },
        });
      }
    }
    const { tax_by_kind: byKind, ...rest } = other;
    const built = { ...rest };
    const put = (key, raw) => { if (raw !== "") built[key] = raw; };
    put("base", value("base"));
    put("per_km", value("per_km"));
    put("failed_attempt_fee", value("failed_attempt_fee"));
    put("return_to_hub_fee", value("return_to_hub_fee"));
    built.cod = {};
    if (value("cod_percent") !== "") built.cod.percent = value("cod_percent");
    if (value("cod_minimum") !== "") built.cod.minimum = value("cod_minimum");
    built.tax = { by_kind: byKind || {} };
    if (value("tax_percent") !== "") built.tax.default_percent = value("tax_percent");
    const month = (value("valid_from") || thisMonth()).slice(0, 7);
    if (value("fuel_percent") !== "") {
      const steps = (built.fuel || []).filter((s) => s.from_month !== month && s.from_month < month);
      built.fuel = [...steps, { from_month: month, percent: value("fuel_percent") }];
    }
    return built;
  }

  function showErrors(error) {
    const found = error.problem?.errors || [];
    const items = found.length ? found.map((e) => `${e.field}: ${e.message}`) : [error.message];
    errors.replaceChildren(...items.map((text) => el("li", {}, text)));
    errors.hidden = false;
    status.textContent = "";
  }

  function clear() {
    errors.hidden = true;
    errors.replaceChildren();
  }

  async function tryQuote() {
    clear();
    const value = (name) => form.elements[name].value.trim();
    const shipment = { delivery_date: value("valid_from") || undefined };
    if (value("quote_weight")) shipment.weight_kg = Number(value("quote_weight"));
    if (value("quote_cod")) shipment.cod_amount = value("quote_cod");
    const body = { merchant: merchantSelect.value, rules: rules(), shipment };
    if (value("currency")) body.currency = value("currency").toUpperCase();
    if (!merchantsKnown().includes(body.merchant)) delete body.merchant;
    const quoted = await api("/api/v1/billing/quote", { method: "POST", body: JSON.stringify(body) });
    quoteTable.querySelector("tbody").replaceChildren(...quoted.lines.map((line) =>
      el("tr", { "data-kind": line.kind },
        el("td", {}, line.description),
        el("td", {}, money(line.amount, quoted.currency)),
        el("td", {}, money(line.tax_amount, quoted.currency)))));
    document.getElementById("quote-total").textContent = money(quoted.total, quoted.currency);
    quoteTable.hidden = false;
    status.textContent = "Quote priced with the unsaved rules.";
  }

  const merchantsKnown = () => [...merchantSelect.options].map((o) => o.value);

  async function save(event) {
    event.preventDefault();
    clear();
    const value = (name) => form.elements[name].value.trim();
    const body = { valid_from: value("valid_from"), rules: rules() };
    if (value("currency")) body.currency = value("currency").toUpperCase();
    const saved = await api(`/api/v1/billing/merchants/${encodeURIComponent(merchantSelect.value)}/rate-cards`,
      { method: "POST", body: JSON.stringify(body) });
    status.textContent = `Saved version ${saved.version}, valid from ${saved.valid_from}.`;
    await loadMerchants();
    await loadCard();
    await loadBalances();
  }

  const report = (job) => () => job().catch(showErrors);
  document.getElementById("card-quote").addEventListener("click", report(tryQuote));
  form.addEventListener("submit", (event) => save(event).catch(showErrors));
  merchantSelect.addEventListener("change", report(loadCard));
  period.addEventListener("change", report(loadBalances));
  tab.addEventListener("click", report(async () => {
    await Promise.all([loadBalances(), loadMerchants()]);
    await loadCard();
    panel.dataset.loaded = "1";
  }));
}
