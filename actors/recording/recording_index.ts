/**
 * The recordings index in Postgres/PGlite (migration 010_media.sql) through the shared SQL
 * interface: recordings, segments (idempotent per (recording, seq)), gaps, clips.
 */
import type { SqlExecutor } from "../../engine/sql/sql.ts";

export interface RecordingRow {
  id: string;
  roomId: string;
  streamerId: string | null;
  source: "livekit" | "url" | "egress";
  sourceRef: string | null;
  /** `interrupted`: its process died or shut down while recording (media/livekit/reconcile.ts). */
  state: "recording" | "paused" | "stopped" | "failed" | "interrupted";
  startedAt: number;
  endedAt: number | null;
  endReason: string | null;
}

export interface SegmentRow {
  recordingId: string;
  seq: number;
  roomId: string;
  streamerId: string | null;
  key: string;
  startAt: number;
  endAt: number;
  durationMs: number;
  bytes: number;
  videoCodec: string | null;
  audioCodec: string | null;
  width: number | null;
  height: number | null;
  valid: boolean;
  problem: string | null;
}

export interface GapRow {
  from: number;
  to: number;
  reason: string;
}

export interface ClipRow {
  id: string;
  recordingId: string;
  highlightId: string;
  startOffsetMs: number;
  endOffsetMs: number;
  key: string;
  score: number | null;
}

const ms = (
  v: unknown,
): number => (v instanceof Date ? v.getTime() : new Date(String(v)).getTime());
const msOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : ms(v));

export class RecordingIndex {
  constructor(private readonly db: SqlExecutor) {}

  /** Create the recording row, or update its state (idempotent). */
  async upsertRecording(r: {
    id: string;
    roomId: string;
    streamerId?: string | null;
    source: RecordingRow["source"];
    sourceRef?: string | null;
    state: RecordingRow["state"];
    startedAt: number;
    endedAt?: number | null;
    endReason?: string | null;
    /** The process running it (its heartbeat starts at `startedAt`). */
    owner?: string | null;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO recordings (id, room_id, streamer_id, source, source_ref, state, started_at, ended_at, end_reason,
         owner, heartbeat_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state,
         source_ref = COALESCE(EXCLUDED.source_ref, recordings.source_ref),
         streamer_id = COALESCE(EXCLUDED.streamer_id, recordings.streamer_id),
         ended_at = COALESCE(EXCLUDED.ended_at, recordings.ended_at),
         end_reason = COALESCE(EXCLUDED.end_reason, recordings.end_reason),
         owner = COALESCE(EXCLUDED.owner, recordings.owner),
         heartbeat_at = COALESCE(EXCLUDED.heartbeat_at, recordings.heartbeat_at)`,
      [
        r.id,
        r.roomId,
        r.streamerId ?? null,
        r.source,
        r.sourceRef ?? null,
        r.state,
        new Date(r.startedAt),
        r.endedAt ? new Date(r.endedAt) : null,
        r.endReason ?? null,
        r.owner ?? null,
        r.owner ? new Date(r.startedAt) : null,
      ],
    );
  }

  /** Create the recording row unless it exists (segments may be indexed first). */
  async ensureRecording(r: {
    id: string;
    roomId: string;
    streamerId: string | null;
    source: RecordingRow["source"];
    startedAt: number;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO recordings (id, room_id, streamer_id, source, state, started_at)
       VALUES ($1, $2, $3, $4, 'recording', $5) ON CONFLICT (id) DO NOTHING`,
      [r.id, r.roomId, r.streamerId, r.source, new Date(r.startedAt)],
    );
  }

  /** Index a segment; a second call for the same (recording, seq) updates it in place. */
  async putSegment(s: SegmentRow): Promise<void> {
    await this.db.query(
      `INSERT INTO recording_segments (recording_id, seq, room_id, streamer_id, object_key, start_at,
         end_at, duration_ms, bytes, video_codec, audio_codec, width, height, valid, problem)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT (recording_id, seq) DO UPDATE SET object_key = EXCLUDED.object_key,
         start_at = EXCLUDED.start_at, end_at = EXCLUDED.end_at, duration_ms = EXCLUDED.duration_ms,
         bytes = EXCLUDED.bytes, video_codec = EXCLUDED.video_codec, audio_codec = EXCLUDED.audio_codec,
         width = EXCLUDED.width, height = EXCLUDED.height, valid = EXCLUDED.valid,
         problem = EXCLUDED.problem, indexed_at = now()`,
      [
        s.recordingId,
        s.seq,
        s.roomId,
        s.streamerId,
        s.key,
        new Date(s.startAt),
        new Date(s.endAt),
        s.durationMs,
        s.bytes,
        s.videoCodec,
        s.audioCodec,
        s.width,
        s.height,
        s.valid,
        s.problem,
      ],
    );
  }

  async putGap(recordingId: string, gap: GapRow): Promise<void> {
    await this.db.query(
      `INSERT INTO recording_gaps (recording_id, from_at, to_at, reason) VALUES ($1, $2, $3, $4)
       ON CONFLICT (recording_id, from_at) DO UPDATE SET to_at = EXCLUDED.to_at, reason = EXCLUDED.reason`,
      [recordingId, new Date(gap.from), new Date(gap.to), gap.reason],
    );
  }

  /**
   * The analysis window of a recording started with its own `segment_time` (the Douyin
   * document's API, `recording_plans`), in ms; undefined: the process's ANALYSIS_WINDOW_S.
   */
  async windowMs(id: string): Promise<number | undefined> {
    const [row] = await this.db.query<{ window_ms: number | string }>(
      "SELECT window_ms FROM recording_plans WHERE recording_id = $1",
      [id],
    );
    return row ? Number(row.window_ms) : undefined;
  }

  async recording(id: string): Promise<RecordingRow | undefined> {
    const rows = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM recordings WHERE id = $1",
      [id],
    );
    return rows[0] ? toRecording(rows[0]) : undefined;
  }

