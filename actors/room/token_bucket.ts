/**
 * Per-user token buckets for chat rate limits: each user may send `burst` messages at
 * once and then `refillPerSec` per second. Memory stays bounded: a bucket that has
 * refilled completely carries no information and is dropped by `sweep`; past `maxUsers`
 * full buckets are swept and, if that is not enough, the oldest tenth is evicted (those
 * users start with a full bucket again, which errs on the side of letting chat through).
 */
import { evictOldest } from "./bounded_map.ts";

export interface TokenBucketOptions {
  burst: number;
  refillPerSec: number;
  maxUsers: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  /** In insertion order (first message of a user since their bucket was last dropped). */
  readonly #buckets = new Map<string, Bucket>();
  readonly #refillPerMs: number;

  constructor(readonly opts: TokenBucketOptions) {
    if (opts.burst < 1 || opts.refillPerSec <= 0 || opts.maxUsers < 1) {
      throw new RangeError("token bucket needs burst >= 1, refillPerSec > 0, maxUsers >= 1");
    }
    this.#refillPerMs = opts.refillPerSec / 1000;
  }

  /**
   * Takes one token for `user` at time `now` (ms). Returns 0 when granted, otherwise the
   * milliseconds until a token will be available.
   */
  take(user: string, now: number): number {
    const b = this.#buckets.get(user);
    if (b === undefined) {
      if (this.#buckets.size >= this.opts.maxUsers) {
        this.sweep(now);
        if (this.#buckets.size >= this.opts.maxUsers) evictOldest(this.#buckets);
      }
      this.#buckets.set(user, { tokens: this.opts.burst - 1, at: now });
      return 0;
    }
    const tokens = Math.min(
      this.opts.burst,
      b.tokens + Math.max(0, now - b.at) * this.#refillPerMs,
    );
    b.at = Math.max(b.at, now);
    if (tokens >= 1) {
      b.tokens = tokens - 1;
      return 0;
    }
    b.tokens = tokens;
    return Math.ceil((1 - tokens) / this.#refillPerMs);
  }

  /** Drops buckets that are full again at `now`: they behave exactly like absent ones. */
  sweep(now: number): void {
    for (const [user, b] of this.#buckets) {
      if (b.tokens + (now - b.at) * this.#refillPerMs >= this.opts.burst) {
        this.#buckets.delete(user);
      }
    }
  }

  get size(): number {
    return this.#buckets.size;
  }
}
