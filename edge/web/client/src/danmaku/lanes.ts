/**
 * Where a flying danmaku may go without touching another (pure, so it is unit-tested). Every
 * danmaku crosses the layer in the same time, so a longer one moves faster ("speed by
 * length"): it must neither start before the previous one in its lane has fully entered (plus
 * a gap) nor catch up with it before that one has left on the left.
 */

/** One danmaku on its way, in layer pixels and milliseconds. */
export interface Flight {
  lane: number;
  width: number;
  /** When it entered at the right edge. */
  startedAt: number;
  durationMs: number;
  /** Time spent paused so far (hover), and since when it is paused now. */
  pausedMs: number;
  pausedSince?: number;
  /** Milliseconds it has really moved, when its renderer knows better than the clock (a CSS
   * animation starts a frame or more after it was asked to). */
  elapsed?: () => number;
  /** It has left (its element is gone). */
  done?: boolean;
}

/** Pixels per millisecond: the whole layer width plus its own width in `durationMs`. */
export const speedOf = (layerWidth: number, width: number, durationMs: number) =>
  (layerWidth + width) / durationMs;

/** Left edge of `f` at time `now` (the layer's right edge is `layerWidth`). */
export function leftAt(f: Flight, layerWidth: number, now: number): number {
  const paused = f.pausedMs + (f.pausedSince === undefined ? 0 : now - f.pausedSince);
  const moving = f.elapsed ? f.elapsed() : Math.max(0, now - f.startedAt - paused);
  return layerWidth - speedOf(layerWidth, f.width, f.durationMs) * moving;
}

/** Has `f` left the layer on the left? */
export const gone = (f: Flight, layerWidth: number, now: number) =>
  f.done === true || (f.pausedSince === undefined && leftAt(f, layerWidth, now) + f.width < 0);

/**
 * Can a new danmaku (`width`, `durationMs`) enter a lane whose last flight is `prev` at
 * `now`, keeping at least `gap` pixels between them for as long as both are on screen?
 */
export function fitsAfter(
  prev: Flight | undefined,
  width: number,
  durationMs: number,
  layerWidth: number,
  now: number,
  gap: number,
): boolean {
  if (!prev || gone(prev, layerWidth, now)) return true;
  if (prev.pausedSince !== undefined) return false; // a paused one holds its lane
  const prevRight = leftAt(prev, layerWidth, now) + prev.width;
  if (prevRight + gap > layerWidth) return false; // not fully in yet
  const vPrev = speedOf(layerWidth, prev.width, prev.durationMs);
  const vNew = speedOf(layerWidth, width, durationMs);
  if (vNew <= vPrev) return true; // never gains on it
  // Both move linearly: checking the moment the previous one leaves is enough.
  const leavesIn = prevRight / vPrev;
  return layerWidth - vNew * leavesIn >= gap;
}

/** The topmost lane among `laneCount` where the new danmaku fits, or -1 (skip it). */
export function pickLane(
  lastInLane: readonly (Flight | undefined)[],
  laneCount: number,
  width: number,
  durationMs: number,
  layerWidth: number,
  now: number,
  gap: number,
): number {
  for (let lane = 0; lane < laneCount; lane++) {
    if (fitsAfter(lastInLane[lane], width, durationMs, layerWidth, now, gap)) return lane;
  }
  return -1;
}
