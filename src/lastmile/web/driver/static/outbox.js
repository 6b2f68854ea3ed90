// The offline outbox: every action is stored in IndexedDB first, then sent in order, once.
// Entries leave the queue on a 2xx or a definitive 4xx; anything else is retried with backoff.
// Fixes wait in their own store and go up in batches through the native batch API.
import { HttpError, call, deviceId } from "./api.js";
import { add, count, oldest, remove } from "./idb.js";

const FIX_BATCH = 500;
const MAX_BACKOFF_MS = 30000;
const listeners = { applied: [], problem: [], signedOut: [], changed: [] };
let running = null;
let again = false;
let backoff = 1000;
let retryTimer = null;
let paused = false;

export function on(event, handler) {
  listeners[event].push(handler);
}

function emit(event, ...args) {
  for (const handler of listeners[event]) handler(...args);
}

/** Queue one action: JSON body, or multipart with a file (the Blob is kept in IndexedDB). */
export async function enqueue({ url, body, file, fields, label }) {
  const entry = { method: "POST", url, label, queued_at: new Date().toISOString() };
  if (file) entry.multipart = { file, fields };
  else entry.body = body;
  await add("outbox", entry);
  emit("changed");
  sync();
}

const RECORDED = "lastmile.driver.fixesRecorded";

/** Keep a fix for upload; the count of fixes this phone recorded is kept alongside. */
export async function bufferFix(fix) {
  await add("fixes", fix);
  localStorage.setItem(RECORDED, String(Number(localStorage.getItem(RECORDED) || 0) + 1));
  emit("changed");
}

export async function pending() {
  const recorded = Number(localStorage.getItem(RECORDED) || 0);
  return { actions: await count("outbox"), fixes: await count("fixes"), recorded };
}

function payload(entry) {
  if (!entry.multipart) return entry.body;
  const form = new FormData();
  for (const [name, value] of Object.entries(entry.multipart.fields)) form.append(name, value);
  form.append("file", entry.multipart.file, entry.multipart.file.name || "upload");
  return form;
}

function definitive(error) {
  if (!(error instanceof HttpError)) return false;
  if (error.status === 409 && /concurrent/i.test(error.message)) return false;
  return error.status >= 400 && error.status < 500 && error.status !== 401 && error.status !== 408;
}

async function drainActions() {
  for (;;) {
    const [next] = await oldest("outbox", 1);
    if (!next) return;
    const [key, entry] = next;
    try {
      const answer = await call(entry.method, entry.url, payload(entry));
      await remove("outbox", key);
      emit("applied", entry, answer);
    } catch (error) {
      if (error instanceof HttpError && error.status === 401) {
        paused = true;
        emit("signedOut");
        throw error;
      }
      if (!definitive(error)) throw error;
      await remove("outbox", key);
      emit("problem", entry, error);
    }
    emit("changed");
  }
}

async function drainFixes() {
  for (;;) {
    const batch = await oldest("fixes", FIX_BATCH);
    if (!batch.length) return;
    try {
      await call("POST", "/api/v1/driver/fixes", { device_id: deviceId(), fixes: batch.map(([, f]) => f) });
    } catch (error) {
      if (!(error instanceof HttpError) || error.status === 401 || error.status >= 500) throw error;
      emit("problem", { label: "GPS positions" }, error);
    }
    await remove("fixes", batch.map(([key]) => key));
    emit("changed");
  }
}

async function runOnce() {
  await drainActions();
  await drainFixes();
}

/** Send what is queued, in order; one run at a time, re-run when asked during a run. */
export function sync() {
  if (paused || !navigator.onLine) return running || Promise.resolve();
  if (running) {
    again = true;
    return running;
  }
  clearTimeout(retryTimer);
  running = (async () => {
    do {
      again = false;
      try {
        await runOnce();
        backoff = 1000;
      } catch (error) {
        if (!paused) {
          retryTimer = setTimeout(sync, backoff);
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        }
        again = false;
      }
    } while (again && navigator.onLine && !paused);
    running = null;
    emit("changed");
  })();
  return running;
}

export function resume() {
  paused = false;
  sync();
}

window.addEventListener("online", () => {
  backoff = 1000;
  sync();
});
setInterval(sync, 15000);
