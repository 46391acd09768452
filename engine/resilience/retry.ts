/** Retries with exponential backoff and full jitter. */
import { jitteredDelay } from "./backoff.ts";

export interface RetryPolicy {
  /** Retries after the first attempt (the client caps this at 3). */
  retries: number;
  /** Delay before the first retry; doubles each time. */
  baseDelayMs: number;
  /** Upper bound of one delay. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseDelayMs: 250, maxDelayMs: 4_000 };

/** Delay before retry number `attempt` (0-based) under `policy` (full jitter). */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  return jitteredDelay(attempt, policy.baseDelayMs, policy.maxDelayMs, random);
}

/**
 * Runs `fn` until it succeeds, `isRetryable` says no, or the retries are spent. The last
 * error is rethrown. `onRetry` sees each failed attempt that will be retried.
 */
export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  isRetryable: (err: unknown) => boolean,
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void,
): Promise<T> {
  for (let attempt = 0;; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= policy.retries || !isRetryable(err)) throw err;
      const delay = backoffDelay(policy, attempt);
      onRetry?.(err, attempt, delay);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
