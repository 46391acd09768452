/**
 * Signed links in notification e-mail: one-click unsubscribe (a user, a kind, a channel; no
 * expiry, as a mail stays in a mailbox for years) and e-mail address verification (a user
 * and the address, valid for a day). A token is `base64url(JSON).base64url(HMAC-SHA256)`
 * under a key derived from the deployment's session secret, so no table holds them.
 */
import {
  NOTIFY_CHANNELS,
  NOTIFY_KINDS,
  type NotifyChannel,
  type NotifyKind,
} from "../../actors/notifications/kinds.ts";

export interface UnsubscribeClaim {
  t: "unsub";
  u: string;
  k: NotifyKind;
  c: NotifyChannel;
}

export interface VerifyClaim {
  t: "verify";
  u: string;
  e: string;
  /** Expiry, ms since the epoch. */
  x: number;
}

type Claim = UnsubscribeClaim | VerifyClaim;

const enc = new TextEncoder();
const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
const fromB64url = (s: string) =>
  Uint8Array.from(atob(s.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));

export const VERIFY_LINK_TTL_MS = 24 * 3600_000;

/** The links' key, derived from `secret` (the session signing secret) for this purpose only. */
async function deriveKey(secret: string): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey(
    "raw",
    enc.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const derived = new Uint8Array(
    await crypto.subtle.sign("HMAC", base, enc.encode("synapse-live notification links v1")),
  );
  return await crypto.subtle.importKey(
    "raw",
    derived,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

export class SignedLinks {
  #key: Promise<CryptoKey> | undefined;

  private constructor(private readonly secret: string) {}

  /**
   * Links signed with a key derived from `secret`, on the first link signed or opened: an idle
   * process runs no HMAC (its code pages stay out of the RSS: issue 18).
   */
  static create(secret: string): Promise<SignedLinks> {
    return Promise.resolve(new SignedLinks(secret));
  }

  private get key(): Promise<CryptoKey> {
    return this.#key ??= deriveKey(this.secret);
  }

  async sign(claim: Claim): Promise<string> {
    const body = b64url(enc.encode(JSON.stringify(claim)));
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await this.key, enc.encode(body)));
    return `${body}.${b64url(mac)}`;
  }

  /** The claim of a token whose signature holds (and, for a verification, not expired). */
  async open(token: string, now = Date.now()): Promise<Claim | undefined> {
    const m = /^([A-Za-z0-9_-]{1,2000})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return undefined;
    let ok = false;
    try {
      ok = await crypto.subtle.verify("HMAC", await this.key, fromB64url(m[2]), enc.encode(m[1]));
    } catch {
      return undefined;
    }
    if (!ok) return undefined;
    let claim: Claim;
    try {
      claim = JSON.parse(new TextDecoder().decode(fromB64url(m[1])));
    } catch {
      return undefined;
    }
    if (claim.t === "unsub") {
      return NOTIFY_KINDS.includes(claim.k) && NOTIFY_CHANNELS.includes(claim.c)
        ? claim
        : undefined;
    }
    if (claim.t === "verify") return claim.x > now ? claim : undefined;
    return undefined;
  }
}
