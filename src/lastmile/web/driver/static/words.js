// Server problems in words a driver reads at the door: each field at fault by its name in the
// app, as one sentence; the banner for a refused action names the stop, not an id.

const FIELD_LABELS = {
  code: "The delivery code",
  barcode: "The barcode",
  file: "The photo",
  kind: "The photo",
  name: "The recipient's name",
  reason: "The reason",
  note: "The note",
  amount: "The amount",
  currency: "The currency",
  method: "The payment method",
  odometer_km: "The odometer reading",
  vehicle_id: "The vehicle",
  body: "The message",
  action: "The phone's record of this action",
};

const sentence = (text) => {
  const trimmed = text.trim().replace(/`/g, "");
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
};

/** A problem+json answer (an HttpError) as plain sentences. */
export function plainError(error) {
  const problem = error?.problem;
  if (problem?.errors?.length)
    return problem.errors
      .map((e) => {
        const head = String(e.field ?? "").split(/[.[]/)[0];
        const label = FIELD_LABELS[head] ?? "Something you entered";
        return sentence(`${label} ${e.message}`);
      })
      .join(" ");
  if (error?.status === 429) return "Too many tries: call the dispatcher.";
  const detail = problem?.detail ?? error?.message;
  return detail ? sentence(detail) : "Something went wrong: try again, or call the dispatcher.";
}

/** "Stop 4 · Anna Virtanen, Mannerheimintie 1" for the banner. */
export function stopName(stop) {
  const who = stop.recipient_name || stop.tracking_number;
  return `Stop ${stop.sequence + 1} · ${who}, ${stop.address}`;
}

const numbers = (stops) => {
  const n = stops.map((s) => s.sequence + 1).sort((a, b) => a - b);
  return n.length === 1 ? `stop ${n[0]}` : `stops ${n.slice(0, -1).join(", ")} and ${n.at(-1)}`;
};

const OPEN = new Set(["pending", "arrived"]);

/** What changed in the route when someone else changed it, as one sentence
 * ("Route updated: stop 4 added."), or null when nothing the driver sees in the list did.
 * Stops are said by their new number, those taken off by address (their number is gone);
 * an outcome this phone reported is not news. */
export function routeNews(before, after) {
  if (!before && !after) return null;
  if (!after) return "Route updated: this route is no longer yours. Call the dispatcher if this is unexpected.";
  if (!before || before.id !== after.id) {
    const n = after.stops.length;
    return `Route updated: a new route with ${n} stop${n === 1 ? "" : "s"}.`;
  }
  const was = new Map(before.stops.map((s) => [s.id, s]));
  const now = new Set(after.stops.map((s) => s.id));
  const added = after.stops.filter((s) => !was.has(s.id));
  const removed = before.stops.filter((s) => !now.has(s.id));
  const kept = after.stops.filter((s) => was.has(s.id));
  const closed = kept.filter((s) => OPEN.has(was.get(s.id).status) && !OPEN.has(s.status) && !was.get(s.id).unsent);
  const order = (stops) => stops.map((s) => s.id).join();
  const reordered = order(before.stops.filter((s) => now.has(s.id))) !== order(kept);
  const news = [];
  if (added.length) news.push(`${numbers(added)} added`);
  if (removed.length)
    news.push(`the stop${removed.length === 1 ? "" : "s"} at ${removed.map((s) => s.address).join(", ")} removed`);
  const delivered = closed.filter((s) => s.status === "completed");
  const failed = closed.filter((s) => s.status !== "completed");
  if (delivered.length) news.push(`${numbers(delivered)} marked delivered`);
  if (failed.length) news.push(`${numbers(failed)} closed`);
  if (reordered) news.push("the order of stops changed");
  if (!news.length) return null;
  return sentence(`Route updated: ${news.join("; ")}`);
}
