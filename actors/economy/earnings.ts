/** A streamer's income from gifts: totals, per stream, and what can be withdrawn. */
import type { SqlExecutor } from "../../engine/sql/sql.ts";
import { toBigInt } from "../../engine/sql/sql.ts";
import { getBalances } from "./wallets.ts";

export interface StreamEarnings {
  streamId: string | null;
  roomId: string;
  title: string | null;
  startedAt: Date | null;
  gifts: number;
  gross: bigint;
  net: bigint;
}

export interface Earnings {
  /** Value of all gifts received, before commission. */
  gross: bigint;
  /** The platform's commission on them. */
  commission: bigint;
  /** What the streamer earned (gross minus commission). */
  net: bigint;
  /** Earnings not yet requested for withdrawal. */
  available: bigint;
  /** Held for pending withdrawal requests. */
  held: bigint;
  /** Withdrawals marked paid. */
  paidOut: bigint;
  streams: StreamEarnings[];
}

export async function earningsOf(db: SqlExecutor, userId: string): Promise<Earnings> {
  const [totals] = await db.query<{ gross: unknown; fee: unknown; net: unknown }>(
    `SELECT sum(amount) AS gross, sum(fee) AS fee, sum(net) AS net FROM gifts
      WHERE streamer_id = $1`,
    [userId],
  );
  const perStream = await db.query<{
    stream_id: string | null;
    room_id: string;
    title: string | null;
    started_at: Date | null;
    gifts: unknown;
    gross: unknown;
    net: unknown;
  }>(
    `SELECT g.stream_id, g.room_id, s.title, s.started_at,
            count(*) AS gifts, sum(g.amount) AS gross, sum(g.net) AS net
       FROM gifts g LEFT JOIN streams s ON s.id = g.stream_id
      WHERE g.streamer_id = $1
      GROUP BY g.stream_id, g.room_id, s.title, s.started_at
      ORDER BY s.started_at DESC NULLS LAST
      LIMIT 100`,
    [userId],
  );
  const [paid] = await db.query<{ paid: unknown }>(
    "SELECT sum(amount) AS paid FROM withdrawals WHERE user_id = $1 AND status = 'paid'",
    [userId],
  );
  const balances = await getBalances(db, userId);
  return {
    gross: toBigInt(totals?.gross),
    commission: toBigInt(totals?.fee),
    net: toBigInt(totals?.net),
    available: balances.earnings,
    held: balances.held,
    paidOut: toBigInt(paid?.paid),
    streams: perStream.map((r) => ({
      streamId: r.stream_id,
      roomId: r.room_id,
      title: r.title,
      startedAt: r.started_at ? new Date(r.started_at) : null,
      gifts: Number(toBigInt(r.gifts)),
      gross: toBigInt(r.gross),
      net: toBigInt(r.net),
    })),
  };
}
