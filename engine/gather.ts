/**
 * Gathers items per key into batches with bounded latency and bounded size (as a comet server
 * gathers the messages of one connection into one write), only where it pays: each key counts
 * its items per window of `windowMs`. While the last window saw fewer than `BUSY_ITEMS`, an
 * item goes at once (on the next microtask, with whatever joined it in the same turn), so a
 * quiet or moderate key adds no latency; after a busier window, items wait for the window's
 * end (at most `windowMs`). A batch also goes as soon as it holds `maxItems` items or
 * `maxBytes` bytes. One timer per active key and window; a key whose window saw nothing is
 * forgotten.
 */

export interface GatherOptions {
  /** Longest an item waits for company (ms). */
  windowMs: number;
  /** Items per batch at most (at least 1). */
  maxItems: number;
  /** Bytes per batch at most (a single larger item still goes, alone). */
  maxBytes: number;
}

/** Items in one window that make the next window gather (below it, batches would be ~1). */
export const BUSY_ITEMS = 4;

interface Pending<T> {
  items: T[];
  bytes: number;
  /** Items added in the current window. */
  seen: number;
  /** The last window saw `BUSY_ITEMS` or more: items wait for the window's end. */
  busy: boolean;
  /** A flush on the next microtask is queued. */
  soon: boolean;
}

export class Gather<T> {
  readonly #keys = new Map<string, Pending<T>>();

  constructor(
    private readonly opts: GatherOptions,
    /** Sends one batch (never empty), in the order its items were added. */
    private readonly send: (key: string, items: T[]) => void,
    /** Runs `fn` after `ms` (tests drive windows by hand). */
    private readonly schedule: (fn: () => void, ms: number) => void = (fn, ms) => {
      setTimeout(fn, ms);
    },
  ) {}

  add(key: string, item: T, bytes: number): void {
    let p = this.#keys.get(key);
    if (p === undefined) {
      p = { items: [], bytes: 0, seen: 0, busy: false, soon: false };
      this.#keys.set(key, p);
      this.#arm(key, p);
    } else if (p.items.length > 0 && p.bytes + bytes > this.opts.maxBytes) {
      this.#flush(key, p);
    }
    p.items.push(item);
    p.bytes += bytes;
    p.seen++;
    if (p.items.length >= this.opts.maxItems) this.#flush(key, p);
    else if (!p.busy && !p.soon) {
      p.soon = true;
      const q = p;
      queueMicrotask(() => {
        q.soon = false;
        this.#flush(key, q);
      });
    }
  }

  /** Keys with a window open (for tests and gauges). */
  get keys(): number {
    return this.#keys.size;
  }

  #arm(key: string, p: Pending<T>): void {
    this.schedule(() => {
      this.#flush(key, p);
      if (p.seen === 0) {
        this.#keys.delete(key); // a whole window without items: quiet again
        return;
      }
      p.busy = p.seen >= BUSY_ITEMS;
      p.seen = 0;
      this.#arm(key, p);
    }, this.opts.windowMs);
  }

  #flush(key: string, p: Pending<T>): void {
    if (p.items.length === 0) return;
    const items = p.items;
    p.items = [];
    p.bytes = 0;
    this.send(key, items);
  }
}
