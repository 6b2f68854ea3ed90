// The driver list beside the map: who is out today at the hub shown, what they are doing, how
// far along, how fresh their last fix is and their phone's battery. Read from the board's
// `roster`; the ages tick here every second and a live position makes its driver's fix fresh.
// A fix is stale after the board's `stale_after_s`, the server's one definition.

const LOW_BATTERY_PCT = 20;

function ago(seconds) {
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  return `${Math.floor(seconds / 3600)} h ago`;
}

/**
 * @param {object} deps
 * @param {Function} deps.el - the page's element builder
 * @param {Function} deps.onPick - called with a driver's id when the dispatcher picks one, or
 *   with null when they pick the one already picked (nobody selected)
 * @param {Function} deps.colourOf - a driver's route colour on the map
 */
export function setupDrivers({ el, onPick, colourOf }) {
  const list = document.getElementById("driver-list");
  const search = document.getElementById("driver-search");
  const count = document.getElementById("drivers-count");
  const none = document.getElementById("no-drivers");
  let roster = [];
  let selected = null;
  let skewMs = 0; // the server's clock minus this browser's
  let staleAfterS = Infinity;
  const fixAt = new Map(); // driver id → the time of their newest fix, ms since the epoch

  const age = (id) => (fixAt.has(id) ? (Date.now() + skewMs - fixAt.get(id)) / 1000 : null);

  function fixText(item, node) {
    const seconds = age(item.id);
    const stale = seconds == null || seconds > staleAfterS;
    node.textContent = seconds == null ? "no fix yet" : ago(seconds);
    node.classList.toggle("stale", stale);
    node.title = stale ? "No recent position: the phone may be offline" : "Last position";
  }

  function row(item) {
    const battery = item.battery_pct == null ? "" : el("span", {
      class: `battery${item.battery_pct <= LOW_BATTERY_PCT ? " low" : ""}`, title: "Phone battery",
    }, `${item.battery_pct}%`);
    const fix = el("span", { class: "fix-age", "data-fix": item.id });
    fixText(item, fix);
    const swatch = el("span", { class: "swatch", "aria-hidden": "true" });
    swatch.style.background = colourOf(item.id); // CSSOM, allowed by the page's CSP
    const button = el("button", {
      type: "button", class: "driver-row", "aria-pressed": String(item.id === selected),
      onclick: () => onPick(item.id === selected ? null : item.id),
    },
    el("span", { class: "who" }, swatch, el("strong", {}, item.name)),
    el("span", { class: "status", "data-status": item.status }, item.status),
    el("span", { class: "detail" },
      el("span", { class: "progress", title: "Delivered of the route's stops" },
        item.stops_total ? `${item.delivered}/${item.stops_total} delivered` : "no route"),
      battery ? " · " : "", battery),
    fix);
    return el("li", { "data-driver": item.id, class: item.id === selected ? "selected" : "" }, button);
  }

  function draw() {
    const wanted = search.value.trim().toLocaleLowerCase();
    const shown = roster.filter((d) => !wanted || d.name.toLocaleLowerCase().includes(wanted));
    list.replaceChildren(...shown.map(row));
    count.textContent = `(${roster.length})`;
    none.hidden = shown.length > 0;
    none.textContent = roster.length ? "No driver matches." : "No drivers out today here.";
  }

  search.addEventListener("input", draw);
  setInterval(() => {
    for (const node of list.querySelectorAll("[data-fix]")) {
      fixText({ id: node.dataset.fix }, node);
    }
  }, 1000);

  return {
    /** The list from a fresh board; `picked` is the selected driver's id or null. */
    render(board, picked) {
      roster = board.roster || [];
      selected = picked || null;
      if (board.now) skewMs = Date.parse(board.now) - Date.now();
      staleAfterS = board.stale_after_s;
      fixAt.clear();
      for (const item of roster) if (item.last_fix_at) fixAt.set(item.id, Date.parse(item.last_fix_at));
      draw();
    },
    /** The selection changed (the map, the Driver tab's list): marked without a new board. */
    select(picked) {
      selected = picked || null;
      draw();
    },
    /** A live position arrived: that driver's last fix is this one. */
    heard(id, at) {
      const when = Date.parse(at);
      if (!roster.some((d) => d.id === id) || !(when > (fixAt.get(id) || 0))) return;
      fixAt.set(id, when);
      const node = list.querySelector(`[data-fix="${CSS.escape(id)}"]`);
      if (node) fixText({ id }, node);
    },
  };
}
