/**
 * Slows password guessing: after `maxFailures` wrong passwords for one username within
 * `windowMs`, further attempts on it are refused (`too_many_attempts`) until the window
 * passes, right password or not. A success clears the count. Per process: with several
 * edges an attacker gets `maxFailures` per edge, still far from a useful guessing rate.
 */
import { AccountError } from "./errors.ts";

export interface LoginThrottleOptions {
  maxFailures?: number;
  windowMs?: number;
  now?: () => number;
}

export class LoginThrottle {
  readonly #failures = new Map<string, number[]>();
  readonly #max: number;
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(opts: LoginThrottleOptions = {}) {
    this.#max = opts.maxFailures ?? 5;
    this.#windowMs = opts.windowMs ?? 15 * 60_000;
    this.#now = opts.now ?? Date.now;
  }

  #recent(key: string): number[] {
    const cutoff = this.#now() - this.#windowMs;
    const list = (this.#failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) this.#failures.set(key, list);
    else this.#failures.delete(key);
    return list;
  }

  /** Throws `too_many_attempts` when `username` is locked out. */
  check(username: string): void {
    if (this.#recent(username.toLowerCase()).length >= this.#max) {
      throw new AccountError("too_many_attempts", "too many wrong passwords; try again later");
    }
  }

  failed(username: string): void {
    const key = username.toLowerCase();
    if (this.#failures.size > 100_000) this.#failures.clear();
    this.#failures.set(key, [...this.#recent(key), this.#now()]);
  }

  succeeded(username: string): void {
    this.#failures.delete(username.toLowerCase());
  }
}
