/**
 * Gathers items per key into batches with bounded latency and bounded size (as a comet server
 * gathers the messages of one connection into one write): the first item after a quiet spell
 * goes at once (on the next microtask, with whatever joined it in the same turn), and for the
 * next `windowMs` its key's items wait for company; a batch also goes as soon as it holds
 * `maxItems` items or `maxBytes` bytes. So a quiet key adds no latency, a busy one at most
 * `windowMs`, and a key sends at most one batch per window plus its full ones. One timer per
 * busy key and window; a key with nothing pending for a whole window is forgotten.
 */

export interface GatherOptions {
  /** Longest an item waits for company (ms). */
  windowMs: number;
  /** Items per batch at most (at least 1). */
  maxItems: number;
  /** Bytes per batch at most (a single larger item still goes, alone). */
  maxBytes: number;
}

interface Pending<T> {
  items: T[];
  bytes: number;
  /** The window's end is armed (items that come now wait for it). */
  timer?: ReturnType<typeof setTimeout>;
}

export class Gather<T> {
  readonly #keys = new Map<string, Pending<T>>();

  constructor(
    private readonly opts: GatherOptions,
    /** Sends one batch (never empty), in the order its items were added. */
    private readonly send: (key: string, items: T[]) => void,
  ) {}

  add(key: string, item: T, bytes: number): void {
    let p = this.#keys.get(key);
    if (p === undefined) {
      // quiet until now: this one goes at once, and opens a window for what follows
      p = { items: [], bytes: 0 };
      this.#keys.set(key, p);
      queueMicrotask(() => this.#leading(key, p!));
    } else if (p.items.length > 0 && p.bytes + bytes > this.opts.maxBytes) {
      this.#flush(key, p);
    }
    p.items.push(item);
    p.bytes += bytes;
    if (p.items.length >= this.opts.maxItems) this.#flush(key, p);
  }

  /** Keys with a window open (for tests and gauges). */
  get keys(): number {
    return this.#keys.size;
  }

  #leading(key: string, p: Pending<T>): void {
    this.#flush(key, p);
    this.#arm(key, p);
  }

  #arm(key: string, p: Pending<T>): void {
    p.timer = setTimeout(() => {
      p.timer = undefined;
      if (p.items.length === 0) {
        this.#keys.delete(key); // a whole window without items: quiet again
        return;
      }
      this.#flush(key, p);
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
