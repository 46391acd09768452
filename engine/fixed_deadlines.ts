/**
 * Deadlines that all have the same length (a client's request timeout), kept with one timer
 * instead of one per request. Every deadline is "added + `ms`", so they fall due in the order
 * they were added: a FIFO queue and a timer armed for its head are enough. Answers mostly come
 * back in the order asked (a mailbox is FIFO), so cancelled entries are usually at the head
 * and are dropped at once; the queue stays about as long as the requests in flight.
 */
interface Entry {
  at: number;
  onExpire: () => void;
  done: boolean;
}

export interface Deadline {
  /** The answer came in time: the deadline will not fire. */
  cancel(): void;
}

export class FixedDeadlines {
  #queue: Entry[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly ms: number) {}

  /** Calls `onExpire` once `ms` from now unless cancelled before. */
  add(onExpire: () => void): Deadline {
    const entry: Entry = { at: performance.now() + this.ms, onExpire, done: false };
    this.#queue.push(entry);
    if (this.#timer === undefined) this.#arm(this.ms);
    return {
      cancel: () => {
        entry.done = true;
        this.#dropDone();
      },
    };
  }

  /** Requests waiting for their answer. */
  get size(): number {
    let n = 0;
    for (let i = this.#head; i < this.#queue.length; i++) if (!this.#queue[i].done) n++;
    return n;
  }

  #dropDone(): void {
    while (this.#head < this.#queue.length && this.#queue[this.#head].done) this.#head++;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
      // nothing waits: no timer (it would keep the process alive for nothing)
      clearTimeout(this.#timer);
      this.#timer = undefined;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, delayMs));
  }

  #fire(): void {
    this.#timer = undefined;
    const now = performance.now();
    while (this.#head < this.#queue.length) {
      const e = this.#queue[this.#head];
      if (!e.done && e.at > now) break;
      this.#head++;
      if (!e.done) {
        e.done = true;
        e.onExpire();
      }
    }
    this.#dropDone();
    if (this.#head < this.#queue.length) this.#arm(this.#queue[this.#head].at - now);
  }
}
