// Times and days at a hub's clock (its IANA zone), not the browser's or UTC's: every tab shows
// them so, as the driver app and the tracking page do. One formatter per zone, made once.

const clocks = new Map();
const days = new Map();

function formatter(cache, locale, zone, options) {
  const key = zone || "UTC";
  if (!cache.has(key)) cache.set(key, new Intl.DateTimeFormat(locale, { timeZone: key, ...options }));
  return cache.get(key);
}

/** An instant (ISO 8601 or Date) → "HH:MM", 24-hour, at `zone`'s clock. */
export function hubClock(at, zone) {
  return formatter(clocks, "en-GB", zone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
    .format(new Date(at));
}

/** An instant (ISO 8601 or Date) → its day at `zone`, YYYY-MM-DD (a date input's format). */
export function hubDay(at, zone) {
  // en-CA writes dates as YYYY-MM-DD.
  return formatter(days, "en-CA", zone, { year: "numeric", month: "2-digit", day: "2-digit" })
    .format(new Date(at));
}

/** Today at `zone`'s clock, YYYY-MM-DD. */
export const hubToday = (zone) => hubDay(new Date(), zone);
