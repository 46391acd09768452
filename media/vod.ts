/**
 * VOD from the index: a room's recordings, a recording's segment timeline (offsets from the
 * first segment, gaps), a playable HLS playlist of presigned segment URLs, highlights
 * mapped onto VOD offsets, and clips cut with ffmpeg and stored beside the recording.
 */
import type {
  ClipRow,
  GapRow,
  RecordingIndex,
  RecordingRow,
  SegmentRow,
} from "./index/recording_index.ts";
import { MediaError } from "./errors.ts";
import { h264AacArgs, runFfmpeg } from "./ffmpeg.ts";
import { buildMediaPlaylist } from "./hls.ts";
import type { ObjectStore } from "./s3.ts";
import { clipKey } from "./storage_keys.ts";

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

/** Highlights (wall clock) → VOD offsets; spans entirely outside the recording are dropped. */
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

export class VodService {
  constructor(private readonly index: RecordingIndex, private readonly objects: ObjectStore) {}

  listRecordings(roomId: string): Promise<RecordingRow[]> {
    return this.index.recordingsOfRoom(roomId);
  }

  clips(recordingId: string): Promise<ClipRow[]> {
    return this.index.clips(recordingId);
  }

  /** Clips with a presigned download URL each. */
  async clipsWithUrls(
    recordingId: string,
    expiresSec = 3600,
  ): Promise<(ClipRow & { url: string })[]> {
    const clips = await this.index.clips(recordingId);
    return await Promise.all(
      clips.map(async (c) => ({ ...c, url: await this.objects.presignGet(c.key, expiresSec) })),
    );
  }

  async timeline(recordingId: string): Promise<Timeline> {
    const recording = await this.index.recording(recordingId);
    if (!recording) throw new MediaError("recording_not_found", `no recording ${recordingId}`, 404);
    const [rows, gaps] = await Promise.all([
      this.index.segments(recordingId),
      this.index.gaps(recordingId),
    ]);
    return buildTimeline(recording, rows, gaps);
  }

  /** An HLS playlist whose segment URIs are presigned GETs (valid `expiresSec`). */
  async playlist(recordingId: string, expiresSec = 3600): Promise<string> {
    const t = await this.timeline(recordingId);
    if (t.segments.length === 0) {
      throw new MediaError("recording_empty", "no segments recorded yet", 404);
    }
    const uris = await Promise.all(
      t.segments.map((s) => this.objects.presignGet(s.key, expiresSec)),
    );
    const ended = t.recording.state === "stopped" || t.recording.state === "failed";
    return buildMediaPlaylist(
      t.segments.map((s, i) => ({
        uri: uris[i],
        durationSec: s.durationMs / 1000,
        programDateTime: s.startAt,
        discontinuity: s.discontinuity,
      })),
      { ended, mediaSequence: t.segments[0].seq },
    );
  }

  /**
   * Cut `span` (VOD offsets) into an MP4 stored at `recordings/{room}/{rec}/clips/{id}.mp4`
   * and indexed. Only the segments the span touches are fetched.
   */
  async cutClip(
    recordingId: string,
    span: VodSpan,
    opts: { padMs?: number } = {},
  ): Promise<ClipRow> {
    const t = await this.timeline(recordingId);
    const pad = opts.padMs ?? 0;
    const from = Math.max(0, span.startOffsetMs - pad);
    const to = Math.min(t.durationMs, span.endOffsetMs + pad);
    if (!(to > from)) throw new MediaError("clip_empty", "the span is outside the recording");
    const needed = t.segments.filter((s) => s.offsetMs + s.durationMs > from && s.offsetMs < to);
    const dir = await Deno.makeTempDir({ prefix: "synapse-clip-" });
    try {
      const list: string[] = [];
      for (const s of needed) {
        const bytes = await this.objects.get(s.key);
        if (!bytes) {
          throw new MediaError("segment_missing", `segment ${s.key} is missing from storage`, 500);
        }
        const path = `${dir}/${s.seq}.ts`;
        await Deno.writeFile(path, bytes);
        list.push(`file '${path}'`);
      }
      await Deno.writeTextFile(`${dir}/list.txt`, list.join("\n") + "\n");
      const out = `${dir}/clip.mp4`;
      await runFfmpeg([
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        `${dir}/list.txt`,
        "-ss",
        ((from - needed[0].offsetMs) / 1000).toFixed(3),
        "-t",
        ((to - from) / 1000).toFixed(3),
        ...h264AacArgs(2),
        "-movflags",
        "+faststart",
        out,
      ]);
      const key = clipKey(t.recording.roomId, recordingId, span.id);
      await this.objects.putFile(key, out, "video/mp4");
      const clip: ClipRow = {
        id: `${recordingId}_${span.id}`.slice(0, 128),
        recordingId,
        highlightId: span.id,
        startOffsetMs: from,
        endOffsetMs: to,
        key,
        score: span.score ?? null,
      };
      await this.index.putClip(clip);
      return clip;
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
}
