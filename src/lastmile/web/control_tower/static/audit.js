// The Audit tab (admins only): the organisation's recorded changes, newest first, in plain
// words, at the hub's local time; "Older changes" pages back through GET /api/v1/audit.

const PAGE = 50;

export function setupAudit({ api, el, getBoard }) {
  const tab = document.querySelector('[data-tab="audit"]');
  if (!tab) return;
  const list = document.getElementById("audit");
  const empty = document.getElementById("no-audit");
  const more = document.getElementById("audit-more");
  let cursor = null;

  function when(iso) {
    const zone = getBoard()?.hub?.timezone || "UTC";
    return new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, day: "numeric", month: "short", year: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).format(new Date(iso));
  }

  function item(entry) {
    return el("li", { "data-id": String(entry.id), "data-action": entry.action },
      el("div", { class: "change" }, el("strong", {}, entry.who), " ", entry.text),
      el("time", { class: "muted", datetime: entry.at }, when(entry.at)));
  }

  async function load(fresh) {
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (!fresh && cursor) params.set("cursor", String(cursor));
    const page = await api(`/api/v1/audit?${params}`);
    if (fresh) list.replaceChildren();
    list.append(...page.items.map(item));
    cursor = page.next_cursor;
    more.hidden = cursor == null;
    empty.hidden = list.children.length > 0;
    list.dataset.loaded = "1";
  }

  tab.addEventListener("click", () => load(true).catch(() => {}));
  more.addEventListener("click", () => load(false).catch(() => {}));
}
