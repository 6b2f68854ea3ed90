// The phone's position: watched while on shift, sampled into fixes (every 5 s moving, 30 s still).
import { bufferFix } from "./outbox.js";

const MOVING_MS = 5000;
const STILL_MS = 30000;
const MOVED_M = 15;
let watchId = null;
let timer = null;
let latest = null;
let recorded = null;
let battery = null; // the phone's BatteryManager, where the browser has one (Chromium does)
const listeners = [];

export function metres(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
}

export function current() {
  return latest;
}

export function onPosition(handler) {
  listeners.push(handler);
}

function fixOf(position, now) {
  const fix = { at: new Date(now).toISOString(), lat: position.lat, lon: position.lon, moving: position.moving };
  if (position.accuracy_m != null) fix.accuracy_m = position.accuracy_m;
  if (position.speed_mps != null) fix.speed_mps = position.speed_mps;
  if (position.heading_deg != null) fix.heading_deg = position.heading_deg;
  // The dispatcher's driver list shows it: a phone about to die explains a silent driver.
  if (battery && Number.isFinite(battery.level)) fix.battery_pct = Math.round(battery.level * 100);
  return fix;
}

async function sample() {
  if (!latest) return;
  const now = Date.now();
  const moving = !recorded || metres(recorded, latest) >= MOVED_M || (latest.speed_mps ?? 0) > 1;
  if (recorded && now - recorded.time < (moving ? MOVING_MS : STILL_MS)) return;
  recorded = { lat: latest.lat, lon: latest.lon, time: now };
  await bufferFix(fixOf({ ...latest, moving }, now));
}

function received(raw) {
  const c = raw.coords;
  latest = {
    lat: c.latitude,
    lon: c.longitude,
    accuracy_m: Number.isFinite(c.accuracy) ? c.accuracy : null,
    speed_mps: Number.isFinite(c.speed) ? c.speed : null,
    heading_deg: Number.isFinite(c.heading) ? c.heading : null,
  };
  for (const handler of listeners) handler(latest);
  sample();
}

/** Start watching (on shift): fixes are buffered in IndexedDB whatever the network. */
export function startTracking() {
  if (watchId !== null || !navigator.geolocation) return;
  navigator.getBattery?.().then((found) => { battery = found; }, () => {});
  watchId = navigator.geolocation.watchPosition(received, () => {}, {
    enableHighAccuracy: true,
    maximumAge: 0,
    timeout: 30000,
  });
  timer = setInterval(sample, 1000);
}

export function stopTracking() {
  if (watchId !== null) navigator.geolocation.clearWatch(watchId);
  clearInterval(timer);
  watchId = null;
  recorded = null;
}

/** One position now, for views and actions (null when none is known yet). */
export function locate() {
  if (latest || !navigator.geolocation) return Promise.resolve(latest);
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (raw) => {
        received(raw);
        resolve(latest);
      },
      () => resolve(null),
      { enableHighAccuracy: true, timeout: 5000 },
    );
  });
}
