/**
 * Per-client-IP limits of one edge: concurrent viewer WebSockets (`too_many_connections`),
 * guest sessions (`POST /api/session/guest`) and password attempts (`/api/auth/login`,
 * `/api/auth/register`) through token buckets (`rate_limited` + `Retry-After`).
 *
 * The client IP is the TCP peer's address, or - only when `EDGE_TRUSTED_PROXIES` says the
 * edge sits behind that many reverse proxies - the address those proxies wrote into
 * `X-Forwarded-For`. IPv6 clients are keyed by their /64 (one subscriber's usual prefix), so
 * rotating addresses inside it buys nothing.
 *
 * Memory stays bounded: a connection entry disappears with the IP's last socket; a bucket
 * that has refilled to its burst is dropped by a periodic sweep (it is the same as a new
 * one), and past `maxEntries` the least recently used are evicted (an evicted address starts
 * again with a full bucket: the cap trades precision for memory under a flood). Limits are per
 * edge process; the room actors' per-user limits still apply behind them.
 */
import type { Context } from "hono";
import type { EdgeConfig } from "./config.ts";
import { metrics } from "../engine/metrics.ts";
import { jsonError } from "./http_errors.ts";

export type IpRefusalReason = "too_many_connections" | "guest_rate_limited" | "auth_rate_limited";

/** Prometheus: requests refused by these limits, by `reason`. */
export const ipRefusals = metrics.counter(
  "synapse_ip_refusals_total",
  "Requests refused by per-client-IP limits, by reason " +
    "(too_many_connections, guest_rate_limited, auth_rate_limited)",
);

/** Largest number of bucket entries one table keeps (LRU eviction beyond). */
export const DEFAULT_MAX_IP_ENTRIES = 100_000;

export type TakeResult = { ok: true } | { ok: false; retryAfterS: number };

export interface TokenBucketOptions {
  /** Bucket size: attempts allowed at once from a fresh IP. 0: unlimited. */
  burst: number;
  /** Refill rate, tokens per minute. */
  perMinute: number;
  /** Hard cap on entries (least recently used evicted first). */
  maxEntries?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** One token bucket per key (client IP), bounded in memory. */
export class IpTokenBuckets {
  readonly #entries = new Map<string, Bucket>();
  readonly #burst: number;
  readonly #perMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  /** Time an empty bucket takes to refill completely: entries idle that long are dropped. */
  readonly #refillMs: number;
  #lastSweep: number;

  constructor(opts: TokenBucketOptions) {
    if (opts.burst > 0 && !(opts.perMinute > 0)) {
      throw new RangeError("perMinute must be positive when burst is set");
    }
    this.#burst = opts.burst;
    this.#perMs = opts.perMinute / 60_000;
    this.#maxEntries = Math.max(1, opts.maxEntries ?? DEFAULT_MAX_IP_ENTRIES);
    this.#now = opts.now ?? Date.now;
    this.#refillMs = this.#burst > 0 ? Math.ceil(this.#burst / this.#perMs) : 0;
    this.#lastSweep = this.#now();
  }

  get enabled(): boolean {
    return this.#burst > 0;
  }

  /** Entries held (for tests and debugging). */
  get size(): number {
    return this.#entries.size;
  }

  /** Take one token for `key`, or say how many seconds until one is available. */
  take(key: string): TakeResult {
    if (!this.enabled) return { ok: true };
    const now = this.#now();
    if (now - this.#lastSweep >= this.#refillMs) this.sweep(now);
    const found = this.#entries.get(key);
    const bucket = found
      ? { tokens: Math.min(this.#burst, found.tokens + (now - found.at) * this.#perMs), at: now }
      : { tokens: this.#burst, at: now };
    // Re-inserted so that Map order is least recently used first.
    this.#entries.delete(key);
    let result: TakeResult;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      result = { ok: true };
    } else {
      result = {
        ok: false,
        retryAfterS: Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perMs / 1000)),
      };
    }
    this.#entries.set(key, bucket);
    if (this.#entries.size > this.#maxEntries) this.#shrink(now);
    return result;
  }

  /**
   * Over the cap: sweep, then evict the least recently used down to 90% of it. Evicting in
   * bulk keeps the cost per take constant on average (a Map's oldest entry is found by
   * iterating past the slots of deleted ones, so one-at-a-time eviction degrades).
   */
  #shrink(now: number): void {
    this.sweep(now);
    const target = Math.floor(this.#maxEntries * 0.9);
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= target) break;
      this.#entries.delete(key);
    }
  }

