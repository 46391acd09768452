/**
 * SQL of the liveness flags (migration 191_liveness.sql): one row per "possibly not a live
 * camera" episode of a participant of a recording, raised with its reasons and evidence and
 * closed (`clearedAt`) when the picture looks live again.
 */
import type { SqlExecutor } from "../../engine/sql/sql.ts";

export type LivenessReasonName = "frozen" | "loop" | "models";

export interface LivenessFlagRow {
  roomId: string;
  recordingId: string;
  /** The participant (LiveKit identity = user id). */
  identity: string;
  raisedAt: number;
  clearedAt: number | null;
  reasons: LivenessReasonName[];
  /** What the check saw (see media/vision/liveness.ts `LivenessEvidence`). */
  evidence: Record<string, unknown>;
}

const ms = (v: unknown) => (v instanceof Date ? v.getTime() : new Date(String(v)).getTime());
const json = <T>(v: unknown): T => (typeof v === "string" ? JSON.parse(v) : v) as T;

export class LivenessStore {
  constructor(private readonly db: SqlExecutor) {}

  async raise(f: Omit<LivenessFlagRow, "clearedAt">): Promise<void> {
    await this.db.query(
      `INSERT INTO liveness_flags (recording_id, identity, raised_at, room_id, reasons, evidence)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb) ON CONFLICT DO NOTHING`,
      [
        f.recordingId,
        f.identity,
        new Date(f.raisedAt),
        f.roomId,
        JSON.stringify(f.reasons),
        JSON.stringify(f.evidence),
      ],
    );
  }

  /** Closes the participant's open flag (with the evidence at that moment). */
  async clear(
    recordingId: string,
    identity: string,
    at: number,
    evidence: LivenessFlagRow["evidence"],
  ): Promise<void> {
    await this.db.query(
      `UPDATE liveness_flags SET cleared_at = $3, evidence = evidence || $4::jsonb
        WHERE recording_id = $1 AND identity = $2 AND cleared_at IS NULL`,
      [recordingId, identity, new Date(at), JSON.stringify({ clearedWith: evidence })],
    );
  }

  /** A room's flags, newest first. */
  async ofRoom(roomId: string, limit = 20): Promise<LivenessFlagRow[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT * FROM liveness_flags WHERE room_id = $1 ORDER BY raised_at DESC LIMIT $2`,
      [roomId, limit],
    );
    return rows.map((r) => ({
      roomId: String(r.room_id),
      recordingId: String(r.recording_id),
      identity: String(r.identity),
      raisedAt: ms(r.raised_at),
      clearedAt: r.cleared_at === null || r.cleared_at === undefined ? null : ms(r.cleared_at),
      reasons: json<LivenessReasonName[]>(r.reasons),
      evidence: json<LivenessFlagRow["evidence"]>(r.evidence),
    }));
  }
}
