/**
 * The danmaku window: the most recent messages of a room, bounded by count and by age,
 * kept in a ring (no per-message array copying). It answers "history on join" and is
 * persisted so a restarted room still has it. `RateMeter` counts every accepted message
 * (also those the ring has already forgotten) in one-second buckets for the room's rate.
 */
import type { Danmaku } from "./contract.ts";

export interface WindowOptions {
  maxCount: number;
  maxAgeMs: number;
}

export const DEFAULT_WINDOW_OPTIONS: WindowOptions = { maxCount: 200, maxAgeMs: 10 * 60_000 };

export class DanmakuWindow {
  readonly #ring: (Danmaku | undefined)[];
  /** Index of the oldest message. */
  #head = 0;
  #size = 0;

  constructor(readonly opts: WindowOptions = DEFAULT_WINDOW_OPTIONS, initial: Danmaku[] = []) {
    if (opts.maxCount < 1) throw new RangeError("window maxCount must be >= 1");
    this.#ring = new Array(opts.maxCount);
    for (const d of initial.slice(-opts.maxCount)) this.push(d);
  }

  push(d: Danmaku): void {
    const cap = this.#ring.length;
    if (this.#size < cap) {
      this.#ring[(this.#head + this.#size) % cap] = d;
      this.#size++;
    } else {
      this.#ring[this.#head] = d;
      this.#head = (this.#head + 1) % cap;
    }
  }

  /** Drops messages older than `maxAgeMs` at `now`. */
  prune(now: number): void {
    const cap = this.#ring.length;
    while (this.#size > 0 && now - this.#ring[this.#head]!.at > this.opts.maxAgeMs) {
      this.#ring[this.#head] = undefined;
      this.#head = (this.#head + 1) % cap;
      this.#size--;
    }
  }

  /** Up to `limit` most recent messages not older than `maxAgeMs`, oldest first. */
  recent(now: number, limit = this.#ring.length): Danmaku[] {
    this.prune(now);
    const n = Math.min(limit, this.#size);
    const out: Danmaku[] = new Array(n);
    const cap = this.#ring.length;
    const first = this.#head + this.#size - n;
    for (let i = 0; i < n; i++) out[i] = this.#ring[(first + i) % cap]!;
    return out;
  }

  /** Removes every message `drop` selects (e.g. a banned user's), keeping the order. */
  removeWhere(drop: (d: Danmaku) => boolean): number {
    const kept = this.recent(Number.NEGATIVE_INFINITY).filter((d) => !drop(d));
    const removed = this.#size - kept.length;
    if (removed === 0) return 0;
    this.#ring.fill(undefined);
    this.#head = 0;
    this.#size = 0;
    for (const d of kept) this.push(d);
    return removed;
  }

  get size(): number {
    return this.#size;
  }
}

/** Messages per second over the last `seconds` whole seconds (including the current one). */
export class RateMeter {
  readonly #counts: Float64Array;
  readonly #secs: Float64Array;

  constructor(readonly seconds = 10) {
    this.#counts = new Float64Array(seconds);
    this.#secs = new Float64Array(seconds).fill(-1);
  }

  add(now: number, n = 1): void {
    const sec = Math.floor(now / 1000);
    const i = sec % this.seconds;
    if (this.#secs[i] !== sec) {
      this.#secs[i] = sec;
      this.#counts[i] = 0;
    }
    this.#counts[i] += n;
  }

  rate(now: number): number {
    return this.#sum(now) / this.seconds;
  }

  /**
   * Messages per second over the window ending now: the current second counts only for the
   * part of it that has passed. `rate` divides by whole seconds, so early in a second it
   * reads low (down to half a steady rate with a 2-second window), which made a room at
   * 150 msg/s look like 75 for a third of every second and flip its coalescing gap.
   */
  currentRate(now: number): number {
    const elapsed = this.seconds - 1 + (now - Math.floor(now / 1000) * 1000) / 1000;
    return this.#sum(now) / Math.max(0.25, elapsed);
  }

  /** Messages counted in the window's seconds up to and including the current one. */
  #sum(now: number): number {
    const sec = Math.floor(now / 1000);
    let sum = 0;
    for (let i = 0; i < this.seconds; i++) {
      if (sec - this.#secs[i] < this.seconds && this.#secs[i] <= sec) sum += this.#counts[i];
    }
    return sum;
  }
}
