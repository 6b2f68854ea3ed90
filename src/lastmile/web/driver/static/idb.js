// A tiny promise wrapper over IndexedDB: the outbox of actions, buffered fixes, cached state.
const DB_NAME = "lastmile-driver";
const STORES = { outbox: { autoIncrement: true }, fixes: { autoIncrement: true }, kv: {} };
let opened = null;

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export function openDb() {
  if (!opened) {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      for (const [name, options] of Object.entries(STORES)) {
        if (!request.result.objectStoreNames.contains(name)) request.result.createObjectStore(name, options);
      }
    };
    opened = promised(request);
  }
  return opened;
}

async function store(name, mode) {
  return (await openDb()).transaction(name, mode).objectStore(name);
}

export async function add(name, value) {
  return promised((await store(name, "readwrite")).add(value));
}

export async function remove(name, keys) {
  const objects = await store(name, "readwrite");
  for (const key of [].concat(keys)) objects.delete(key);
  return new Promise((resolve, reject) => {
    objects.transaction.oncomplete = () => resolve();
    objects.transaction.onerror = () => reject(objects.transaction.error);
  });
}

export async function count(name) {
  return promised((await store(name, "readonly")).count());
}

/** The oldest `limit` entries as [key, value] pairs, in insertion order. */
export async function oldest(name, limit) {
  const objects = await store(name, "readonly");
  const [keys, values] = await Promise.all([
    promised(objects.getAllKeys(null, limit)),
    promised(objects.getAll(null, limit)),
  ]);
  return keys.map((key, i) => [key, values[i]]);
}

export async function getValue(key) {
  return promised((await store("kv", "readonly")).get(key));
}

export async function setValue(key, value) {
  return promised((await store("kv", "readwrite")).put(value, key));
}
