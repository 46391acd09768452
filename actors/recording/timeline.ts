/**
 * A recording's timeline: its valid segments laid end to end (offsets from the first
 * segment, discontinuities after gaps), and wall-clock instants and spans mapped onto VOD
 * offsets. Pure functions over the recording index's rows.
 */
import type { GapRow, RecordingRow, SegmentRow } from "./recording_index.ts";

/** A hole longer than this between two segments is shown as a discontinuity. */
const GAP_TOLERANCE_MS = 1_000;

export interface TimelineSegment {
  seq: number;
  key: string;
  startAt: number;
  endAt: number;
  durationMs: number;
  /** Where the segment starts in the VOD. */
  offsetMs: number;
  /** A gap precedes this segment (encoder restart, pause, lost source). */
  discontinuity: boolean;
}

export interface Timeline {
  recording: RecordingRow;
  segments: TimelineSegment[];
  gaps: GapRow[];
  /** Playable length (sum of segment durations). */
  durationMs: number;
}

/** Any span with wall-clock start/end (a room highlight). */
export interface WallSpan {
  id: string;
  startAt: number;
  endAt: number;
  score?: number;
}

export interface VodSpan {
  id: string;
  startOffsetMs: number;
  endOffsetMs: number;
  score?: number;
}

export function buildTimeline(
  recording: RecordingRow,
  rows: SegmentRow[],
  gaps: GapRow[],
): Timeline {
  const segments: TimelineSegment[] = [];
  let offset = 0;
  for (const row of rows.filter((r) => r.valid)) {
    const prev = segments.at(-1);
    segments.push({
      seq: row.seq,
      key: row.key,
      startAt: row.startAt,
      endAt: row.endAt,
      durationMs: row.durationMs,
      offsetMs: offset,
      // After a recorded gap (restart, pause), a missing seq, or a hole in wall-clock time.
      discontinuity: prev !== undefined &&
        (row.seq !== prev.seq + 1 || row.startAt - prev.endAt > GAP_TOLERANCE_MS ||
          gaps.some((g) => g.from >= prev.startAt && g.from <= row.startAt)),
    });
    offset += row.durationMs;
  }
  return { recording, segments, gaps, durationMs: offset };
}

/** The VOD offset of a wall-clock instant (clamped into the recording; holes snap forward). */
export function vodOffsetOf(timeline: Timeline, at: number): number {
  for (const s of timeline.segments) {
    if (at < s.startAt) return s.offsetMs; // in a hole or before the start
    if (at <= s.endAt) return s.offsetMs + Math.min(s.durationMs, at - s.startAt);
  }
  return timeline.durationMs;
}

/** Highlights (wall clock) -> VOD offsets; spans entirely outside the recording are dropped. */
export function mapSpans(timeline: Timeline, spans: WallSpan[]): VodSpan[] {
  const out: VodSpan[] = [];
  for (const span of spans) {
    const start = vodOffsetOf(timeline, span.startAt);
    const end = vodOffsetOf(timeline, span.endAt);
    if (end > start) {
      out.push({ id: span.id, startOffsetMs: start, endOffsetMs: end, score: span.score });
    }
  }
  return out;
}
