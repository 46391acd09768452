/**
 * The rooms' stats per minute in Postgres (`room_stats_minutes`, migration 101): viewers (the
 * minute's peak), chat messages, gifts and their coins, and the chat's mood - so the
 * dashboard's charts cover the whole stream even after the room passivated or its process
 * restarted (the room's own 10 s buckets, actors/room/parts/stats.ts, live in memory).
 *
 * Write path: the room hands each published batch (and its viewer count) to `record`, a
 * synchronous fold into per-(room, minute) deltas; nothing is awaited in the room's turn. A
 * timer writes the deltas every `flushMs` in one multi-row upsert that adds counts, keeps
 * the peak of viewers and the latest mood, then forgets them. A failed write keeps its
 * deltas (merged with newer ones) and is retried at the next flush. Past `maxRows` pending
 * rows the oldest minutes are dropped and counted. Deltas not yet written when a process
 * dies are lost (the live charts are not).
 */
import type { Logger } from "../../engine/log.ts";
import { metrics } from "../../engine/metrics.ts";
import type { SqlExecutor, SqlParam } from "../../engine/sql/sql.ts";
import type { RoomEvent } from "./contract.ts";
import type { DanmakuArchivePort } from "./ports.ts";

const SM = {
  written: metrics.counter(
    "synapse_room_stats_minutes_written_total",
    "Room stats minute rows upserted",
  ),
  failures: metrics.counter(
    "synapse_room_stats_minutes_failures_total",
    "Room stats writes that failed (retried at the next flush)",
  ),
  dropped: metrics.counter(
    "synapse_room_stats_minutes_dropped_total",
    "Room stats minute deltas dropped because too many were pending",
  ),
};

export const MINUTE_MS = 60_000;

/** One minute of a room, as the charts read it. */
export interface StatsMinute {
  /** Start of the minute, ms since the epoch. */
  t: number;
  viewers: number;
  danmaku: number;
  gifts: number;
  /** Integer currency units, a decimal string. */
  coins: string;
  /** The chat's mean mood (-1..1), null when the AI had none for the minute. */
  mood: number | null;
}

interface Delta {
  roomId: string;
  minute: number;
  viewers: number;
  danmaku: number;
  gifts: number;
  coins: bigint;
  moodMean: number | null;
  moodCount: number;
}

export interface StatsArchiveOptions {
  /** How often pending deltas are written (default 15 s). */
  flushMs?: number;
  /** Pending (room, minute) rows held at most (default 20,000). */
  maxRows?: number;
  log?: Logger;
}

export class StatsArchiveWriter implements DanmakuArchivePort {
  readonly #sql: SqlExecutor;
  readonly #maxRows: number;
  readonly #log?: Logger;
  #pending = new Map<string, Delta>();
  #timer: ReturnType<typeof setInterval>;
  #writing: Promise<void> | undefined;
  #closed = false;

  constructor(sql: SqlExecutor, opts: StatsArchiveOptions = {}) {
    this.#sql = sql;
    this.#maxRows = opts.maxRows ?? 20_000;
    this.#log = opts.log;
    this.#timer = setInterval(() => void this.flush(), opts.flushMs ?? 15_000);
  }

  record(roomId: string, events: readonly RoomEvent[], viewers?: number, at = Date.now()): void {
    if (this.#closed) return;
    const now = this.#delta(roomId, Math.floor(at / MINUTE_MS) * MINUTE_MS);
    if (viewers !== undefined) now.viewers = Math.max(now.viewers, viewers);
    for (const e of events) {
      if (e.t === "danmaku") now.danmaku++;
      else if (e.t === "gift") {
        now.gifts += e.g.count;
        now.coins += BigInt(e.g.amount);
      } else if (e.t === "mood") {
        // The AI's figure for its own minute (usually the one that just closed).
        const m = this.#delta(roomId, e.m.minute);
        m.moodMean = e.m.mean;
        m.moodCount = e.m.count;
      }
    }
  }