  /** Drop every bucket that has refilled to its burst; returns how many were dropped. */
  sweep(now = this.#now()): number {
    this.#lastSweep = now;
    let dropped = 0;
    for (const [key, b] of this.#entries) {
      if (b.tokens + (now - b.at) * this.#perMs >= this.#burst) {
        this.#entries.delete(key);
        dropped++;
      }
    }
    return dropped;
  }
}

/** Open connections per key; an entry lives exactly as long as the key has a connection. */
export class IpConnections {
  readonly #counts = new Map<string, number>();

  /** `max` 0: unlimited (still counted). */
  constructor(readonly max: number) {}

  get size(): number {
    return this.#counts.size;
  }

  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  /** True when `key` may not open another connection. */
  full(key: string): boolean {
    return this.max > 0 && this.count(key) >= this.max;
  }

  /** A slot for `key` and its (idempotent) release, or null when the key is at its cap. */
  tryAcquire(key: string): (() => void) | null {
    if (this.full(key)) return null;
    this.#counts.set(key, this.count(key) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = this.count(key) - 1;
      if (n > 0) this.#counts.set(key, n);
      else this.#counts.delete(key);
    };
  }
}

// --- client addresses

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Eight 16-bit groups of an IPv6 address, or null when `s` is not one. */
function ipv6Groups(s: string): number[] | null {
  let text = s.replace(/%.*$/, ""); // zone id
  let tail: number[] = [];
  const v4 = /:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (v4) {
    const key = ipv4(v4[1]);
    if (!key) return null;
    const o = key.split(".").map(Number);
    tail = [(o[0] << 8) | o[1], (o[2] << 8) | o[3]];
    text = text.slice(0, v4.index + 1) + "0:0"; // placeholder groups, replaced below
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => part === "" ? [] : part.split(":");
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  const groups = all.map((g) => parseInt(g, 16));
  if (tail.length) groups.splice(6, 2, ...tail);
  return groups;
}

function ipv4(s: string): string | null {
  const m = IPV4.exec(s);
  if (!m) return null;
  const o = m.slice(1).map(Number);
  return o.every((n) => n <= 255) ? o.join(".") : null;
}

/**
 * The limiter key of an address: IPv4 as dotted quad, IPv4-mapped IPv6 as its IPv4, other
 * IPv6 as its /64 (`2001:db8:0:1::/64`); null when `raw` is not an IP address.
 */
export function ipKey(raw: string): string | null {
  const s = raw.trim().replace(/^\[(.*)\]$/, "$1");
  const v4 = ipv4(s);
  if (v4) return v4;
  const g = ipv6Groups(s);
  if (!g) return null;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return [g[6] >> 8, g[6] & 255, g[7] >> 8, g[7] & 255].join(".");
  }
  return `${g.slice(0, 4).map((x) => x.toString(16)).join(":")}::/64`;
}

/**
 * The client's address key. `remote` is the TCP peer. With `trustedProxies` = n > 0, the
 * last n hops are our proxies: the client is the n-th `X-Forwarded-For` entry from the
 * right (the leftmost if there are fewer), as long as it is an IP address. With 0, the
 * header is ignored: anyone can write it.
 */
export function clientIpKey(
  remote: string | undefined,
  forwardedFor: string | undefined,
  trustedProxies: number,
): string {
  if (trustedProxies > 0 && forwardedFor) {
    const hops = forwardedFor.split(",").map((h) => h.trim()).filter((h) => h !== "");
    if (hops.length > 0) {
      const candidate = hops[Math.max(0, hops.length - trustedProxies)];
      const key = ipKey(candidate);
      if (key) return key;
    }
  }
  return (remote && ipKey(remote)) || remote || "unknown";
}

