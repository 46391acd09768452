/**
 * The danmaku archive's writer on both backends (PGlite and the local Postgres): every row of
 * a batch larger than one statement arrives exactly once with its text unchanged — quotes,
 * backslashes, emoji, a literal `\u0000`, control characters — and retractions hide their
 * message. A NUL or a lone surrogate (which the edge's text policy refuses before a message
 * gets here) is stored as U+FFFD instead of failing the whole statement for ever. A write
 * whose answer is lost after it committed is retried without storing its rows twice.
 */
import assert from "node:assert/strict";
import { DanmakuArchiveReader, DanmakuArchiveWriter } from "../actors/room/danmaku_archive.ts";
import type { Danmaku } from "../actors/room/contract.ts";
import { BACKENDS, freshDatabase } from "./helpers/db.ts";
import type { SqlExecutor } from "../engine/sql/sql.ts";

const ODD = [
  `quotes " and ' and \\ backslash`,
  "a literal \\u0000 and \\ud800 in the text",
  "emoji 😀👍 and 哈哈哈 666",
  "control \u0001\u001f and tab\t",
  "",
];

for (const backend of BACKENDS) {
  Deno.test({
    name: `danmaku archive writer (${backend}): big batches once, text unchanged, retractions`,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const db = await freshDatabase(backend);
      const writer = new DanmakuArchiveWriter(db.store, { batchSize: 250 });
      try {
        const t0 = 1_700_000_000_000;
        const sent: Danmaku[] = Array.from({ length: 600 }, (_, i) => ({
          id: `m${String(i).padStart(4, "0")}`,
          userId: `u${i % 7}`,
          name: `name ${i % 7}`,
          text: i < ODD.length ? ODD[i] : `message ${i}`,
          at: t0 + i,
        }));
        // one batch of 600 (past the batch size: written at once, in three statements),
        // then the first 10 again (a retried batch), a retraction, and two odd ones
        writer.record("room-a", sent.map((d) => ({ t: "danmaku", d })));
        writer.record("room-a", sent.slice(0, 10).map((d) => ({ t: "danmaku", d })));
        writer.record("room-a", [
          { t: "retract", messageId: "m0007", auditId: "a1", by: "ai:local", at: t0 + 700 },
        ]);
        const odd = [
          {
            id: "x1",
            userId: "u1",
            name: "n\u0000ul",
            text: "lone \ud800 surrogate",
            at: t0 + 800,
          },
          { id: "x2", userId: "u1", name: "n", text: "nul \u0000 inside", at: t0 + 801 },
        ];
        writer.record("room-a", odd.map((d) => ({ t: "danmaku", d })));
        assert.ok(await writer.flush(30_000), "the archive drained");
        const stats = writer.stats();
        assert.equal(stats.failures, 0);
        assert.equal(stats.written, 612, "every row sent (duplicates included) was written");
        assert.equal(stats.retractions, 1);

        const reader = new DanmakuArchiveReader(db.store);
        const page = await reader.range("room-a", t0, t0 + 1_000, { limit: 1_000 });
        assert.equal(page.more, false);
        const expected = [
          ...sent.filter((d) => d.id !== "m0007"),
          { ...odd[0], name: "n\ufffdul", text: "lone \ufffd surrogate" },
          { ...odd[1], text: "nul \ufffd inside" },
        ];
        assert.deepEqual(page.danmaku, expected);
        const n = await db.store.query<{ n: string }>(
          "SELECT count(*)::text AS n FROM danmaku_archive WHERE room_id = 'room-a'",
        );
        assert.equal(n[0].n, "602", "each message once (the retracted one is kept, hidden)");
      } finally {
        await writer.close();
        await db.close();
      }
    },
  });

  Deno.test({
    name: `danmaku archive writer (${backend}): a write lost after its commit is not stored twice`,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const db = await freshDatabase(backend);
      // the database commits the first archive statement, then its answer is lost
      let lose = 1;
      const store: SqlExecutor = {
        async query(text, params) {
          const rows = await db.store.query(text, params);
          if (text.includes("INTO danmaku_archive") && lose-- > 0) {
            throw new Error("connection lost");
          }
          return rows as never;
        },
      };
      const writer = new DanmakuArchiveWriter(store, { batchSize: 100 });
      try {
        const t0 = 1_700_000_000_000;
        const sent: Danmaku[] = Array.from({ length: 150 }, (_, i) => ({
          id: `m${i}`,
          userId: "u1",
          name: "n",
          text: `message ${i}`,
          at: t0 + i,
        }));
        writer.record("room-b", sent.map((d) => ({ t: "danmaku", d })));
        assert.ok(await writer.flush(30_000), "the archive drained");
        assert.equal(writer.stats().failures, 1);
        const n = await db.store.query<{ n: string }>(
          "SELECT count(*)::text AS n FROM danmaku_archive WHERE room_id = 'room-b'",
        );
        assert.equal(n[0].n, "150", "each message once");
      } finally {
        await writer.close();
        await db.close();
      }
    },
  });
}
