/**
 * The co-host's first-in first-out input queue with the stale policy: when the next input is
 * taken, inputs that waited past `maxWaitMs` are skipped, and if more than `maxQueue` still
 * wait, the oldest beyond that are skipped too. Skips are counted and reported.
 */
import type { CoHostInput } from "./events.ts";
import type { StalePolicy } from "./persona.ts";

export interface Taken {
  /** Null when nothing is left after the skips. */
  input: CoHostInput | null;
  stale: number;
  overflow: number;
}

export class InputQueue {
  #items: CoHostInput[] = [];
  #head = 0;

  constructor(public policy: StalePolicy) {}

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(input: CoHostInput): void {
    this.#items.push(input);
  }

  /** Waiting inputs, oldest first (a copy). */
  list(): CoHostInput[] {
    return this.#items.slice(this.#head);
  }

  /** The newest `n` waiting inputs, oldest first (a copy). */
  tail(n: number): CoHostInput[] {
    return this.#items.slice(Math.max(this.#head, this.#items.length - n));
  }

  /** Removes one waiting input by id (the streamer skipped it). */
  remove(id: string): boolean {
    const i = this.#items.findIndex((x, k) => k >= this.#head && x.id === id);
    if (i < 0) return false;
    this.#items.splice(i, 1);
    return true;
  }

  clear(): number {
    const n = this.length;
    this.#items = [];
    this.#head = 0;
    return n;
  }

  /** The next input to answer under the stale policy, with the skips it made. */
  take(now: number): Taken {
    let stale = 0;
    let overflow = 0;
    while (this.length > 0 && now - this.#items[this.#head].at > this.policy.maxWaitMs) {
      this.#head++;
      stale++;
    }
    const excess = this.length - this.policy.maxQueue;
    if (excess > 0) {
      this.#head += excess;
      overflow = excess;
    }
    const input = this.length > 0 ? this.#items[this.#head++] : null;
    this.#compact();
    return { input, stale, overflow };
  }

  #compact(): void {
    if (this.#head > 64 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
