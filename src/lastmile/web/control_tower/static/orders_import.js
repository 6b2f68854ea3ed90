// The "Import CSV or Excel" dialog of the orders tab: the file is previewed by the server
// (POST /api/v1/imports/preview: which column holds what, the first rows, every row's
// problems named by row and column); the dispatcher corrects the columns, chooses all or
// nothing or valid rows only, and imports (POST /api/v1/imports).
import { plainError } from "./plan.js";

export function setupOrderImport({ api, el, onImported }) {
  const dialog = document.getElementById("order-import-dialog");
  const form = document.getElementById("order-import-form");
  const status = document.getElementById("order-import-status");
  const problem = document.getElementById("order-import-error");
  const preview = document.getElementById("order-import-preview");
  const mappingBox = document.getElementById("order-import-mapping");
  const sample = document.getElementById("order-import-sample");
  const problems = document.getElementById("order-import-problems");
  const result = document.getElementById("order-import-result");
  const go = document.getElementById("order-import-go");
  let mapping = null; // the columns as last previewed; null: let the server guess

  function showError(error) {
    problem.textContent = error ? plainError(error) : "";
    problem.hidden = !error;
  }

  function post(path, extra = {}) {
    const body = new FormData();
    body.set("file", form.elements.file.files[0]);
    if (form.elements.hub_id.value) body.set("hub_id", form.elements.hub_id.value);
    if (form.elements.merchant.value.trim()) body.set("merchant", form.elements.merchant.value.trim());
    if (mapping) body.set("mapping", JSON.stringify(mapping));
    for (const [key, value] of Object.entries(extra)) body.set(key, value);
    return api(path, { method: "POST", body });
  }

  const problemText = (p) => `Row ${p.row}${p.column ? `, column “${p.column}”` : ""}: ${p.message}`;

  function renderMapping(found) {
    const choices = (key) => [el("option", { value: "" }, "— not in the file —"),
      ...found.headers.map((h, i) => el("option", { value: String(i) }, h || `Column ${i + 1}`))];
    mappingBox.replaceChildren(...found.targets.map((t) => {
      const select = el("select", { name: `map-${t.key}`, "data-target": t.key }, ...choices(t.key));
      select.value = t.key in found.mapping ? String(found.mapping[t.key]) : "";
      select.addEventListener("change", () => {
        mapping = mappingFromSelects();
        showPreview();
      });
      return el("label", {}, `${t.label}${t.required ? " *" : ""} `, select);
    }));
  }

  function mappingFromSelects() {
    const chosen = {};
    for (const select of mappingBox.querySelectorAll("select")) {
      if (select.value !== "") chosen[select.dataset.target] = Number(select.value);
    }
    return chosen;
  }

  function renderPreview(found) {
    renderMapping(found);
    sample.replaceChildren(
      el("thead", {}, el("tr", {}, el("th", {}, "Row"), ...found.headers.map((h) => el("th", {}, h)))),
      el("tbody", {}, ...found.sample.map((row, i) => el("tr", {}, el("td", {}, String(i + 2)),
        ...found.headers.map((_, c) => el("td", {}, row[c] ?? ""))))));
    problems.replaceChildren(...found.problems.map((p) => el("li", { class: "error" }, problemText(p))));
    if (!found.problems.length) problems.replaceChildren(el("li", { class: "muted" }, "None: every row can be imported."));
    const more = found.bad_rows && found.problems.length >= 500 ? " (the first 500 problems are listed)" : "";
    status.textContent = `${found.total_rows} rows: ${found.valid_rows} ready, ${found.bad_rows} with problems${more}.`;
    preview.hidden = false;
    go.disabled = found.valid_rows === 0;
  }

  async function showPreview() {
    showError(null);
    result.textContent = "";
    status.textContent = "Reading the file…";
    try {
      renderPreview(await post("/api/v1/imports/preview"));
    } catch (error) {
      status.textContent = "";
      showError(error);
    }
  }

  async function runImport() {
    showError(null);
    status.textContent = "Importing…";
    go.disabled = true;
    try {
      const done = await post("/api/v1/imports", { mode: form.elements.mode.value });
      status.textContent = "";
      result.textContent = `Created ${done.created}, skipped ${done.skipped}` +
        (done.existing ? `, ${done.existing} already there` : "") + ".";
      problems.replaceChildren(...done.problems.map((p) => el("li", { class: "error" }, problemText(p))));
      if (done.created) onImported(done);
    } catch (error) {
      status.textContent = "";
      showError(error);
    } finally {
      go.disabled = false;
    }
  }

  form.elements.file.addEventListener("change", () => {
    mapping = null;
    preview.hidden = true;
    go.disabled = true;
    if (form.elements.file.files.length) showPreview();
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const action = event.submitter?.value;
    if (action === "cancel") { dialog.close(); return; }
    if (!form.elements.file.files.length) { showError(new Error("Choose a .csv or .xlsx file first.")); return; }
    if (action === "import") runImport(); else showPreview();
  });

  return function open() {
    form.reset();
    mapping = null;
    preview.hidden = true;
    go.disabled = true;
    status.textContent = "";
    result.textContent = "";
    showError(null);
    const chosenHub = document.querySelector('#order-search select[name="hub_id"]').value;
    if (chosenHub) form.elements.hub_id.value = chosenHub;
    dialog.showModal();
  };
}
