// Checking a delivery code on the phone without holding it: the server sends, per stop, a salt,
// an iteration count and the PBKDF2-SHA256 of the code; the typed code must derive the same bits.

const hexOf = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
const bytesOf = (hex) => new Uint8Array(hex.match(/../g).map((pair) => parseInt(pair, 16)));

/** Whether the phone can check this stop's code itself (WebCrypto needs a secure context). */
export function canCheck(stop) {
  return Boolean(stop.code_check && globalThis.crypto?.subtle);
}

/** "match" or "mismatch"; call only when canCheck(stop). */
export async function checkCode(stop, code) {
  const { salt_hex: salt, iterations, pbkdf2_hex: expected } = stop.code_check;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(code), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: bytesOf(salt), iterations }, key, 256);
  return hexOf(bits) === expected ? "match" : "mismatch";
}
