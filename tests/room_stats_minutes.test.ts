/**
 * The rooms' stats per minute (actors/room/stats_archive.ts, migration 101) on real Postgres:
 * - the writer adds counts, keeps the peak of viewers and the AI's mood of a minute, and two
 *   writers (two activations of a room, one after the other) add up; coins stay exact past
 *   2^53; a failed write keeps its deltas for the next flush;
 * - end to end: chat in a room, the server process stops (its room's 10 s buckets go with it),
 *   a new one starts on the same database: `GET /api/rooms/:id/stats/minutes` still has the
 *   minute, the new room's live buckets do not, and the dashboard's charts draw the archived
 *   minute (headless Chromium; skipped, saying so, without it).
 */
import assert from "node:assert/strict";
import { StatsArchiveWriter } from "../actors/room/stats_archive.ts";
import type { RoomEvent } from "../actors/room/contract.ts";
import { openPostgresStore } from "../engine/sql/postgres_store.ts";
import { migrate } from "../engine/sql/migrate.ts";
import { appMigrations } from "../edge/wiring/migrations.ts";
import { hasChromium, launchChromium, signedInPage } from "./helpers/browser.ts";
import { createScratchDatabase } from "./helpers/db.ts";
import { TestViewer } from "./helpers/edge_client.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";
import { waitForValue } from "./helpers/wait.ts";

const browserOk = await hasChromium("room_stats_minutes (the charts part)");
const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 5, 1, 0);

const say = (n: number): RoomEvent[] =>
  Array.from({ length: n }, (_, i) =>
    ({
      t: "danmaku",
      d: { id: `m${i}`, userId: "u", name: "u", text: "hi", at: T0 },
    }) as RoomEvent);
const gift = (amount: string): RoomEvent => ({
  t: "gift",
  g: {
    id: "g",
    userId: "u",
    name: "u",
    giftId: "rocket",
    giftName: "Rocket",
    count: 1,
    amount,
    at: T0,
  },
});

Deno.test("room stats minutes: counts add up across writers, peak viewers, mood, exact coins", async () => {
  const scratch = await createScratchDatabase();
  const store = openPostgresStore(scratch.url, { max: 2 });
  try {
    await migrate(store, await appMigrations());
    const first = new StatsArchiveWriter(store, { flushMs: 3_600_000 });
    first.record("r1", say(3), 5, T0 + 1_000);
    first.record("r1", [gift("9007199254740993")], 8, T0 + 2_000);
    first.record("r1", say(1), 2, T0 + MIN + 1_000);
    await first.flush();
    // A second activation (the room woke again, maybe in another process) writes the same
    // minute: counts add, the viewers' peak stays, the AI's mood arrives for the first minute.
    const second = new StatsArchiveWriter(store, { flushMs: 3_600_000 });
    second.record("r1", [...say(2), gift("7")], 6, T0 + 30_000);
    second.record(
      "r1",
      [{
        t: "mood",
        m: { minute: T0, count: 4, mean: 0.5, positive: 2, neutral: 2, negative: 0 },
      } as unknown as RoomEvent],
      6,
      T0 + MIN + 2_000,
    );
    await second.flush();
    const rows = await store.query<
      { minute: string; viewers: number; danmaku: number; gifts: number; coins: string }
    >(
      "SELECT minute::text, viewers, danmaku, gifts, coins::text AS coins, mood_mean " +
        "FROM room_stats_minutes WHERE room_id = 'r1' ORDER BY minute",
    );
    assert.deepEqual(rows.map((r) => ({ ...r })), [
      {
        minute: String(T0),
        viewers: 8,
        danmaku: 5,
        gifts: 2,
        coins: "9007199254741000",
        mood_mean: 0.5,
      },
      {
        minute: String(T0 + MIN),
        viewers: 6,
        danmaku: 1,
        gifts: 0,
        coins: "0",
        mood_mean: null,
      },
    ]);

    // A failed write keeps its deltas: the table is away, then back.
    await store.query("ALTER TABLE room_stats_minutes RENAME TO room_stats_minutes_away");
    second.record("r1", say(4), 1, T0 + 2 * MIN);
    await second.flush();
    await store.query("ALTER TABLE room_stats_minutes_away RENAME TO room_stats_minutes");
    second.record("r1", say(1), 1, T0 + 2 * MIN);
    await second.flush();
    const [third] = await store.query<{ danmaku: number }>(
      "SELECT danmaku FROM room_stats_minutes WHERE room_id = 'r1' AND minute = $1",
      [T0 + 2 * MIN],
    );
    assert.equal(third.danmaku, 5, "the failed write's 4 and the next 1");
    await first.close();
    await second.close();
  } finally {
    await store.close();
    await scratch.drop();
  }
});

