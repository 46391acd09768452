/**
 * Signing in the style of Standard Webhooks: headers `webhook-id` (the event's stable id),
 * `webhook-timestamp` (Unix seconds) and `webhook-signature` = `v1,` + base64 of
 * HMAC-SHA256 over `{id}.{timestamp}.{body}`, keyed with the secret's bytes (the base64 after
 * `whsec_`). Receivers verify with any Standard Webhooks library.
 */

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function keyOf(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    const raw = Uint8Array.from(atob(secret.replace(/^whsec_/, "")), (c) => c.charCodeAt(0));
    key = crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
    if (keys.size > 1000) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

export async function signatureOf(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): Promise<string> {
  const mac = await crypto.subtle.sign(
    "HMAC",
    await keyOf(secret),
    encoder.encode(`${id}.${timestamp}.${body}`),
  );
  return `v1,${btoa(String.fromCharCode(...new Uint8Array(mac)))}`;
}

/** The three headers of a delivery signed now. */
export async function signedHeaders(
  secret: string,
  id: string,
  body: string,
  nowMs = Date.now(),
): Promise<Record<string, string>> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": await signatureOf(secret, id, timestamp, body),
  };
}
