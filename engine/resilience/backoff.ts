/** Restart delays for crash loops: none for an isolated crash, then doubling up to a cap. */
export class CrashBackoff {
  #crashes = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly baseMs = 100,
    private readonly maxMs = 30_000,
    /** Crashes further apart than this start a new count. */
    private readonly windowMs = 60_000,
  ) {}

  /** Records a crash of `key` at `now` and returns how long to wait before restarting. */
  next(key: string, now: number): number {
    const prev = this.#crashes.get(key);
    const entry = prev && now - prev.since < this.windowMs
      ? { count: prev.count + 1, since: prev.since }
      : { count: 1, since: now };
    this.#crashes.set(key, entry);
    if (entry.count === 1) return 0;
    return Math.min(this.maxMs, this.baseMs * 2 ** (entry.count - 2));
  }

  crashes(key: string): number {
    return this.#crashes.get(key)?.count ?? 0;
  }

  forget(key: string): void {
    this.#crashes.delete(key);
  }
}

/**
 * Exponential backoff with full jitter, for retries of remote calls: uniform in
 * [0, min(max, base·2^attempt)] for retry number `attempt` (0-based), whole milliseconds.
 */
export function jitteredDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  return Math.round(random() * Math.min(maxMs, baseMs * 2 ** attempt));
}
