/**
 * The database slow, then down, under a live room on real Postgres (issue 10): chat goes on
 * while a gift waits on the ledger (gifts commit beside the room's mailbox turn), gifts made
 * while the database refuses connections are refused with `ledger_unavailable`, and a client
 * retrying with the same idempotency key once it is back is charged exactly once.
 *
 * Slow: another connection holds the sender's wallet row locked, so the gift's transaction
 * waits. Down: the test database stops accepting connections (`ALLOW_CONNECTIONS false`) and
 * the server's connections are terminated; the machine's Postgres keeps serving the others.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { createScratchDatabase, PG_ADMIN_URL } from "./helpers/db.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { callJson } from "./helpers/http.ts";
import { signUp } from "./helpers/accounts_app.ts";
import { startTestServer } from "./helpers/server.ts";
import { waitForValue } from "./helpers/wait.ts";

const ROOM = "outage-room";

Deno.test("ledger slow or down: chat goes on, gifts refused ledger_unavailable, retries charge once [postgres]", async (t) => {
  const scratch = await createScratchDatabase();
  const srv = await startTestServer({
    accounts: true,
    env: { DATABASE_URL: scratch.url },
    // The chatter says a line per step: no per-user rate limit in the way.
    roomOptions: { rateLimit: { burst: 100, refillPerSec: 100 } },
  });
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  const inDb = postgres(scratch.url, { max: 1, onnotice: () => {} });
  const sockets: TestViewer[] = [];
  let closedDb = false;
  try {
    const host = await signUp(srv, "outage_host");
    const fan = await signUp(srv, "outage_fan");
    const talker = await signUp(srv, "outage_talker");
    const room = await callJson(srv.url, "/api/rooms", {
      json: { id: ROOM, title: "Outage" },
      token: host.token,
    });
    assert.equal(room.status, 201);
    const topup = await callJson(srv.url, "/api/wallet/topup", {
      json: { amount: "100", idempotencyKey: "outage-topup" },
      token: fan.token,
    });
    assert.equal(topup.status, 201);
    const gifter = (await TestViewer.join(srv.wsUrl(ROOM), ROOM, fan.token)).viewer;
    const chatter = (await TestViewer.join(srv.wsUrl(ROOM), ROOM, talker.token)).viewer;
    sockets.push(gifter, chatter);
    let said = 0;
    /** One chat line from the other viewer, acked and broadcast. */
    const chatGoesOn = async () => {
      const clientId = `say-${++said}`;
      const text = `still chatting ${said}`;
      chatter.send({ type: "say", text, clientId });
      const ack = await chatter.next((f) => f.clientId === clientId);
      assert.equal(ack.type, "ack", JSON.stringify(ack));
      await gifter.next((f) =>
        f.type === "batch" && f.events.some((e: Frame) => e.t === "danmaku" && e.d.text === text)
      );
    };
    const gift = (idempotencyKey: string, clientId: string) => {
      gifter.send({ type: "gift", giftId: "rose", count: 1, idempotencyKey, clientId });
      return gifter.next((f) => f.clientId === clientId, 30_000);
    };
    const wallet = async () => {
      const [row] = await inDb<{ balance: bigint }[]>`
        SELECT balance FROM accounts WHERE id = ${"wallet:" + fan.id}`;
      return BigInt(row.balance);
    };

    await t.step("slow: a gift waits on a locked wallet while chat goes on", async () => {
      const locked = Promise.withResolvers<void>();
      const release = Promise.withResolvers<void>();
      const holder = inDb.begin(async (tx) => {
        await tx`SELECT id FROM accounts WHERE id = ${"wallet:" + fan.id} FOR UPDATE`;
        locked.resolve();
        await release.promise;
      });
      await locked.promise;
      const pending = gift("outage-slow-1", "slow-1");
      // The gift's transaction now waits for the lock: wait until Postgres says so.
      await waitForValue("the gift waiting on the wallet's lock", async () => {
        const [{ n }] = await admin<{ n: number }[]>`
          SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = ${scratch.name} AND wait_event_type = 'Lock'`;
        return n > 0 ? true : undefined;
      }, { stepMs: 20 });
      for (let i = 0; i < 3; i++) await chatGoesOn();
      release.resolve();
      await holder;
      const reply = await pending;
      assert.equal(reply.type, "gift_ok", JSON.stringify(reply));
      assert.equal(await wallet(), 99n);
    });

    await t.step("down: gifts are refused ledger_unavailable; chat goes on", async () => {
      await admin.unsafe(`ALTER DATABASE ${scratch.name} ALLOW_CONNECTIONS false`);
      closedDb = true;
      await inDb.end({ timeout: 5 });
      await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                   WHERE datname = ${scratch.name} AND pid <> pg_backend_pid()`;
      for (let i = 1; i <= 3; i++) {
        const reply = await gift("outage-down-1", `down-${i}`);
        assert.equal(reply.type, "error", JSON.stringify(reply));
        assert.equal(reply.code, "ledger_unavailable", JSON.stringify(reply));
        await chatGoesOn();
      }
    });

    await t.step("back: the retry with the same key is charged once", async () => {
      await admin.unsafe(`ALTER DATABASE ${scratch.name} ALLOW_CONNECTIONS true`);
      closedDb = false;
      const first = await gift("outage-down-1", "back-1");
      assert.equal(first.type, "gift_ok", JSON.stringify(first));
      assert.equal(first.result.replayed, false);
      const again = await gift("outage-down-1", "back-2");
      assert.equal(again.type, "gift_ok", JSON.stringify(again));
      assert.equal(again.result.replayed, true);
      const check = postgres(scratch.url, { max: 1, onnotice: () => {} });
      try {
        const [row] = await check<{ balance: bigint }[]>`
          SELECT balance FROM accounts WHERE id = ${"wallet:" + fan.id}`;
        assert.equal(BigInt(row.balance), 98n, "two gifts of 1 coin, each charged once");
        const [{ n }] = await check<{ n: number }[]>`
          SELECT count(*)::int AS n FROM gifts WHERE sender_id = ${fan.id}`;
        assert.equal(n, 2);
      } finally {
        await check.end({ timeout: 5 });
      }
      await chatGoesOn();
    });
  } finally {
    if (closedDb) await admin.unsafe(`ALTER DATABASE ${scratch.name} ALLOW_CONNECTIONS true`);
    for (const s of sockets) await s.close().catch(() => {});
    await srv.close();
    await inDb.end({ timeout: 5 }).catch(() => {});
    await admin.end({ timeout: 5 });
    await scratch.drop();
  }
});
