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
 *
 * The budget is a share of a core only while the machine has one to spare. When the
 * machine's CPU is nearly all busy (`idleShare`, read by the host from /proc/stat: less
 * than `idleForFullBudget` of it idle), the room's frame budget shrinks in proportion, down
 * to `busyBudgetShare` of it: a room then coalesces where every frame it saves is CPU
 * something else on the machine is waiting for, and stops as soon as the machine has room
 * again. With the machine's idle share unknown (no /proc) the full budget applies.
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
  /** Idle share of the machine's CPU (0..1) below which the frame budget shrinks in
   * proportion (0: the budget never depends on the machine). */
  idleForFullBudget: number;
  /** The least share of `framesPerSecond` a room keeps on a saturated machine (0..1). */
  busyBudgetShare: number;
}

export const DEFAULT_COALESCING: CoalescingPolicy = {
  minMs: 5,
  maxMs: 250,
  framesPerSecond: 100_000,
  hotRatePerSec: 100,
  viewerFramesPerSecond: 50,
  idleForFullBudget: 0.2,
  busyBudgetShare: 0.25,
};

/** The room's frame budget on a machine `idleShare` idle (undefined: unknown). */
export function frameBudget(idleShare: number | undefined, policy: CoalescingPolicy): number {
  if (idleShare === undefined || !(policy.idleForFullBudget > 0)) return policy.framesPerSecond;
  const share = Math.min(1, Math.max(policy.busyBudgetShare, idleShare / policy.idleForFullBudget));
  return policy.framesPerSecond * share;
}

/**
 * The gap after a batch, for a room taking `ratePerSec` messages with `viewers` watching, on
 * a machine whose CPU is `idleShare` idle (undefined: unknown, the full frame budget).
 */
export function coalescingGapMs(
  load: { ratePerSec: number; viewers: number; idleShare?: number },
  policy: CoalescingPolicy,
): number {
  const viewers = Math.max(0, load.viewers);
  const rate = Math.max(0, load.ratePerSec);
  const budget = frameBudget(load.idleShare, policy);
  const overRoomBudget = rate * viewers > budget;
  const overViewerRate = policy.viewerFramesPerSecond > 0 &&
    rate > policy.viewerFramesPerSecond;
  if (!overRoomBudget && !overViewerRate) return policy.minMs;
  // hot: past the full budget however idle the machine is
  if (rate * viewers > policy.framesPerSecond && rate > policy.hotRatePerSec) return policy.maxMs;
  const forRoom = overRoomBudget ? (viewers * 1000) / budget : 0;
  const forViewer = overViewerRate ? 1000 / policy.viewerFramesPerSecond : 0;
  const gap = Math.max(forRoom, forViewer);
  return Math.round(Math.min(policy.maxMs, Math.max(policy.minMs, gap)));
}
