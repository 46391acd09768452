/**
 * Adaptive coalescing (issue 18): how long a room waits after a batch before publishing the
 * next one. Batching is leading-edge either way (the first event after a quiet spell goes out
 * at once); this gap only decides how much a busy room coalesces.
 *
 * Every batch becomes one frame per viewer, so a room costs its edges about
 * `viewers × batches/s` frames a second, and each viewer `batches/s` frames. Coalescing buys
 * CPU with latency, so a room only coalesces where sending each message on its own would not
 * fit: nothing waits more than `minMs` while the room's rate is within a viewer's frame rate
 * (`viewerFramesPerSecond`) and `rate × viewers` within the room's frame budget
 * (`framesPerSecond`, about a core's worth of frames). Messages that arrive while the machine
 * is busy still share a batch (they queue behind the fan-out), so under load the room
 * coalesces by itself without a timer adding to anyone's wait.
 *
 * Past a budget the gap is the shortest that keeps within it: past the viewer's frame rate
 * `1000 / viewerFramesPerSecond` ms (a phone draws at most that many frames a second); past
 * the room's frame budget `viewers × 1000 / framesPerSecond` ms (it grows with the audience),
 * bounded by `maxMs` so a huge room still updates a few times a second.
 *
 * A hot room (past the frame budget and taking more than `hotRatePerSec` messages a second)
 * waits `maxMs`: its viewers already see only a sample (the edge's display budget, 40
 * danmaku/s by default), so more frames would add CPU per message (about `viewers` frames
 * per batch) and nothing a viewer could read; a 250 ms gap keeps a hot room at 4 frames per
 * viewer per second and well inside its 500 ms latency target.
 *
 * Measured (tests/bench/results/fanout.md, 2 cores): a frame costs an edge 8-10 µs of CPU
 * (over half of it the kernel's loopback TCP send), so the default frame budget of 100,000
 * frames/s is about one core: 1,000 viewers at 40 msg/s and 5,000 at 10 msg/s go out a
 * message per frame with no added wait; 5,000 at 40 msg/s coalesce 50 ms.
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
  /** Frames per second one viewer receives at most before the room coalesces (0: no cap). */
  viewerFramesPerSecond: number;
}

export const DEFAULT_COALESCING: CoalescingPolicy = {
  minMs: 5,
  maxMs: 250,
  framesPerSecond: 100_000,
  hotRatePerSec: 100,
  viewerFramesPerSecond: 50,
};

/** The gap after a batch, for a room taking `ratePerSec` messages with `viewers` watching. */
export function coalescingGapMs(
  load: { ratePerSec: number; viewers: number },
  policy: CoalescingPolicy,
): number {
  const viewers = Math.max(0, load.viewers);
  const rate = Math.max(0, load.ratePerSec);
  const overRoomBudget = rate * viewers > policy.framesPerSecond;
  const overViewerRate = policy.viewerFramesPerSecond > 0 &&
    rate > policy.viewerFramesPerSecond;
  if (!overRoomBudget && !overViewerRate) return policy.minMs;
  if (overRoomBudget && rate > policy.hotRatePerSec) return policy.maxMs;
  const forRoom = overRoomBudget ? (viewers * 1000) / policy.framesPerSecond : 0;
  const forViewer = overViewerRate ? 1000 / policy.viewerFramesPerSecond : 0;
  const gap = Math.max(forRoom, forViewer);
  return Math.round(Math.min(policy.maxMs, Math.max(policy.minMs, gap)));
}
