/** Follow and unfollow, followers and following lists, and live rooms of people I follow. */
import type { SqlExecutor } from "../../engine/sql/sql.ts";
import { sqlState } from "../../engine/sql/sql.ts";
import { AccountError } from "./errors.ts";

const FOREIGN_KEY_VIOLATION = "23503";

export interface FollowEntry {
  userId: string;
  username: string;
  displayName: string;
  since: Date;
}

export async function follow(db: SqlExecutor, followerId: string, followeeId: string) {
  if (followerId === followeeId) throw new AccountError("cannot_follow_self", "you are you");
  try {
    const rows = await db.query(
      `INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [followerId, followeeId],
    );
    return { created: rows.length > 0 };
  } catch (err) {
    if (sqlState(err) === FOREIGN_KEY_VIOLATION) {
      throw new AccountError("unknown_user", "no such user to follow");
    }
    throw err;
  }
}

export async function unfollow(db: SqlExecutor, followerId: string, followeeId: string) {
  const rows = await db.query(
    "DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2 RETURNING 1",
    [followerId, followeeId],
  );
  return { removed: rows.length > 0 };
}

type Direction = "followers" | "following";

/** Followers of `userId` or the people `userId` follows, newest first. */
export async function listFollows(
  db: SqlExecutor,
  userId: string,
  direction: Direction,
  opts: { limit: number; before?: Date },
): Promise<FollowEntry[]> {
  const [match, other] = direction === "followers"
    ? ["followee_id", "follower_id"]
    : ["follower_id", "followee_id"];
  const rows = await db.query<
    { id: string; username: string; display_name: string; created_at: Date }
  >(
    `SELECT u.id, u.username, u.display_name, f.created_at
       FROM follows f JOIN users u ON u.id = f.${other}
      WHERE f.${match} = $1 AND ($2::timestamptz IS NULL OR f.created_at < $2)
      ORDER BY f.created_at DESC, u.id LIMIT $3`,
    [userId, opts.before ?? null, opts.limit],
  );
  return rows.map((r) => ({
    userId: r.id,
    username: r.username,
    displayName: r.display_name,
    since: new Date(r.created_at),
  }));
}

/** Does `followerId` follow `followeeId`? */
export async function isFollowing(db: SqlExecutor, followerId: string, followeeId: string) {
  const rows = await db.query(
    "SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = $2",
    [followerId, followeeId],
  );
  return rows.length > 0;
}

export async function followCounts(db: SqlExecutor, userId: string) {
  const [row] = await db.query<{ followers: unknown; following: unknown }>(
    `SELECT (SELECT count(*) FROM follows WHERE followee_id = $1) AS followers,
            (SELECT count(*) FROM follows WHERE follower_id = $1) AS following`,
    [userId],
  );
  return { followers: Number(row.followers), following: Number(row.following) };
}

export interface LiveRoom {
  roomId: string;
  title: string;
  category: string;
  coverUrl: string | null;
  streamId: string;
  startedAt: Date;
  owner: { id: string; username: string; displayName: string };
}

/** Rooms on air whose owners `userId` follows, most recently started first. */
export async function liveNow(db: SqlExecutor, userId: string): Promise<LiveRoom[]> {
  const rows = await db.query<{
    id: string;
    title: string;
    category: string;
    cover_url: string | null;
    live_stream_id: string;
    started_at: Date;
    owner_id: string;
    username: string;
    display_name: string;
  }>(
    `SELECT r.id, r.title, r.category, r.cover_url, r.live_stream_id, s.started_at,
            u.id AS owner_id, u.username, u.display_name
       FROM follows f
       JOIN rooms r ON r.owner_id = f.followee_id AND r.live_stream_id IS NOT NULL
       JOIN streams s ON s.id = r.live_stream_id
       JOIN users u ON u.id = r.owner_id
      WHERE f.follower_id = $1
      ORDER BY s.started_at DESC LIMIT 100`,
    [userId],
  );
  return rows.map((r) => ({
    roomId: r.id,
    title: r.title,
    category: r.category,
    coverUrl: r.cover_url,
    streamId: r.live_stream_id,
    startedAt: new Date(r.started_at),
    owner: { id: r.owner_id, username: r.username, displayName: r.display_name },
  }));
}
