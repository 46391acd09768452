/**
 * Recordings started with the Douyin document's API (migration 205_recording_plans.sql): the
 * plan of each (its window length, platform, anchor, where its MP4s go), and the windows whose
 * MP4 is stored.
 */
import type { SqlExecutor } from "../../engine/sql/sql.ts";

export interface RecordingPlan {
  recordingId: string;
  roomId: string;
  ownerId: string;
  platform: string;
  anchor: string;
  windowMs: number;
  quality: string;
  saveFormat: string;
  /** The live URL without its query string. */
  sourceUrl: string;
  /** The folder (object key prefix) of the first window's MP4. */
  output: string;
  createdAt: number;
}

export interface WindowRow {
  recordingId: string;
  seq: number;
  /** The MP4's object key. */
  path: string;
  /** The window's exact bounds (ms since the epoch; the last window ends with the recording). */
  startAt: number;
  endAt: number;
  /** What the MP4 holds: whole HLS segments, each in the window its start falls in. */
  mediaStartAt: number;
  mediaEndAt: number;
  segments: number;
  bytes: number;
}

const ms = (
  v: unknown,
): number => (v instanceof Date ? v.getTime() : new Date(String(v)).getTime());

function toPlan(r: Record<string, unknown>): RecordingPlan {
  return {
    recordingId: String(r.recording_id),
    roomId: String(r.room_id),
    ownerId: String(r.owner_id),
    platform: String(r.platform),
    anchor: String(r.anchor),
    windowMs: Number(r.window_ms),
    quality: String(r.quality),
    saveFormat: String(r.save_format),
    sourceUrl: String(r.source_url),
    output: String(r.output),
    createdAt: ms(r.created_at),
  };
}

function toWindow(r: Record<string, unknown>): WindowRow {
  return {
    recordingId: String(r.recording_id),
    seq: Number(r.seq),
    path: String(r.path),
    startAt: ms(r.start_at),
    endAt: ms(r.end_at),
    mediaStartAt: ms(r.media_start_at),
    mediaEndAt: ms(r.media_end_at),
    segments: Number(r.segments),
    bytes: Number(r.bytes),
  };
}

export class RecordingPlans {
  constructor(private readonly db: SqlExecutor) {}

  async put(p: Omit<RecordingPlan, "createdAt">): Promise<void> {
    await this.db.query(
      `INSERT INTO recording_plans (recording_id, room_id, owner_id, platform, anchor, window_ms,
         quality, save_format, source_url, output)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (recording_id) DO NOTHING`,
      [
        p.recordingId,
        p.roomId,
        p.ownerId,
        p.platform,
        p.anchor,
        p.windowMs,
        p.quality,
        p.saveFormat,
        p.sourceUrl,
        p.output,
      ],
    );
  }

  /** A plan whose recording did not start. */
  async delete(recordingId: string): Promise<void> {
    await this.db.query("DELETE FROM recording_plans WHERE recording_id = $1", [recordingId]);
  }

  async get(recordingId: string): Promise<RecordingPlan | undefined> {
    const [row] = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM recording_plans WHERE recording_id = $1",
      [recordingId],
    );
    return row && toPlan(row);
  }

  /**
   * The owner's planned recordings, those still recording or paused first, then the newest
   * (`state` from the recordings index; a plan whose recording row is not written yet counts
   * as recording).
   */
  async ofOwner(
    ownerId: string,
    limit = 20,
  ): Promise<(RecordingPlan & { state: string })[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT p.*, COALESCE(r.state, 'recording') AS state FROM recording_plans p
       LEFT JOIN recordings r ON r.id = p.recording_id
       WHERE p.owner_id = $1
       ORDER BY (COALESCE(r.state, 'recording') IN ('recording', 'paused')) DESC,
         p.created_at DESC
       LIMIT $2`,
      [ownerId, limit],
    );
    return rows.map((r) => ({ ...toPlan(r), state: String(r.state) }));
  }

  async putWindow(w: WindowRow): Promise<void> {
    await this.db.query(
      `INSERT INTO recording_windows (recording_id, seq, path, start_at, end_at, media_start_at,
         media_end_at, segments, bytes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (recording_id, seq) DO UPDATE SET path = EXCLUDED.path,
         start_at = EXCLUDED.start_at, end_at = EXCLUDED.end_at,
         media_start_at = EXCLUDED.media_start_at, media_end_at = EXCLUDED.media_end_at,
         segments = EXCLUDED.segments, bytes = EXCLUDED.bytes`,
      [
        w.recordingId,
        w.seq,
        w.path,
        new Date(w.startAt),
        new Date(w.endAt),
        new Date(w.mediaStartAt),
        new Date(w.mediaEndAt),
        w.segments,
        w.bytes,
      ],
    );
  }

  async windows(recordingId: string): Promise<WindowRow[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM recording_windows WHERE recording_id = $1 ORDER BY seq",
      [recordingId],
    );
    return rows.map(toWindow);
  }

  async window(recordingId: string, seq: number): Promise<WindowRow | undefined> {
    const [row] = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM recording_windows WHERE recording_id = $1 AND seq = $2",
      [recordingId, seq],
    );
    return row && toWindow(row);
  }
}
