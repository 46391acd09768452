/**
 * Viewers' reports of a room or of one message in it, for the platform's moderators: one per
 * reporter, room and message (a repeat returns the first), at most `MAX_PER_HOUR` new ones per
 * reporter per hour (`too_many_reports`).
 */
import { z } from "zod";
import type { SqlExecutor } from "../../engine/sql/sql.ts";
import { AccountError } from "./errors.ts";

export const REPORT_REASONS = ["spam", "abuse", "sexual", "violence", "minor", "other"] as const;
export const MAX_PER_HOUR = 20;

export const ReportInput = z.object({
  reason: z.enum(REPORT_REASONS),
  /** The reported message (a danmaku id); absent: the room itself. */
  messageId: z.string().min(1).max(64).optional(),
  note: z.string().max(500).optional(),
}).strict();
export type ReportInput = z.infer<typeof ReportInput>;

export interface RoomReport {
  id: string;
  roomId: string;
  reporterId: string;
  reason: typeof REPORT_REASONS[number];
  messageId: string | null;
  note: string;
  createdAt: string;
  state: "open" | "closed";
}

interface Row {
  id: string;
  room_id: string;
  reporter_id: string;
  reason: RoomReport["reason"];
  message_id: string;
  note: string;
  created_at: Date;
  state: RoomReport["state"];
}

const toReport = (r: Row): RoomReport => ({
  id: r.id,
  roomId: r.room_id,
  reporterId: r.reporter_id,
  reason: r.reason,
  messageId: r.message_id || null,
  note: r.note,
  createdAt: new Date(r.created_at).toISOString(),
  state: r.state,
});

/** Files the report, or finds the same reporter's earlier one; `created` says which. */
export async function fileReport(
  db: SqlExecutor,
  roomId: string,
  reporterId: string,
  input: ReportInput,
): Promise<{ report: RoomReport; created: boolean }> {
  const messageId = input.messageId ?? "";
  const find = () =>
    db.query<Row>(
      "SELECT * FROM room_reports WHERE reporter_id = $1 AND room_id = $2 AND message_id = $3",
      [reporterId, roomId, messageId],
    );
  const [earlier] = await find();
  if (earlier) return { report: toReport(earlier), created: false };
  const [recent] = await db.query<{ n: unknown }>(
    `SELECT count(*) AS n FROM room_reports
      WHERE reporter_id = $1 AND created_at > now() - interval '1 hour'`,
    [reporterId],
  );
  if (Number(recent.n) >= MAX_PER_HOUR) {
    throw new AccountError("too_many_reports", `at most ${MAX_PER_HOUR} reports an hour`);
  }
  const rows = await db.query<Row>(
    `INSERT INTO room_reports (id, room_id, reporter_id, reason, message_id, note)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (reporter_id, room_id, message_id) DO NOTHING RETURNING *`,
    [crypto.randomUUID(), roomId, reporterId, input.reason, messageId, input.note ?? ""],
  );
  if (rows[0]) return { report: toReport(rows[0]), created: true };
  // A concurrent click won the insert: return its report.
  return { report: toReport((await find())[0]), created: false };
}

/** Open reports, newest first (platform admins). */
export async function openReports(db: SqlExecutor, limit: number): Promise<RoomReport[]> {
  const rows = await db.query<Row>(
    "SELECT * FROM room_reports WHERE state = 'open' ORDER BY created_at DESC, id LIMIT $1",
    [limit],
  );
  return rows.map(toReport);
}
