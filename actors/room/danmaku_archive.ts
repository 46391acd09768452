/**
 * The danmaku archive: every chat message a room published, in Postgres (`danmaku_archive`,
 * migration 014), for VOD replay and the analysis of a busy window (the room itself keeps
 * only its last 200 messages of 10 minutes).
 *
 * Write path. The room actor hands each published batch to `record` (see `#flush` in
 * `room_actor.ts`): a synchronous push onto a bounded in-process buffer, nothing awaited, so
 * the room never waits for the database. A background drain writes the buffer a second after
 * its first entry (at once when a full statement's worth waits), each statement one JSON
 * array of rows (`json_to_recordset`: the same statement text and one parameter whatever
 * the batch size, where a `VALUES` list had six parameters a row for the server to bind and
 * plan; in the hot-room bench an embedded server's PGlite spent about 40 µs of CPU per
 * archived message at ~50 rows a statement, 15-20 at 200-500, 11-15 since the table keeps
 * one index, migration 210). A write that may repeat rows is made with `ON CONFLICT DO
 * NOTHING` on (room, time, message id), so a retried write, a restarted room or a second
 * writer never duplicates a message: the rows of a write that failed (it may have committed
 * before its answer was lost) and a write refused as a unique violation (a row already
 * there: sent again at once with the clause, not counted as a failure). A first write is a
 * plain `INSERT`, which a duplicate turns into that violation, rolling the statement back:
 * the clause's speculative insertion checked the index for every row before inserting it,
 * about 3-4 of PGlite's 9-12 µs of CPU per row. Since a room has one
 * activation in the whole cluster, the engine process hosting it is the only writer of its
 * messages, in embedded and cluster mode alike. A `retract` event (a late moderation verdict)
 * is written to `danmaku_retractions`, which readers subtract, so it works whichever write
 * lands first. A failed write is retried with backoff; past `maxBuffered` the oldest entries
 * are dropped and counted (`synapse_danmaku_archive_dropped_total`). Messages still buffered
 * when a process dies are lost from the archive (never from the live room).
 */
import type { Logger } from "../../engine/log.ts";
import { metrics } from "../../engine/metrics.ts";
import { type SqlExecutor, sqlState, UNIQUE_VIOLATION } from "../../engine/sql/sql.ts";
import type { Danmaku, RoomEvent } from "./contract.ts";
import type { DanmakuArchivePort } from "./ports.ts";

const AM = {
  written: metrics.counter(
    "synapse_danmaku_archive_written_total",
    "Danmaku rows (and retractions, kind=retract) written to the archive",
  ),
  failures: metrics.counter(
    "synapse_danmaku_archive_failures_total",
    "Archive writes that failed (retried with backoff)",
  ),
  dropped: metrics.counter(
    "synapse_danmaku_archive_dropped_total",
    "Archive entries dropped because the buffer was full",
  ),
  pending: metrics.gauge("synapse_danmaku_archive_pending", "Entries waiting to be archived"),
  lag: metrics.histogram(
    "synapse_danmaku_archive_lag_ms",
    "From a message's server time to its row being committed (ms)",
    [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000],
  ),
};

/** Open writers, summed for the pending gauge. */
const openWriters = new Set<DanmakuArchiveWriter>();
AM.pending.collect(() => [{
  value: [...openWriters].reduce((a, w) => a + w.stats().pending, 0),
}]);

type Entry =
  | { k: "d"; roomId: string; d: Danmaku }
  | { k: "r"; roomId: string; id: string; at: number };

interface ArchiveRow {
  id: string;
  room_id: string;
  user_id: string;
  name: string;
  body: string;
  at: number;
}
interface RetractRow {
  message_id: string;
  room_id: string;
  at: number;
}

/**
 * Rows as one JSON text for `json_populate_recordset`. Postgres cannot turn a JSON `\u0000` or
 * a lone surrogate escape into text (the whole statement would fail, and be retried for ever);
 * as a bound text parameter a lone surrogate became U+FFFD, so here too. The text policy
 * refuses both at the edge already: this only keeps one odd message from blocking the drain.
 */
