/**
 * Duplicate and flood suppression, on match keys (see `sanitize.ts#matchKey`).
 *
 * - Duplicate: the same user sending a text equal to one of their last few texts within
 *   `duplicateMs` is refused (`duplicate`): copy-paste spam by one person.
 * - Flood: the whole room sending one identical text more than `floodCap` times within
 *   `floodMs` (a "666" wave, a raid): the excess is still counted (it is a signal for the
 *   highlight detector) but not broadcast. The sender is not at fault, so it is not an error.
 *
 * Memory is bounded: entries older than their window are dropped by `sweep` (on the tick),
 * and each map has a hard cap past which the oldest tenth is evicted (under a spam wave of
 * distinct texts the room may then miss a repeat, never grow).
 */
import { evictOldest } from "./bounded_map.ts";

export interface FloodOptions {
  duplicateMs: number;
  /** How many recent texts per user are compared. */
  perUserMemory: number;
  floodMs: number;
  floodCap: number;
  maxUsers: number;
  maxTexts: number;
}

export const DEFAULT_FLOOD_OPTIONS: FloodOptions = {
  duplicateMs: 10_000,
  perUserMemory: 3,
  floodMs: 5_000,
  floodCap: 20,
  maxUsers: 20_000,
  maxTexts: 20_000,
};

export type FloodVerdict = "ok" | "duplicate" | "flood";

interface UserRecent {
  texts: string[];
  ats: number[];
  last: number;
}

interface TextWindow {
  start: number;
  count: number;
}

export class FloodGuard {
  readonly #users = new Map<string, UserRecent>();
  readonly #texts = new Map<string, TextWindow>();

  constructor(readonly opts: FloodOptions = DEFAULT_FLOOD_OPTIONS) {}

  /**
   * Judges one message and records it unless it is a duplicate. A duplicate leaves no
   * trace, so it cannot extend its own suppression window.
   */
  check(user: string, key: string, now: number): FloodVerdict {
    let recent = this.#users.get(user);
    if (recent !== undefined) {
      for (let i = 0; i < recent.texts.length; i++) {
        if (recent.texts[i] === key && now - recent.ats[i] < this.opts.duplicateMs) {
          return "duplicate";
        }
      }
    } else {
      if (this.#users.size >= this.opts.maxUsers) evictOldest(this.#users);
      recent = { texts: [], ats: [], last: now };
      this.#users.set(user, recent);
    }
    if (recent.texts.length >= this.opts.perUserMemory) {
      recent.texts.shift();
      recent.ats.shift();
    }
    recent.texts.push(key);
    recent.ats.push(now);
    recent.last = now;

    let w = this.#texts.get(key);
    if (w === undefined || now - w.start >= this.opts.floodMs) {
      if (w === undefined && this.#texts.size >= this.opts.maxTexts) {
        evictOldest(this.#texts);
      }
      if (w === undefined) {
        w = { start: now, count: 0 };
        this.#texts.set(key, w);
      } else {
        w.start = now;
        w.count = 0;
      }
    }
    w.count++;
    return w.count > this.opts.floodCap ? "flood" : "ok";
  }

  /** Forgets what can no longer affect a verdict at `now`. */
  sweep(now: number): void {
    for (const [user, r] of this.#users) {
      if (now - r.last >= this.opts.duplicateMs) this.#users.delete(user);
    }
    for (const [key, w] of this.#texts) {
      if (now - w.start >= this.opts.floodMs) this.#texts.delete(key);
    }
  }

  get size(): { users: number; texts: number } {
    return { users: this.#users.size, texts: this.#texts.size };
  }
}
