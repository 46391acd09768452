/**
 * Chat replay on the VOD timeline: which wall-clock span a range of VOD offsets covers, the
 * inverse of `vodOffsetOf` in `vod.ts`. A message sent in a hole between two segments (a gap:
 * pause, encoder restart) maps, like a highlight, to the start of the next segment, so the
 * span of a range starting exactly at a segment's offset begins at the previous segment's end.
 */
import { type Timeline, vodOffsetOf } from "../actors/recording/timeline.ts";

/**
 * The wall-clock instant where VOD offset `offsetMs` begins, such that a message at `at`
 * has `vodOffsetOf(at) >= offsetMs` about when `at >= wallAtOffset(offsetMs)`: the range
 * `[from, to)` of offsets is the wall span `[wallAtOffset(from), wallAtOffset(to))`.
 */
export function wallAtOffset(t: Timeline, offsetMs: number): number {
  const segs = t.segments;
  if (segs.length === 0) return t.recording.startedAt;
  if (offsetMs <= 0) return Math.min(t.recording.startedAt, segs[0].startAt);
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    if (offsetMs === s.offsetMs) return i === 0 ? s.startAt : segs[i - 1].endAt;
    if (offsetMs < s.offsetMs + s.durationMs) return s.startAt + (offsetMs - s.offsetMs);
  }
  // past the last segment: its end is included (`vodOffsetOf` maps it to the duration)
  return segs[segs.length - 1].endAt + 1;
}

/** A message's VOD offset, kept inside the range it was read for. */
export function offsetInRange(t: Timeline, at: number, fromMs: number, toMs: number): number {
  return Math.max(fromMs, Math.min(toMs - 1, vodOffsetOf(t, at)));
}