function jsonRows(rows: readonly object[]): string {
  const json = JSON.stringify(rows);
  if (!json.includes("\\u")) return json;
  // an escape, not an escaped backslash followed by "u": an even run of backslashes before it
  return json.replace(/(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/g, "$1\\ufffd");
}

export interface DanmakuArchiveOptions {
  /** Entries held at most; the oldest are dropped past it (default 50,000). */
  maxBuffered?: number;
  /** Rows per statement (default 500). */
  batchSize?: number;
  /** A drain starts this long after the first buffered entry (default 1 s), or as soon as
   * `batchSize` entries wait. */
  flushDelayMs?: number;
  log?: Logger;
}

export interface DanmakuArchiveStats {
  pending: number;
  written: number;
  retractions: number;
  failures: number;
  dropped: number;
}

export class DanmakuArchiveWriter implements DanmakuArchivePort {
  readonly #sql: SqlExecutor;
  readonly #max: number;
  readonly #batch: number;
  readonly #delay: number;
  readonly #log?: Logger;
  #buf: Entry[] = [];
  /** The first entries of `#buf` that a failed write may have stored already: written with
   * `ON CONFLICT DO NOTHING`. */
  #unsure = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #draining: Promise<void> | undefined;
  #backoffMs = 0;
  #closed = false;
  readonly #stats = { written: 0, retractions: 0, failures: 0, dropped: 0 };

  constructor(sql: SqlExecutor, opts: DanmakuArchiveOptions = {}) {
    this.#sql = sql;
    this.#max = opts.maxBuffered ?? 50_000;
    this.#batch = opts.batchSize ?? 500;
    this.#delay = opts.flushDelayMs ?? 1_000;
    this.#log = opts.log;
    openWriters.add(this);
  }

  record(roomId: string, events: readonly RoomEvent[]): void {
    if (this.#closed) return;
    let added = false;
    for (const e of events) {
      if (e.t === "danmaku") this.#buf.push({ k: "d", roomId, d: e.d });
      else if (e.t === "retract") {
        this.#buf.push({ k: "r", roomId, id: e.messageId, at: e.at });
      } else continue;
      added = true;
    }
    if (!added) return;
    if (this.#buf.length > this.#max) {
      const over = this.#buf.length - this.#max;
      this.#buf.splice(0, over);
      this.#unsure = Math.max(0, this.#unsure - over);
      this.#stats.dropped += over;
      AM.dropped.inc(undefined, over);
    }
    if (this.#buf.length >= this.#batch) this.#startDrain();
    else this.#schedule(this.#delay);
  }

  stats(): DanmakuArchiveStats {
    return { pending: this.#buf.length, ...this.#stats };
  }

  /** Resolves once everything buffered now has been written (or `timeoutMs` passed). */
  async flush(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.#buf.length > 0 || this.#draining) {
      if (Date.now() > deadline) return false;
      if (!this.#draining) this.#startDrain();
      await Promise.race([this.#draining, new Promise((r) => setTimeout(r, 50))]);
    }
    return true;
  }

  /** Writes what is buffered (bounded wait), then refuses new entries. */
  async close(timeoutMs = 5_000): Promise<void> {
    const ok = await this.flush(timeoutMs);
    this.#closed = true;
    openWriters.delete(this);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!ok) {
      this.#log?.warn("danmaku archive closed with entries unwritten", {
        pending: this.#buf.length,
      });
    }
  }

  #schedule(ms: number): void {
    if (this.#timer !== undefined || this.#draining || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#startDrain();
    }, ms);
  }

  #startDrain(): void {
    if (this.#draining) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
      if (this.#buf.length > 0) this.#schedule(this.#backoffMs || 0);
    });
  }

  async #drain(): Promise<void> {
    while (this.#buf.length > 0) {
      const take = this.#buf.splice(0, this.#batch);
      const unsure = this.#unsure > 0;
      this.#unsure = Math.max(0, this.#unsure - take.length);
      try {
        try {
          await this.#write(take, unsure);
        } catch (err) {
          // a row already there (and the statement rolled back): again, skipping such rows
          if (unsure || sqlState(err) !== UNIQUE_VIOLATION) throw err;
          await this.#write(take, true);
        }
        this.#backoffMs = 0;
      } catch (err) {
        // back in front (bounded by the next `record`), retried after a backoff; they may
        // have been stored (an answer lost after the commit)
        this.#buf.unshift(...take);
        this.#unsure += take.length;
        this.#stats.failures++;
        AM.failures.inc();
        this.#backoffMs = Math.min(5_000, Math.max(100, this.#backoffMs * 2));
        this.#log?.warn("danmaku archive write failed; retrying", {
          error: err instanceof Error ? err.message : String(err),
          pending: this.#buf.length,
          retryInMs: this.#backoffMs,
        });
        return;
      }
    }
  }

  /** `mayRepeat`: some rows may be stored already (written with `ON CONFLICT DO NOTHING`). */
  async #write(entries: Entry[], mayRepeat: boolean): Promise<void> {
    const rows: ArchiveRow[] = [];
    const retracts: RetractRow[] = [];
    for (const e of entries) {
      if (e.k === "d") {
        const d = e.d;
        rows.push({
          id: d.id,
          room_id: e.roomId,
          user_id: d.userId,
          name: d.name,
          body: d.text,
          at: d.at,
        });
      } else retracts.push({ message_id: e.id, room_id: e.roomId, at: e.at });
    }
    if (rows.length > 0) {
      await this.#sql.query(
        `INSERT INTO danmaku_archive (id, room_id, user_id, name, body, at)
           SELECT id, room_id, user_id, name, body, at
             FROM json_to_recordset($1::text::json)
               AS r(id text, room_id text, user_id text, name text, body text, at bigint)${
          mayRepeat ? "\n           ON CONFLICT (room_id, at, id) DO NOTHING" : ""
        }`,
        [jsonRows(rows)],
      );
    }
    if (retracts.length > 0) {
      await this.#sql.query(
        `INSERT INTO danmaku_retractions (message_id, room_id, at)
           SELECT message_id, room_id, at
             FROM json_populate_recordset(NULL::danmaku_retractions, $1::text::json)
           ON CONFLICT (message_id) DO NOTHING`,
        [jsonRows(retracts)],
      );
    }
    const now = Date.now();
    for (const e of entries) if (e.k === "d") AM.lag.observe(Math.max(0, now - e.d.at));
    this.#stats.written += rows.length;
    this.#stats.retractions += retracts.length;
    if (rows.length) AM.written.inc({ kind: "danmaku" }, rows.length);
    if (retracts.length) AM.written.inc({ kind: "retract" }, retracts.length);
  }
}

