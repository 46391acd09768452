/**
 * Adaptive coalescing (issue 18): how long a room waits after a batch before publishing the
 * next one. Batching is leading-edge either way (the first event after a quiet spell goes out
 * at once); this gap only decides how much a busy room coalesces.
 *
 * Every batch becomes one frame per viewer, so a room costs its edges about
 * `viewers × batches/s` frames a second. While sending each message on its own stays within
 * the room's frame budget (`rate × viewers ≤ framesPerSecond`) the room waits only the
 * minimum: nothing is held back where the machine has room. Past it the gap grows with the
 * audience so the frames stay within the budget (`viewers × 1000 / framesPerSecond` ms),
 * bounded by `maxMs` so a huge room still updates a few times a second.
 */

export interface CoalescingPolicy {
  /** Shortest gap between two batches (ms): quiet and small rooms. */
  minMs: number;
  /** Longest gap (ms): the busiest, largest rooms. */
  maxMs: number;
  /** Frames per second (over all its viewers) a room may cost its edges before it coalesces. */
  framesPerSecond: number;
}

export const DEFAULT_COALESCING: CoalescingPolicy = {
  minMs: 20,
  maxMs: 250,
  framesPerSecond: 50_000,
};

/** The gap after a batch, for a room taking `ratePerSec` messages with `viewers` watching. */
export function coalescingGapMs(
  load: { ratePerSec: number; viewers: number },
  policy: CoalescingPolicy,
): number {
  const viewers = Math.max(0, load.viewers);
  if (Math.max(0, load.ratePerSec) * viewers <= policy.framesPerSecond) return policy.minMs;
  const gap = (viewers * 1000) / policy.framesPerSecond;
  return Math.round(Math.min(policy.maxMs, Math.max(policy.minMs, gap)));
}
