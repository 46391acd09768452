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
 *
 * A hot room (past the frame budget and taking more than `hotRatePerSec` messages a second)
 * waits `maxMs`: its viewers already see only a sample (the edge's display budget, 40
 * danmaku/s by default), so more frames would add CPU per message (about `viewers` frames
 * per batch) and nothing a viewer could read; a 250 ms gap keeps a hot room at 4 frames per
 * viewer per second and well inside its 500 ms latency target. Below that rate the
 * audience alone decides, so fan-out at chat rates keeps its latency.
 */

export interface CoalescingPolicy {
  /** Shortest gap between two batches (ms): quiet and small rooms. */
  minMs: number;
  /** Longest gap (ms): the busiest, largest rooms. */
  maxMs: number;
  /** Frames per second (over all its viewers) a room may cost its edges before it coalesces. */
  framesPerSecond: number;
  /** Messages per second past which a room over its frame budget coalesces `maxMs`. */
  hotRatePerSec: number;
}

export const DEFAULT_COALESCING: CoalescingPolicy = {
  minMs: 20,
  maxMs: 250,
  framesPerSecond: 50_000,
  hotRatePerSec: 100,
};

/** The gap after a batch, for a room taking `ratePerSec` messages with `viewers` watching. */
export function coalescingGapMs(
  load: { ratePerSec: number; viewers: number },
  policy: CoalescingPolicy,
): number {
  const viewers = Math.max(0, load.viewers);
  const rate = Math.max(0, load.ratePerSec);
  if (rate * viewers <= policy.framesPerSecond) return policy.minMs;
  if (rate > policy.hotRatePerSec) return policy.maxMs;
  const gap = (viewers * 1000) / policy.framesPerSecond;
  return Math.round(Math.min(policy.maxMs, Math.max(policy.minMs, gap)));
}