/** A page of archived danmaku, ordered by (at, id). */
export interface ArchivePage {
  danmaku: Danmaku[];
  /** More rows follow: pass the last one's `(at, id)` as `after`. */
  more: boolean;
}

/** Reads the archive (retracted messages left out). */
export class DanmakuArchiveReader {
  constructor(private readonly sql: SqlExecutor) {}

  /**
   * The room's danmaku with `fromAt <= at < toAt`, after the cursor, at most `limit`, oldest
   * first (`newest`: the last `limit` of the span, still returned oldest first).
   */
  async range(
    roomId: string,
    fromAt: number,
    toAt: number,
    opts: { limit: number; after?: { at: number; id: string }; newest?: boolean },
  ): Promise<ArchivePage> {
    const after = opts.after ?? { at: fromAt, id: "" };
    const dir = opts.newest ? "DESC" : "ASC";
    const rows = await this.sql.query<
      { id: string; user_id: string; name: string; body: string; at: bigint | number | string }
    >(
      `SELECT d.id, d.user_id, d.name, d.body, d.at FROM danmaku_archive d
        WHERE d.room_id = $1 AND d.at >= $2 AND d.at < $3 AND (d.at, d.id) > ($4::bigint, $5::text)
          AND NOT EXISTS (SELECT 1 FROM danmaku_retractions r WHERE r.message_id = d.id)
        ORDER BY d.at ${dir}, d.id ${dir} LIMIT $6`,
      [roomId, Math.floor(fromAt), Math.ceil(toAt), Math.floor(after.at), after.id, opts.limit + 1],
    );
    const more = rows.length > opts.limit;
    const kept = rows.slice(0, opts.limit);
    if (opts.newest) kept.reverse();
    return {
      danmaku: kept.map((r) => ({
        id: r.id,
        userId: r.user_id,
        name: r.name,
        text: r.body,
        at: Number(r.at),
      })),
      more,
    };
  }
}