/** The TCP peer of a request served by `Deno.serve(app.fetch)` (Hono's `c.env`). */
export function remoteAddress(c: Context): string | undefined {
  const info = c.env as Partial<Deno.ServeHandlerInfo> | undefined;
  const addr = info?.remoteAddr as Deno.NetAddr | undefined;
  return addr && "hostname" in addr ? addr.hostname : undefined;
}

// --- the edge's limits

export interface IpLimitsOptions {
  /** Concurrent viewer sockets per client IP (0: unlimited). */
  wsPerIp: number;
  guestBurst: number;
  guestPerMinute: number;
  authBurst: number;
  authPerMinute: number;
  /** Reverse proxies in front of the edge that append to X-Forwarded-For (0: none). */
  trustedProxies: number;
  maxEntries?: number;
  now?: () => number;
}

export function ipLimitsFromConfig(
  config: Pick<
    EdgeConfig,
    | "EDGE_WS_PER_IP"
    | "EDGE_GUEST_BURST"
    | "EDGE_GUEST_PER_MIN"
    | "EDGE_AUTH_BURST"
    | "EDGE_AUTH_PER_MIN"
    | "EDGE_TRUSTED_PROXIES"
  >,
): IpLimitsOptions {
  return {
    wsPerIp: config.EDGE_WS_PER_IP,
    guestBurst: config.EDGE_GUEST_BURST,
    guestPerMinute: config.EDGE_GUEST_PER_MIN,
    authBurst: config.EDGE_AUTH_BURST,
    authPerMinute: config.EDGE_AUTH_PER_MIN,
    trustedProxies: config.EDGE_TRUSTED_PROXIES,
  };
}

export class IpLimits {
  readonly connections: IpConnections;
  readonly guests: IpTokenBuckets;
  readonly auth: IpTokenBuckets;

  constructor(readonly opts: IpLimitsOptions) {
    const common = { maxEntries: opts.maxEntries, now: opts.now };
    this.connections = new IpConnections(opts.wsPerIp);
    this.guests = new IpTokenBuckets({
      burst: opts.guestBurst,
      perMinute: opts.guestPerMinute,
      ...common,
    });
    this.auth = new IpTokenBuckets({
      burst: opts.authBurst,
      perMinute: opts.authPerMinute,
      ...common,
    });
  }

  /** The limiter key of the request's client. */
  clientIp(c: Context): string {
    return clientIpKey(
      remoteAddress(c),
      c.req.header("x-forwarded-for"),
      this.opts.trustedProxies,
    );
  }

  /**
   * A viewer socket slot for the request's client (release it when the socket closes), or
   * the 429 `too_many_connections` response (counted as a refusal).
   */
  connection(c: Context): { release: () => void } | { refused: Response } {
    const ip = this.clientIp(c);
    const release = this.connections.tryAcquire(ip);
    if (release) return { release };
    ipRefusals.inc({ reason: "too_many_connections" });
    return { refused: this.#tooManyConnections(c) };
  }

  /** The 429 a plain GET of a socket URL gets while its client is at the cap, else null. */
  connectionProbe(c: Context): Response | null {
    return this.connections.full(this.clientIp(c)) ? this.#tooManyConnections(c) : null;
  }

  /** null when the client may mint a guest session, else the 429 `rate_limited`. */
  guestSession(c: Context): Response | null {
    return this.#take(c, this.guests, "guest_rate_limited", "guest sessions");
  }

  /** null when the client may try to sign in or register, else the 429 `rate_limited`. */
  authAttempt(c: Context): Response | null {
    return this.#take(c, this.auth, "auth_rate_limited", "sign-in attempts");
  }

  #tooManyConnections(c: Context): Response {
    return jsonError(
      c,
      429,
      "too_many_connections",
      `at most ${this.connections.max} open connections from one address; close one and retry`,
    );
  }

  #take(
    c: Context,
    buckets: IpTokenBuckets,
    reason: IpRefusalReason,
    what: string,
  ): Response | null {
    if (!buckets.enabled) return null;
    const r = buckets.take(this.clientIp(c));
    if (r.ok) return null;
    ipRefusals.inc({ reason });
    c.header("Retry-After", String(r.retryAfterS));
    return jsonError(
      c,
      429,
      "rate_limited",
      `too many ${what} from your address; retry in ${r.retryAfterS} s`,
    );
  }
}
