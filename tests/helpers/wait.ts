/** Polling helpers shared by the end-to-end tests (they wait with a bound; they never
 * assert how long something took). */

export interface WaitOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Time between tries (default 100 ms). */
  stepMs?: number;
  /** Treat a thrown error as "not yet" (a server still starting, say). */
  retryErrors?: boolean;
}

/** Calls `fn` until it returns something other than `undefined`, and returns that. */
export async function waitForValue<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  opts: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (true) {
    const v = opts.retryErrors ? await fn().catch(() => undefined) : await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, opts.stepMs ?? 100));
  }
}
