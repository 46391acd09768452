/**
 * The notifications' fan-out on both database backends: a `stream.started` event written the
 * way the outbox writes it becomes a job (the trigger on the event log), and the job one inbox
 * row per follower, preferences respected, sends only for reachable channels; a worker that
 * dies after a page leaves the job where it was and another worker finishes it with nobody
 * notified twice; a second live event inside the cool-down notifies nobody; a paid withdrawal
 * notifies its streamer alone; a sender that dies mid-send leaves its sends `uncertain`, never
 * sent again.
 */
import assert from "node:assert/strict";
import { eventId, type OutboundEvent } from "../actors/webhooks/events.ts";
import { WebhookStore } from "../actors/webhooks/store.ts";
import { FanoutWorker } from "../actors/notifications/fanout.ts";
import { NotificationStore } from "../actors/notifications/store.ts";
import { createLogger } from "../engine/log.ts";
import type { SqlStore } from "../engine/sql/sql.ts";
import { dbTest } from "./helpers/db.ts";
import { makeStreamerWithRoom, makeUser } from "./helpers/economy_fixtures.ts";
import { waitForValue } from "./helpers/wait.ts";

const log = createLogger({ test: "notify_fanout" }, "error");

async function emit(store: SqlStore, event: OutboundEvent): Promise<string> {
  const id = await eventId(event.type, event.key);
  await new WebhookStore(store).insertEvents([{ id, event }]);
  return id;
}

async function followers(store: SqlStore, streamerId: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await makeUser(store, "f"));
  await store.query(
    `INSERT INTO follows (follower_id, followee_id)
     SELECT jsonb_array_elements_text($1::jsonb), $2`,
    [JSON.stringify(ids), streamerId],
  );
  return ids;
}

async function inboxCounts(store: SqlStore, event: string) {
  const rows = await store.query<{ user_id: string; n: number }>(
    "SELECT user_id, count(*)::int AS n FROM notifications WHERE event_id = $1 GROUP BY user_id",
    [event],
  );
  return new Map(rows.map((r) => [r.user_id, Number(r.n)]));
}

const jobOf = async (store: SqlStore, event: string) =>
  (await store.query<{ status: string; fanned: number }>(
    "SELECT status, fanned FROM notification_jobs WHERE event_id = $1",
    [event],
  ))[0];

dbTest(
  "notifications: a live event fans out to every follower once, across a worker's crash",
  async ({ store }) => {
    const notes = new NotificationStore(store);
    const { streamerId, roomId } = await makeStreamerWithRoom(store);
    const fans = await followers(store, streamerId, 23);
    // One follower turned the inbox off and has no other channel: nothing for them. One has
    // a browser subscribed: a push send. E-mail is off in this process (no SMTP).
    const [quiet, pushed] = fans;
    await notes.setPreferences(quiet, [{ kind: "live", channel: "in_app", enabled: false }]);
    await notes.subscribe(pushed, { endpoint: "https://push.example/1", p256dh: "k", auth: "a" });
    const other = await makeUser(store, "o"); // follows nobody
    const at = Date.now();
    const event = await emit(store, {
      type: "stream.started",
      key: `${roomId}@${at}`,
      roomId,
      at,
      data: { roomId },
    });
    assert.equal((await jobOf(store, event))?.status, "pending", "the trigger made a job");

    // The first worker dies after its second page (5 per page).
    let crashed = false;
    const first = new FanoutWorker({
      store: notes,
      workerId: "w1",
      pageSize: 5,
      leaseMs: 300,
      pollMs: 50,
      emailOn: false,
      afterPage: (_job, page) => {
        if (page === 2 && !crashed) {
          crashed = true;
          throw new Error("worker died");
        }
      },
      log,
    });
    await waitForValue("the first worker crashed", () => Promise.resolve(crashed || undefined));
    await first.close();
    const mid = await inboxCounts(store, event);
    assert.ok(mid.size > 0 && mid.size < 22, `part of the followers written: ${mid.size}`);

    const second = new FanoutWorker({
      store: notes,
      workerId: "w2",
      pageSize: 5,
      leaseMs: 300,
      pollMs: 50,
      emailOn: false,
      log,
    });
    try {
      await waitForValue(
        "the job is done",
        async () => (await jobOf(store, event))?.status === "done" || undefined,
      );
    } finally {
      await second.close();
    }
    const counts = await inboxCounts(store, event);
    assert.equal(counts.has(quiet), false, "in-app off and nothing else: no row");
    assert.equal(counts.has(other), false);
    assert.equal(counts.size, 22);
    for (const [user, n] of counts) {
      assert.equal(n, 1, `${user} notified once`);
    }
    assert.equal((await jobOf(store, event)).fanned, 22);
    assert.deepEqual(await notes.sendCounts(event), { "push:queued": 1 });
    const inbox = await notes.inbox(fans[5], { limit: 10 });
    assert.equal(inbox.unread, 1);
    assert.equal(inbox.notifications[0].kind, "live");
    assert.equal(inbox.notifications[0].payload.roomId, roomId);
    assert.equal(inbox.notifications[0].payload.roomTitle, "Test room");
    assert.equal(await notes.markRead(fans[5]), 0);

    // Live again a minute later (inside the cool-down): nobody is told twice.
    const again = await emit(store, {
      type: "stream.started",
      key: `${roomId}@${at + 60_000}`,
      roomId,
      at: at + 60_000,
      data: { roomId },
    });
    const third = new FanoutWorker({
      store: notes,
      workerId: "w3",
      pollMs: 50,
      emailOn: false,
      log,
    });
    try {
      await waitForValue(
        "the second job is settled",
        async () => (await jobOf(store, again))?.status !== "pending" || undefined,
      );
    } finally {
      await third.close();
    }
    assert.equal((await jobOf(store, again)).status, "skipped");
    assert.equal((await inboxCounts(store, again)).size, 0);
  },
);

dbTest(
  "notifications: a paid withdrawal tells its streamer alone; a dead sender sends nothing twice",
  async ({ store }) => {
    const notes = new NotificationStore(store);
    const { streamerId } = await makeStreamerWithRoom(store);
    await followers(store, streamerId, 3);
    await store.query(
      "UPDATE users SET email = 'me@example.com', email_verified = true WHERE id = $1",
      [
        streamerId,
      ],
    );
    const event = await emit(store, {
      type: "withdrawal.paid",
      key: "wd_1",
      ownerId: streamerId,
      at: Date.now(),
      data: { withdrawalId: "wd_1", amount: "500", reference: "BANK-1" },
    });
    const worker = new FanoutWorker({
      store: notes,
      workerId: "w",
      pollMs: 50,
      emailOn: true,
      log,
    });
    try {
      await waitForValue(
        "done",
        async () => (await jobOf(store, event))?.status === "done" || undefined,
      );
    } finally {
      await worker.close();
    }
    assert.deepEqual([...(await inboxCounts(store, event)).keys()], [streamerId]);
    assert.deepEqual(await notes.sendCounts(event), { "email:queued": 1 });

    // A sender claims it, marks it sending and dies: after the lease it is uncertain, and no
    // sender claims it again.
    const [claimed] = await notes.claimSends("email", "s1", 10, 200);
    assert.equal(claimed.email, "me@example.com");
    assert.equal(claimed.payload.amount, "500");
    await notes.markSending("email", "s1", [claimed.notificationId], 200);
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(await notes.reap(), { requeued: 0, uncertain: 1 });
    assert.deepEqual(await notes.claimSends("email", "s2", 10, 200), []);
    assert.deepEqual(await notes.sendCounts(event), { "email:uncertain": 1 });
  },
);
