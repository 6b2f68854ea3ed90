// The driver API: the session token, authorised requests, actions and their problems.
const TOKEN_KEY = "lastmile.driver.session";

export function session() {
  try {
    return JSON.parse(localStorage.getItem(TOKEN_KEY) || "null");
  } catch {
    return null;
  }
}

export function saveSession(value) {
  if (value) localStorage.setItem(TOKEN_KEY, JSON.stringify(value));
  else localStorage.removeItem(TOKEN_KEY);
}

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function deviceId() {
  let id = localStorage.getItem("lastmile.driver.device");
  if (!id) {
    id = `pwa-${uuid()}`;
    localStorage.setItem("lastmile.driver.device", id);
  }
  return id;
}

export class HttpError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/** Fetch with the driver's token; JSON in and out; a problem answer throws HttpError. */
export async function call(method, url, body) {
  const headers = { Accept: "application/json" };
  const token = session()?.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const response = await fetch(url, { method, headers, body: payload, cache: "no-store" });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new HttpError(response.status, data);
  return data;
}

/** The fields every action carries: a fresh id, the phone's clock, where the phone is. */
export function actionFields(position) {
  const fields = { action_id: uuid(), at: new Date().toISOString() };
  if (position) fields.position = { lat: position.lat, lon: position.lon, accuracy_m: position.accuracy_m };
  return fields;
}