Deno.test({
  name: "room stats minutes: the dashboard's charts survive the server restarting",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const scratch = await createScratchDatabase();
    const start = () => startTestServer({ accounts: true, env: { DATABASE_URL: scratch.url } });
    let srv: TestServer | undefined = await start();
    let viewer: TestViewer | undefined;
    const room = "statsroom";
    const json = async (s: TestServer, path: string) => {
      const res = await fetch(`${s.url}/api${path}`);
      assert.equal(res.status, 200, path);
      return await res.json();
    };
    try {
      const { token } = await srv.guest("chatty");
      viewer = (await TestViewer.join(srv.wsUrl(room), room, token)).viewer;
      // The room counts viewers from its edges' presence reports, which follow the join:
      // chat only once the room has counted this viewer (a fast machine chats before).
      const counted = srv;
      await waitForValue("the room counts its viewer", async () => {
        const stats = await json(counted, `/rooms/${room}/stats`);
        return stats.current.viewers >= 1 ? true : undefined;
      });
      for (let i = 0; i < 3; i++) {
        viewer.send({ type: "say", text: `message number ${i}`, clientId: `c${i}` });
        await viewer.next((f) => f.type === "ack" && f.clientId === `c${i}`, 30_000);
      }
      await viewer.close();
      viewer = undefined;
      // Stopping the process writes what is pending (and drops the room's memory).
      await srv.close();
      srv = await start();
      const live = await json(srv, `/rooms/${room}/stats`);
      const liveChat = [...live.points, live.current].reduce(
        (n: number, p: { danmaku: number }) => n + p.danmaku,
        0,
      );
      assert.equal(liveChat, 0, "the new activation starts with empty buckets");
      const { minutes } = await json(srv, `/rooms/${room}/stats/minutes`);
      assert.equal(
        minutes.reduce((n: number, m: { danmaku: number }) => n + m.danmaku, 0),
        3,
        JSON.stringify(minutes),
      );
      assert.ok(
        minutes.every((m: { viewers: number; danmaku: number }) =>
          m.danmaku === 0 || m.viewers >= 1
        ),
        `someone watched while chatting: ${JSON.stringify(minutes)}`,
      );
      const bad = await fetch(`${srv.url}/api/rooms/${room}/stats/minutes?since=soon`);
      assert.equal(bad.status, 400);
      await bad.body?.cancel();

      if (!browserOk) return;
      const reg = await fetch(`${srv.url}/api/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "stats_watcher", password: "correct horse battery" }),
      });
      const s = await reg.json();
      const browser = await launchChromium();
      const errors: string[] = [];
      try {
        const page = await signedInPage(browser, s, errors);
        await page.goto(`${srv.url}/studio/${room}`, {
          waitUntil: "domcontentloaded",
          timeout: 60_000,
        });
        const x = minutes[0].t / 1000;
        await waitForValue("the archived minute in the viewers chart", async () => {
          const xs = await page.evaluate(
            `document.getElementById("chart-viewers")?.uplot?.data?.[0] ?? []`,
          ) as number[];
          return xs.includes(x) || undefined;
        }, { timeoutMs: 60_000, stepMs: 500 });
        assert.deepEqual(errors, []);
      } finally {
        await browser.close();
      }
    } finally {
      await viewer?.close();
      await srv?.close();
      await scratch.drop();
    }
  },
});
