/**
 * Slows password guessing: after `maxFailures` wrong passwords for one account within
 * `windowMs`, further attempts on it are refused (`too_many_attempts`) until the window
 * passes, right password or not. A success clears the count. Keys are opaque: the login
 * resolves the name first and counts per account id, so no spelling of a name gets attempts
 * of its own. Per process: with several
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

  /** Throws `too_many_attempts` when `key` is locked out. */
  check(key: string): void {
    if (this.#recent(key).length >= this.#max) {
      throw new AccountError("too_many_attempts", "too many wrong passwords; try again later");
    }
  }

  failed(key: string): void {
    if (this.#failures.size > 100_000) this.#failures.clear();
    this.#failures.set(key, [...this.#recent(key), this.#now()]);
  }

  succeeded(key: string): void {
    this.#failures.delete(key);
  }
}
