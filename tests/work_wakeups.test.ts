/**
 * Work queued in the database wakes other processes' workers (migrations 211 and 212,
 * edge/wiring/work_wakeups.ts), on real Postgres with two stores standing for two processes,
 * and on PGlite (one process):
 * - each queue's channel is notified when its work is queued, and a write that queues nothing
 *   (an event no endpoint hears) wakes nobody;
 * - a webhook worker whose polls are an hour apart delivers, at once, an event another
 *   process queued and an operator's redelivery made there: only the wake-up can start it.
 */
import assert from "node:assert/strict";
import type { WebhookEventType } from "../actors/webhooks/events.ts";
import { type EventRow, WebhookStore } from "../actors/webhooks/store.ts";
import { openPostgresStore } from "../engine/sql/postgres_store.ts";
import type { SqlStore } from "../engine/sql/sql.ts";
import { createLogger } from "../engine/log.ts";
import { WebhookWorker } from "../edge/webhooks/worker.ts";
import { Shutdown } from "../edge/wiring/shutdown.ts";
import { QUEUED_WORK_CHANNELS, wakeOnQueuedWork } from "../edge/wiring/work_wakeups.ts";
import { dbTest, freshDatabase, type TestDb } from "./helpers/db.ts";
import { makeUser } from "./helpers/economy_fixtures.ts";
import { waitForValue } from "./helpers/wait.ts";

const silentLogger = createLogger({}, "error");

/** Waits (bounded) until `done()` holds. */
const until = (what: string, done: () => boolean) =>
  waitForValue(what, () => Promise.resolve(done() || undefined));

/** A second "process" on the same database (postgres), or the same store (pglite). */
function otherProcess(db: TestDb): SqlStore {
  return db.url ? openPostgresStore(db.url, { max: 2 }) : db.store;
}

const event = (id: string, type: WebhookEventType = "stream.started"): EventRow => ({
  id,
  event: { type, key: id, at: Date.now(), roomId: undefined, data: { n: id } },
});

dbTest(
  "work wakeups: each queue's channel is notified, and only when work is queued",
  async (db) => {
    const listener = otherProcess(db);
    const shutdown = new Shutdown(silentLogger);
    const heard: string[] = [];
    try {
      for (const channel of Object.values(QUEUED_WORK_CHANNELS)) {
        await wakeOnQueuedWork(listener, shutdown, channel, () => heard.push(channel));
      }
      // Subscribing calls once (notifications sent before it are unknown): start from here.
      heard.length = 0;
      const hooks = new WebhookStore(db.store);
      // An event nobody hears queues no delivery: no wake-up. The next write's notification
      // arrives after any this one would have sent (one connection delivers them in order).
      await hooks.insertEvents([event("ev_unheard", "gift.received")]);
      // A streamer's stream.started event makes a fan-out job (131's trigger).
      const streamer = await makeUser(db.store);
      const started = event("ev_job");
      await hooks.insertEvents([{ ...started, event: { ...started.event, ownerId: streamer } }]);
      await until("the job's wake-up", () => heard.includes(QUEUED_WORK_CHANNELS.notificationJobs));
      assert.deepEqual(heard, [QUEUED_WORK_CHANNELS.notificationJobs]);

      const endpoint = await hooks.createEndpoint({
        ownerId: null,
        url: "http://127.0.0.1:9/hook",
        description: "",
        eventTypes: [],
      });
      heard.length = 0;
      assert.equal(await hooks.insertEvents([event("ev_1"), event("ev_2")]), 2);
      await until("a wake-up", () => heard.length > 0);
      // Two rows in one statement: one notification (Postgres folds repeats in a transaction).
      assert.deepEqual(heard, [QUEUED_WORK_CHANNELS.webhookDeliveries]);

      // A manual redelivery of a delivery already tried wakes the worker again.
      const [{ id }] = await db.store.query<{ id: string }>(
        "SELECT id::text AS id FROM webhook_deliveries WHERE endpoint_id = $1 LIMIT 1",
        [endpoint.id],
      );
      await db.store.query("UPDATE webhook_deliveries SET status = 'failed' WHERE id = $1", [id]);
      heard.length = 0;
      await hooks.redeliver(id);
      await until("a wake-up", () => heard.length > 0);
      assert.deepEqual(heard, [QUEUED_WORK_CHANNELS.webhookDeliveries]);

      const [{ nid }] = await db.store.query<{ nid: string }>(
        `INSERT INTO notifications (event_id, user_id, kind, payload, in_app)
       VALUES ('ev_job', $1, 'live', '{}'::jsonb, true) RETURNING id::text AS nid`,
        [streamer],
      );
      heard.length = 0;
      await db.store.query(
        "INSERT INTO notification_sends (notification_id, channel) VALUES ($1, 'push')",
        [nid],
      );
      await until("a wake-up", () => heard.length > 0);
      assert.deepEqual(heard, [QUEUED_WORK_CHANNELS.notificationSends]);
    } finally {
      await shutdown.run();
      if (listener !== db.store) await listener.close();
    }
  },
);

Deno.test("work wakeups: a delivery another process queued is sent without waiting for a poll", async () => {
  const db = await freshDatabase("postgres");
  const here = otherProcess(db);
  const shutdown = new Shutdown(silentLogger);
  const got: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    got.push(JSON.parse(await req.text()).data.n);
    return new Response("ok");
  });
  try {
    const worker = new WebhookWorker({
      store: new WebhookStore(here),
      workerId: "here",
      schedule: [3_600],
      timeoutMs: 10_000,
      concurrency: 1,
      // An hour between polls: within the test, only a wake-up can start a delivery.
      pollMs: 3_600_000,
      allowAddress: (a) => a === "127.0.0.1",
      log: silentLogger,
    });
    shutdown.defer("worker", () => worker.close());
    await wakeOnQueuedWork(
      here,
      shutdown,
      QUEUED_WORK_CHANNELS.webhookDeliveries,
      () => worker.nudge(),
    );
    // The worker's first scan finds nothing; from now on it sleeps for an hour unless woken.
    const elsewhere = new WebhookStore(db.store);
    await elsewhere.createEndpoint({
      ownerId: null,
      url: `http://127.0.0.1:${server.addr.port}/hook`,
      description: "",
      eventTypes: [],
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await elsewhere.insertEvents([event("ev_elsewhere")]), 1);
    await until("the delivery", () => got.includes("ev_elsewhere"));
    const [{ id }] = await db.store.query<{ id: string }>(
      "SELECT id::text AS id FROM webhook_deliveries",
    );
    await elsewhere.redeliver(id);
    await until("the redelivery", () => got.filter((n) => n === "ev_elsewhere").length === 2);
    assert.deepEqual(got, ["ev_elsewhere", "ev_elsewhere"]);
  } finally {
    await shutdown.run();
    await server.shutdown();
    await here.close();
    await db.close();
  }
});
