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
