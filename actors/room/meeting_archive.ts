/**
 * Meeting history in the relational store (`meetings`, migration 171; Postgres in a cluster,
 * PGlite embedded). A meeting room keeps only its last meeting in its state; every ended one
 * is kept here, from the room's own batch events (the archive port every published batch
 * goes through, as the danmaku archive and the stats minutes): `ended` writes the row with the
 * attendance and who ended it, `summary` adds the summary once it is written. Both carry the
 * whole meeting view, so a row is an upsert keyed by the meeting id (a repeated event writes
 * the same row). Writes run beside the room: `record` only queues; a failed write stays
 * queued and is tried again every `retryMs`. What is queued when a process dies is lost (the
 * room's state still holds its last meeting).
 */
import type { Logger } from "../../engine/log.ts";
import type { SqlExecutor } from "../../engine/sql/sql.ts";
import type { RoomEvent } from "./contract.ts";
import type { AttendanceRow, MeetingRoomEvent, MeetingSummary } from "./meeting_contract.ts";
import type { DanmakuArchivePort } from "./ports.ts";

/** One ended meeting as the history lists it. */
export interface MeetingRecordBrief {
  meetingId: string;
  roomId: string;
  startedAt: number;
  endedAt: number;
  endedBy?: string;
  e2ee: boolean;
  /** Distinct people who attended. */
  attendees: number;
  /** The summary's overview and where it came from, once written. */
  overview?: string;
  source?: MeetingSummary["source"];
}

/** One ended meeting in full. */
export interface MeetingRecord extends MeetingRecordBrief {
  attendance: AttendanceRow[];
  summary?: MeetingSummary;
}

interface Pending {
  roomId: string;
  meetingId: string;
  startedAt: number;
  endedAt: number;
  endedBy?: string;
  e2ee: boolean;
  attendance: AttendanceRow[];
  summary?: MeetingSummary;
}

export class MeetingArchive implements DanmakuArchivePort {
  readonly #sql: SqlExecutor;
  readonly #log?: Logger;
  readonly #pending = new Map<string, Pending>();
  readonly #timer: ReturnType<typeof setInterval>;
  #writing: Promise<void> | undefined;
  #closed = false;

  constructor(sql: SqlExecutor, opts: { retryMs?: number; log?: Logger } = {}) {
    this.#sql = sql;
    this.#log = opts.log;
    this.#timer = setInterval(() => {
      if (this.#pending.size > 0) void this.flush();
    }, opts.retryMs ?? 5_000);
  }

  /** The archive port: picks the meetings' `ended` and `summary` events out of a batch. */
  record(roomId: string, events: readonly RoomEvent[]): void {
    if (this.#closed) return;
    let queued = false;
    for (const e of events) {
      if (e.t !== "meeting" || (e.op !== "ended" && e.op !== "summary")) continue;
      queued = this.#queue(roomId, e) || queued;
    }
    if (queued) void this.flush();
  }

  #queue(roomId: string, e: MeetingRoomEvent): boolean {
    const v = e.meeting;
    if (v.status !== "ended" || !v.meetingId || v.startedAt === undefined) return false;
    const before = this.#pending.get(v.meetingId);
    this.#pending.set(v.meetingId, {
      roomId,
      meetingId: v.meetingId,
      startedAt: v.startedAt,
      endedAt: v.endedAt ?? e.at,
      endedBy: e.op === "ended" ? e.by : before?.endedBy,
      e2ee: v.e2ee,
      attendance: v.attendance,
      summary: v.summary ?? before?.summary,
    });
    return true;
  }

  /** Writes what is queued now; resolves when that write ended (failed rows stay queued). */
  flush(): Promise<void> {
    this.#writing ??= this.#write().finally(() => (this.#writing = undefined));
    return this.#writing;
  }

  async #write(): Promise<void> {
    for (const [id, p] of [...this.#pending]) {
      try {
        await this.#upsert(p);
        // a newer event for the same meeting may have been queued meanwhile: keep it
        if (this.#pending.get(id) === p) this.#pending.delete(id);
      } catch (err) {
        this.#log?.warn("meeting history not written; retrying", {
          roomId: p.roomId,
          meetingId: id,
          error: err as Error,
        });
        return;
      }
    }
  }

  #upsert(p: Pending): Promise<unknown> {
    const attendees = new Set(p.attendance.map((a) => a.userId)).size;
    return this.#sql.query(
      `INSERT INTO meetings (id, room_id, started_at, ended_at, ended_by, e2ee, attendees,
                             attendance, summary)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (id) DO UPDATE SET
         ended_at = EXCLUDED.ended_at,
         ended_by = coalesce(EXCLUDED.ended_by, meetings.ended_by),
         attendees = EXCLUDED.attendees,
         attendance = EXCLUDED.attendance,
         summary = coalesce(EXCLUDED.summary, meetings.summary)`,
      [
        p.meetingId,
        p.roomId,
        new Date(p.startedAt),
        new Date(p.endedAt),
        p.endedBy ?? null,
        p.e2ee,
        attendees,
        JSON.stringify(p.attendance),
        p.summary ? JSON.stringify(p.summary) : null,
      ],
    );
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#writing;
    await this.flush();
    this.#closed = true;
    if (this.#pending.size > 0) {
      this.#log?.warn("meeting history closed with meetings unwritten", {
        pending: this.#pending.size,
      });
    }
  }
}

interface Row {
  id: string;
  room_id: string;
  started_at: unknown;
  ended_at: unknown;
  ended_by: string | null;
  e2ee: boolean;
  attendees: number;
  attendance: string;
  summary: string | null;
}

const ms = (t: unknown) => new Date(t as string).getTime();

function brief(r: Row): MeetingRecordBrief {
  const summary = r.summary ? JSON.parse(r.summary) as MeetingSummary : undefined;
  return {
    meetingId: r.id,
    roomId: r.room_id,
    startedAt: ms(r.started_at),
    endedAt: ms(r.ended_at),
    ...(r.ended_by ? { endedBy: r.ended_by } : {}),
    e2ee: r.e2ee,
    attendees: r.attendees,
    ...(summary ? { overview: summary.overview, source: summary.source } : {}),
  };
}

/** Reads the meeting history (`GET /api/rooms/:id/meetings[/:meetingId]`). */
export class MeetingHistory {
  constructor(private readonly sql: SqlExecutor) {}

  /** A room's ended meetings, newest first; `before` (ms) pages back. */
  async list(roomId: string, limit = 20, before?: number): Promise<MeetingRecordBrief[]> {
    const rows = before === undefined
      ? await this.sql.query<Row>(
        `SELECT * FROM meetings WHERE room_id = $1 ORDER BY ended_at DESC, id LIMIT $2`,
        [roomId, limit],
      )
      : await this.sql.query<Row>(
        `SELECT * FROM meetings WHERE room_id = $1 AND ended_at < $2
          ORDER BY ended_at DESC, id LIMIT $3`,
        [roomId, new Date(before), limit],
      );
    return rows.map(brief);
  }

  /** One meeting of the room in full, or undefined. */
  async get(roomId: string, meetingId: string): Promise<MeetingRecord | undefined> {
    const [r] = await this.sql.query<Row>(
      `SELECT * FROM meetings WHERE room_id = $1 AND id = $2`,
      [roomId, meetingId],
    );
    if (!r) return undefined;
    return {
      ...brief(r),
      attendance: JSON.parse(r.attendance) as AttendanceRow[],
      ...(r.summary ? { summary: JSON.parse(r.summary) as MeetingSummary } : {}),
    };
  }
}
