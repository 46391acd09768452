/**
 * The PK coordinator's ports on the relational store: round totals and top gifters straight
 * from the `gifts` table (the rooms' own ledger rows, committed exactly once by the gifts
 * part), and the `pk_battles` record of finished rounds (migration 150).
 */
import { type SqlExecutor, toBigInt } from "../../engine/sql/sql.ts";
import { PK_TOP, type PkGifter, type PkView } from "./contract.ts";
import type { PkLedger, PkRecorder, PkRoundTotals } from "./ports.ts";

export class SqlPkStore implements PkLedger, PkRecorder {
  constructor(private readonly db: SqlExecutor) {}

  async round(roomId: string, fromMs: number, toMs: number): Promise<PkRoundTotals> {
    const window = [roomId, new Date(fromMs), new Date(toMs)] as const;
    const [total] = await this.db.query<{ total: unknown }>(
      `SELECT coalesce(sum(amount), 0) AS total FROM gifts
        WHERE room_id = $1 AND created_at >= $2 AND created_at < $3`,
      window,
    );
    const top = await this.db.query<{ sender_id: string; name: string; amount: unknown }>(
      `SELECT g.sender_id, u.display_name AS name, sum(g.amount) AS amount
         FROM gifts g JOIN users u ON u.id = g.sender_id
        WHERE g.room_id = $1 AND g.created_at >= $2 AND g.created_at < $3
        GROUP BY g.sender_id, u.display_name
        ORDER BY sum(g.amount) DESC, g.sender_id
        LIMIT ${PK_TOP}`,
      window,
    );
    return {
      score: toBigInt(total?.total ?? 0),
      top: top.map((r) => ({
        userId: r.sender_id,
        name: r.name,
        amount: toBigInt(r.amount).toString(),
      })),
    };
  }

  async record(v: PkView): Promise<void> {
    if (v.startedAt === undefined || v.endedAt === undefined || v.winner === undefined) return;
    await this.db.query(
      `INSERT INTO pk_battles (id, room_a, room_b, started_at, ended_at, duration_ms, score_a,
                               score_b, winner, reason, ended_by, top_a, top_b)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (id) DO NOTHING`,
      [
        v.pkId,
        v.a.roomId,
        v.b.roomId,
        new Date(v.startedAt),
        new Date(v.endedAt),
        v.durationMs,
        BigInt(v.a.score),
        BigInt(v.b.score),
        v.winner,
        v.reason ?? "time",
        v.by ?? null,
        JSON.stringify(v.a.top),
        JSON.stringify(v.b.top),
      ],
    );
  }

  /** Finished rounds of a room, newest first. */
  async history(roomId: string, limit = 20): Promise<PkRecord[]> {
    const rows = await this.db.query<PkRow>(
      `SELECT * FROM pk_battles WHERE room_a = $1 OR room_b = $1
        ORDER BY ended_at DESC LIMIT $2`,
      [roomId, limit],
    );
    return rows.map((r) => ({
      pkId: r.id,
      a: { roomId: r.room_a, score: toBigInt(r.score_a).toString(), top: JSON.parse(r.top_a) },
      b: { roomId: r.room_b, score: toBigInt(r.score_b).toString(), top: JSON.parse(r.top_b) },
      startedAt: new Date(r.started_at as string).getTime(),
      endedAt: new Date(r.ended_at as string).getTime(),
      durationMs: r.duration_ms,
      winner: r.winner,
      reason: r.reason,
      by: r.ended_by ?? undefined,
    }));
  }
}

interface PkRow {
  id: string;
  room_a: string;
  room_b: string;
  started_at: unknown;
  ended_at: unknown;
  duration_ms: number;
  score_a: unknown;
  score_b: unknown;
  winner: "a" | "b" | "draw";
  reason: string;
  ended_by: string | null;
  top_a: string;
  top_b: string;
}

/** A finished round as `GET /api/rooms/:id/pk` lists it. */
export interface PkRecord {
  pkId: string;
  a: { roomId: string; score: string; top: PkGifter[] };
  b: { roomId: string; score: string; top: PkGifter[] };
  startedAt: number;
  endedAt: number;
  durationMs: number;
  winner: "a" | "b" | "draw";
  reason: string;
  by?: string;
}