  /** The recording written by an egress (`source_ref` = egress id). */
  async recordingBySourceRef(sourceRef: string): Promise<RecordingRow | undefined> {
    const rows = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM recordings WHERE source_ref = $1 ORDER BY started_at DESC LIMIT 1",
      [sourceRef],
    );
    return rows[0] ? toRecording(rows[0]) : undefined;
  }

  /** A room's recordings, newest first. */
  async recordingsOfRoom(roomId: string, limit = 50): Promise<RecordingRow[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM recordings WHERE room_id = $1 ORDER BY started_at DESC LIMIT $2",
      [roomId, limit],
    );
    return rows.map(toRecording);
  }

  /** Segments of a recording in sequence order. */
  async segments(recordingId: string): Promise<SegmentRow[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM recording_segments WHERE recording_id = $1 ORDER BY seq",
      [recordingId],
    );
    return rows.map((r) => ({
      recordingId: String(r.recording_id),
      seq: Number(r.seq),
      roomId: String(r.room_id),
      streamerId: (r.streamer_id as string | null) ?? null,
      key: String(r.object_key),
      startAt: ms(r.start_at),
      endAt: ms(r.end_at),
      durationMs: Number(r.duration_ms),
      bytes: Number(r.bytes),
      videoCodec: (r.video_codec as string | null) ?? null,
      audioCodec: (r.audio_codec as string | null) ?? null,
      width: r.width === null ? null : Number(r.width),
      height: r.height === null ? null : Number(r.height),
      valid: Boolean(r.valid),
      problem: (r.problem as string | null) ?? null,
    }));
  }

  async gaps(recordingId: string): Promise<GapRow[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      "SELECT from_at, to_at, reason FROM recording_gaps WHERE recording_id = $1 ORDER BY from_at",
      [recordingId],
    );
    return rows.map((r) => ({ from: ms(r.from_at), to: ms(r.to_at), reason: String(r.reason) }));
  }

  // --- reconciliation after a restart (media/livekit/reconcile.ts, migration 013)

  /** The owner still runs these recordings. */
  async heartbeat(owner: string, ids: string[], at: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `UPDATE recordings SET owner = $1, heartbeat_at = $3
       WHERE id = ANY($2::text[]) AND state IN ('recording', 'paused')`,
      [owner, textArray(ids), new Date(at)],
    );
  }

  /**
   * Close the recordings no live process runs: still `recording`/`paused` but with a
   * heartbeat (or start) older than `staleBefore`, or owned by `owner` (a stable instance
   * id: its previous life) and started before `ownerBefore`, and not in `running`. They
   * become `interrupted`, ended at their last segment. One UPDATE: each row is closed once.
   */
  async closeAbandoned(opts: {
    owner: string | null;
    running: string[];
    staleBefore: number;
    ownerBefore: number;
    reason: string;
  }): Promise<RecordingRow[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `UPDATE recordings r SET state = 'interrupted', end_reason = $5,
         ended_at = COALESCE((SELECT max(s.end_at) FROM recording_segments s WHERE s.recording_id = r.id),
           r.heartbeat_at, r.started_at)
       WHERE r.state IN ('recording', 'paused') AND r.source <> 'egress'
         AND NOT (r.id = ANY($2::text[]))
         AND (COALESCE(r.heartbeat_at, r.started_at) < $3
           OR ($1::text IS NOT NULL AND r.owner = $1 AND r.started_at < $4))
       RETURNING r.*`,
      [
        opts.owner,
        textArray(opts.running),
        new Date(opts.staleBefore),
        new Date(opts.ownerBefore),
        opts.reason,
      ],
    );
    return rows.map(toRecording);
  }

  /**
   * A clean shutdown stopped these while their rooms were live: `interrupted` (to resume),
   * ended at their last segment.
   */
  async markInterrupted(ids: string[], reason: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `UPDATE recordings r SET state = 'interrupted', end_reason = $2,
         ended_at = GREATEST(r.ended_at,
           (SELECT max(s.end_at) FROM recording_segments s WHERE s.recording_id = r.id))
       WHERE r.id = ANY($1::text[]) AND r.state IN ('stopped', 'recording', 'paused')`,
      [textArray(ids), reason],
    );
  }

  /** Interrupted recorder-agent recordings nobody has settled (or whose claim expired). */
  async unsettled(expiredBefore: number, limit = 100): Promise<RecordingRow[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT * FROM recordings WHERE state = 'interrupted' AND source = 'livekit'
         AND (resumed_by IS NULL OR (resumed_by LIKE 'pending:%' AND resumed_at < $1))
       ORDER BY started_at LIMIT $2`,
      [new Date(expiredBefore), limit],
    );
    return rows.map(toRecording);
  }

  /**
   * Claim interrupted recordings for one process (compare-and-set on `resumed_by`): the ids
   * it got. Two processes reconciling at once never both get one.
   */
  async claimResume(
    ids: string[],
    claim: string,
    at: number,
    expiredBefore: number,
  ): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<{ id: string }>(
      `UPDATE recordings SET resumed_by = $2, resumed_at = $3
       WHERE id = ANY($1::text[]) AND state = 'interrupted'
         AND (resumed_by IS NULL OR (resumed_by LIKE 'pending:%' AND resumed_at < $4))
       RETURNING id`,
      [textArray(ids), claim, new Date(at), new Date(expiredBefore)],
    );
    return rows.map((r) => String(r.id));
  }

  /** Settle (or, with `null`, release) what this claim holds. */
  async settleResume(
    ids: string[],
    claim: string,
    resumedBy: string | null,
    at: number,
  ): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `UPDATE recordings SET resumed_by = $3, resumed_at = $4
       WHERE id = ANY($1::text[]) AND resumed_by = $2`,
      [textArray(ids), claim, resumedBy, new Date(at)],
    );
  }

  /**
   * Egress recordings still `recording`/`paused` that no live process heartbeats (older
   * than `staleBefore`) and that are not in `running`: their egress runs in LiveKit, or ended
   * while nobody listened.
   */
  async staleEgress(staleBefore: number, running: string[], limit = 100): Promise<RecordingRow[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT * FROM recordings WHERE source = 'egress' AND state IN ('recording', 'paused')
         AND NOT (id = ANY($2::text[])) AND COALESCE(heartbeat_at, started_at) < $1
       ORDER BY started_at LIMIT $3`,
      [new Date(staleBefore), textArray(running), limit],
    );
    return rows.map(toRecording);
  }

  /**
   * Take a stale egress recording for `owner` (compare-and-set on its heartbeat): true for
   * exactly one of several processes reconciling at once.
   */
  async claimEgress(id: string, owner: string, at: number, staleBefore: number): Promise<boolean> {
    const rows = await this.db.query<{ id: string }>(
      `UPDATE recordings SET owner = $2, heartbeat_at = $3
       WHERE id = $1 AND source = 'egress' AND state IN ('recording', 'paused')
         AND COALESCE(heartbeat_at, started_at) < $4
       RETURNING id`,
      [id, owner, new Date(at), new Date(staleBefore)],
    );
    return rows.length > 0;
  }

  /** A clean shutdown stops watching these egresses: any reconciler may take them at once. */
  async releaseEgress(ids: string[], owner: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `UPDATE recordings SET heartbeat_at = 'epoch'::timestamptz
       WHERE id = ANY($1::text[]) AND source = 'egress' AND state IN ('recording', 'paused')
         AND (owner IS NULL OR owner = $2)`,
      [textArray(ids), owner],
    );
  }

  /** How an interrupted recording was settled (`resumed_by`), if it was. */
  async resumedBy(id: string): Promise<string | null> {
    const rows = await this.db.query<{ resumed_by: string | null }>(
      "SELECT resumed_by FROM recordings WHERE id = $1",
      [id],
    );
    return rows[0]?.resumed_by ?? null;
  }

  /** The room's recordings still running somewhere (`recording` or `paused`). */
  async openRecordingsOfRoom(roomId: string): Promise<RecordingRow[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT * FROM recordings WHERE room_id = $1 AND state IN ('recording', 'paused')
       ORDER BY started_at DESC`,
      [roomId],
    );
    return rows.map(toRecording);
  }

  async putClip(c: ClipRow): Promise<void> {
    await this.db.query(
      `INSERT INTO recording_clips (id, recording_id, highlight_id, start_offset_ms, end_offset_ms, object_key, score)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (recording_id, highlight_id) DO UPDATE SET start_offset_ms = EXCLUDED.start_offset_ms,
         end_offset_ms = EXCLUDED.end_offset_ms, object_key = EXCLUDED.object_key, score = EXCLUDED.score`,
      [c.id, c.recordingId, c.highlightId, c.startOffsetMs, c.endOffsetMs, c.key, c.score],
    );
  }

  async clips(recordingId: string): Promise<ClipRow[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM recording_clips WHERE recording_id = $1 ORDER BY start_offset_ms",
      [recordingId],
    );
    return rows.map((r) => ({
      id: String(r.id),
      recordingId: String(r.recording_id),
      highlightId: String(r.highlight_id),
      startOffsetMs: Number(r.start_offset_ms),
      endOffsetMs: Number(r.end_offset_ms),
      key: String(r.object_key),
      score: r.score === null ? null : Number(r.score),
    }));
  }
}

/** A `text[]` literal (parameters are scalars in the shared SQL interface). */
function textArray(items: string[]): string {
  return `{${items.map((i) => `"${i.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(",")}}`;
}

function toRecording(r: Record<string, unknown>): RecordingRow {
  return {
    id: String(r.id),
    roomId: String(r.room_id),
    streamerId: (r.streamer_id as string | null) ?? null,
    source: r.source as RecordingRow["source"],
    sourceRef: (r.source_ref as string | null) ?? null,
    state: r.state as RecordingRow["state"],
    startedAt: ms(r.started_at),
    endedAt: msOrNull(r.ended_at),
    endReason: (r.end_reason as string | null) ?? null,
  };
}