  #delta(roomId: string, minute: number): Delta {
    const key = `${roomId}\u0000${minute}`;
    let d = this.#pending.get(key);
    if (!d) {
      if (this.#pending.size >= this.#maxRows) {
        const oldest = this.#pending.keys().next().value!;
        this.#pending.delete(oldest);
        SM.dropped.inc();
      }
      d = {
        roomId,
        minute,
        viewers: 0,
        danmaku: 0,
        gifts: 0,
        coins: 0n,
        moodMean: null,
        moodCount: 0,
      };
      this.#pending.set(key, d);
    }
    return d;
  }

  /** Writes what is pending now; resolves when that write ended (failed writes stay). */
  flush(): Promise<void> {
    this.#writing ??= this.#write().finally(() => (this.#writing = undefined));
    return this.#writing;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#writing;
    await this.flush();
    this.#closed = true;
    if (this.#pending.size > 0) {
      this.#log?.warn("room stats closed with minutes unwritten", { pending: this.#pending.size });
    }
  }

  async #write(): Promise<void> {
    if (this.#pending.size === 0) return;
    const taken = this.#pending;
    this.#pending = new Map();
    const params: SqlParam[] = [];
    const values: string[] = [];
    for (const d of taken.values()) {
      const n = params.length;
      values.push(
        `($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}::numeric, $${
          n + 7
        }::real, $${n + 8})`,
      );
      params.push(
        d.roomId,
        d.minute,
        d.viewers,
        d.danmaku,
        d.gifts,
        String(d.coins),
        d.moodMean,
        d.moodCount,
      );
    }
    try {
      await this.#sql.query(
        `INSERT INTO room_stats_minutes
           (room_id, minute, viewers, danmaku, gifts, coins, mood_mean, mood_count)
         VALUES ${values.join(", ")}
         ON CONFLICT (room_id, minute) DO UPDATE SET
           viewers = GREATEST(room_stats_minutes.viewers, EXCLUDED.viewers),
           danmaku = room_stats_minutes.danmaku + EXCLUDED.danmaku,
           gifts = room_stats_minutes.gifts + EXCLUDED.gifts,
           coins = room_stats_minutes.coins + EXCLUDED.coins,
           mood_mean = COALESCE(EXCLUDED.mood_mean, room_stats_minutes.mood_mean),
           mood_count = CASE WHEN EXCLUDED.mood_mean IS NULL
             THEN room_stats_minutes.mood_count ELSE EXCLUDED.mood_count END`,
        params,
      );
      SM.written.inc(undefined, taken.size);
    } catch (err) {
      SM.failures.inc();
      this.#log?.warn("room stats write failed; retrying at the next flush", {
        error: err instanceof Error ? err.message : String(err),
        rows: taken.size,
      });
      // Merge back under what arrived meanwhile (both are deltas).
      for (const [key, d] of taken) {
        const later = this.#pending.get(key);
        if (!later) {
          this.#pending.set(key, d);
          continue;
        }
        later.viewers = Math.max(later.viewers, d.viewers);
        later.danmaku += d.danmaku;
        later.gifts += d.gifts;
        later.coins += d.coins;
        if (later.moodMean === null) {
          later.moodMean = d.moodMean;
          later.moodCount = d.moodCount;
        }
      }
    }
  }
}

/** Most minutes one read returns (a day). */
export const MAX_MINUTES = 1440;

/** A room's minutes in `[since, until)`, oldest first, at most `MAX_MINUTES`. */
export async function readStatsMinutes(
  sql: SqlExecutor,
  roomId: string,
  since: number,
  until: number,
): Promise<StatsMinute[]> {
  const rows = await sql.query<{
    minute: string | number;
    viewers: number;
    danmaku: number;
    gifts: number;
    coins: string;
    mood_mean: number | null;
  }>(
    `SELECT minute, viewers, danmaku, gifts, coins::text AS coins, mood_mean
       FROM room_stats_minutes
      WHERE room_id = $1 AND minute >= $2 AND minute < $3
      ORDER BY minute LIMIT ${MAX_MINUTES}`,
    [roomId, since, until],
  );
  return rows.map((r) => ({
    t: Number(r.minute),
    viewers: r.viewers,
    danmaku: r.danmaku,
    gifts: r.gifts,
    coins: r.coins,
    mood: r.mood_mean === null ? null : Number(r.mood_mean),
  }));
}
