/** Top gifters of a stream, or of a room over all time, by amount spent. */
import type { SqlExecutor } from "../../engine/sql/sql.ts";
import { toBigInt } from "../../engine/sql/sql.ts";

export interface LeaderboardEntry {
  rank: number;
  userId: string;
  name: string;
  amount: bigint;
  gifts: number;
}

export type LeaderboardScope = { roomId: string } | { streamId: string };

export async function leaderboard(
  db: SqlExecutor,
  scope: LeaderboardScope,
  limit = 20,
): Promise<LeaderboardEntry[]> {
  const [column, id] = "streamId" in scope
    ? ["stream_id", scope.streamId]
    : ["room_id", scope.roomId];
  const rows = await db.query<{ sender_id: string; name: string; amount: unknown; gifts: unknown }>(
    `SELECT g.sender_id, u.display_name AS name, sum(g.amount) AS amount, sum(g.count) AS gifts
       FROM gifts g JOIN users u ON u.id = g.sender_id
      WHERE g.${column} = $1
      GROUP BY g.sender_id, u.display_name
      ORDER BY sum(g.amount) DESC, g.sender_id
      LIMIT $2`,
    [id, limit],
  );
  return rows.map((r, i) => ({
    rank: i + 1,
    userId: r.sender_id,
    name: r.name,
    amount: toBigInt(r.amount),
    gifts: Number(toBigInt(r.gifts)),
  }));
}
