/**
 * A local stand-in for a browser vendor's push service, written from the RFCs (independently
 * of the `web-push` library the server sends with), and the browser's side of a subscription.
 *
 * - RFC 8030: a push message is a POST to the subscription's endpoint with a `TTL` header;
 *   the service answers 201 Created (or 410 Gone for a subscription that no longer exists).
 * - RFC 8292 (VAPID): `Authorization: vapid t=<JWT>, k=<public key>`; the JWT is ES256 over
 *   `{aud: the endpoint's origin, exp: at most 24 h ahead, sub: mailto:/https:}` and must
 *   verify with `k`, which must be the key the subscription was made with.
 * - RFC 8291: the body is one aes128gcm record (RFC 8188) encrypted to the subscription's
 *   P-256 key and auth secret; the stand-in decrypts it with the browser's private key.
 * Anything wrong is answered 400/401/403 and recorded as a refusal.
 */

const enc = new TextEncoder();
const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
const fromB64url = (s: string) =>
  Uint8Array.from(atob(s.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));

/** A browser's subscription: its ECDH key pair and auth secret (RFC 8291 §2). */
export interface BrowserSubscription {
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
  privateKey: CryptoKey;
  publicRaw: Uint8Array;
  authSecret: Uint8Array;
  /** The VAPID key it was made with (`applicationServerKey`). */
  serverKey: string;
}

export interface ReceivedPush {
  subscription: string;
  ttl: string | null;
  topic: string | null;
  urgency: string | null;
  claims: { aud: string; exp: number; sub: string };
  plaintext: string;
}

async function hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, bytes: number) {
  const key = await crypto.subtle.importKey("raw", ikm as BufferSource, "HKDF", false, [
    "deriveBits",
  ]);
  return new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: "HKDF", hash: "SHA-256", salt: salt as BufferSource, info: info as BufferSource },
      key,
      bytes * 8,
    ),
  );
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** RFC 8291 §3.4 + RFC 8188: one record, the padding delimiter 0x02 last. */
async function decrypt(sub: BrowserSubscription, body: Uint8Array): Promise<string> {
  const salt = body.slice(0, 16);
  const rs = new DataView(body.buffer, body.byteOffset + 16, 4).getUint32(0);
  const idlen = body[20];
  const asPublic = body.slice(21, 21 + idlen);
  const ciphertext = body.slice(21 + idlen);
  if (idlen !== 65 || ciphertext.length > rs) throw new Error("bad aes128gcm header");
  const asKey = await crypto.subtle.importKey(
    "raw",
    asPublic as BufferSource,
    { name: "ECDH", namedCurve: "P-256" },
    false,
    [],
  );
  const ecdh = new Uint8Array(
    await crypto.subtle.deriveBits({ name: "ECDH", public: asKey }, sub.privateKey, 256),
  );
  const keyInfo = concat(enc.encode("WebPush: info\0"), sub.publicRaw, asPublic);
  const ikm = await hkdf(sub.authSecret, ecdh, keyInfo, 32);
  const cek = await hkdf(salt, ikm, enc.encode("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(salt, ikm, enc.encode("Content-Encoding: nonce\0"), 12);
  const aes = await crypto.subtle.importKey("raw", cek as BufferSource, "AES-GCM", false, [
    "decrypt",
  ]);
  const plain = new Uint8Array(
    await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: nonce as BufferSource },
      aes,
      ciphertext as BufferSource,
    ),
  );
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (plain[end] !== 2) throw new Error("no last-record padding delimiter");
  return new TextDecoder().decode(plain.slice(0, end));
}

/** RFC 8292 §2-3: the JWT verifies with `k`, its audience is this origin, it expires in ≤ 24 h. */
async function checkVapid(header: string | null, origin: string, expectKey: string) {
  const m = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+),\s*k=([\w-]+)$/.exec(header ?? "");
  if (!m) throw new Error(`no vapid authorization: ${header}`);
  const [t, k] = [m[1], m[2]];
  if (k !== expectKey) throw new Error("k is not the subscription's application server key");
  const [h, p, s] = t.split(".");
  const head = JSON.parse(new TextDecoder().decode(fromB64url(h)));
  if (head.alg !== "ES256") throw new Error(`alg ${head.alg}`);
  const key = await crypto.subtle.importKey(
    "raw",
    fromB64url(k) as BufferSource,
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["verify"],
  );
  const ok = await crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    fromB64url(s) as BufferSource,
    enc.encode(`${h}.${p}`),
  );
  if (!ok) throw new Error("JWT signature does not verify with k");
  const claims = JSON.parse(new TextDecoder().decode(fromB64url(p)));
  const now = Date.now() / 1000;
  if (claims.aud !== origin) throw new Error(`aud ${claims.aud} is not ${origin}`);
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600 + 60)) throw new Error("bad exp");
  if (!/^(mailto:|https:)/.test(claims.sub ?? "")) throw new Error(`bad sub ${claims.sub}`);
  return claims;
}

export interface PushService {
  origin: string;
  received: ReceivedPush[];
  refusals: string[];
  /** A new browser subscription with this service, for the server's VAPID key. */
  subscribe(serverKey: string): Promise<BrowserSubscription>;
  /** Answer 410 Gone to this subscription from now on (its browser unsubscribed). */
  forget(id: string): void;
  close(): Promise<void>;
}

export function startPushService(): PushService {
  const subs = new Map<string, BrowserSubscription>();
  const gone = new Set<string>();
  const received: ReceivedPush[] = [];
  const refusals: string[] = [];
  let n = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const id = /^\/push\/([\w-]+)$/.exec(url.pathname)?.[1] ?? "";
    const sub = subs.get(id);
    if (req.method !== "POST" || !sub) return new Response("no such subscription", { status: 404 });
    if (gone.has(id)) return new Response("gone", { status: 410 });
    try {
      if (!req.headers.get("ttl")) throw new Error("TTL header missing (RFC 8030 §5.2)");
      if (req.headers.get("content-encoding") !== "aes128gcm") throw new Error("not aes128gcm");
      const claims = await checkVapid(req.headers.get("authorization"), url.origin, sub.serverKey);
      const plaintext = await decrypt(sub, new Uint8Array(await req.arrayBuffer()));
      received.push({
        subscription: id,
        ttl: req.headers.get("ttl"),
        topic: req.headers.get("topic"),
        urgency: req.headers.get("urgency"),
        claims,
        plaintext,
      });
      return new Response(null, {
        status: 201,
        headers: { location: `${url.origin}/message/${++n}` },
      });
    } catch (err) {
      refusals.push(String(err));
      return new Response(String(err), { status: 400 });
    }
  });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  return {
    origin,
    received,
    refusals,
    async subscribe(serverKey) {
      const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
        "deriveBits",
      ]) as CryptoKeyPair;
      const publicRaw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
      const authSecret = crypto.getRandomValues(new Uint8Array(16));
      const id = crypto.randomUUID().replaceAll("-", "");
      const sub: BrowserSubscription = {
        id,
        endpoint: `${origin}/push/${id}`,
        keys: { p256dh: b64url(publicRaw), auth: b64url(authSecret) },
        privateKey: pair.privateKey,
        publicRaw,
        authSecret,
        serverKey,
      };
      subs.set(id, sub);
      return sub;
    },
    forget: (id) => gone.add(id),
    close: () => server.shutdown(),
  };
}
