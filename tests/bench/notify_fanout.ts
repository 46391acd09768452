/**
 * Time to notify a streamer's followers when they go live, on a scratch Postgres database whose
 * rows this benchmark makes: 100,000 followers (`NOTIFY_BENCH_FOLLOWERS`), one in ten with a
 * verified e-mail address and one in twenty with a push subscription, a few with switches off.
 *
 * - fan-out (the real path): the `stream.started` event written as the room's outbox writes it;
 *   the trigger makes the job; `FanoutWorker` writes keyset pages of followers (inbox rows and
 *   the e-mail and push sends their switches allow) until the job is done. Timed from the event
 *   write to the job's end; pages of 1,000 (the default) and 5,000.
 * - baseline: the naive loop — read the followers, then per follower read their switches,
 *   insert their inbox row and insert their sends, one statement each (what a first version
 *   would do), on `NOTIFY_BENCH_NAIVE` followers (default 2,000: at one fsync per statement it is slow), and the real path on the
 *   same count for a like-for-like ratio.
 *
 * Sending is not in these figures: e-mail goes at `NOTIFY_EMAIL_PER_SEC` and push at the push
 * services' pace; what is timed is the moment every follower has their notification and every
 * send is queued. Median of `NOTIFY_BENCH_RUNS` runs (default 3). Writes
 * tests/bench/results/notify_fanout.{json,md}.
 */
import { fileURLToPath } from "node:url";
import { FanoutWorker } from "../../actors/notifications/fanout.ts";
import { NotificationStore } from "../../actors/notifications/store.ts";
import { eventId } from "../../actors/webhooks/events.ts";
import { WebhookStore } from "../../actors/webhooks/store.ts";
import { appMigrations } from "../../edge/wiring/migrations.ts";
import type { Logger } from "../../engine/log.ts";
import { migrate } from "../../engine/sql/migrate.ts";
import { openPostgresStore } from "../../engine/sql/postgres_store.ts";
import { createScratchDatabase } from "../helpers/db.ts";
import { makeStreamerWithRoom } from "../helpers/economy_fixtures.ts";
import { median, round } from "./helpers/stats.ts";

const FOLLOWERS = Number(Deno.env.get("NOTIFY_BENCH_FOLLOWERS") ?? 100_000);
const NAIVE = Math.min(FOLLOWERS, Number(Deno.env.get("NOTIFY_BENCH_NAIVE") ?? 2_000));
const RUNS = Number(Deno.env.get("NOTIFY_BENCH_RUNS") ?? 3);
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));

const quiet = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => quiet,
} as unknown as Logger;

const scratch = await createScratchDatabase("bench_notify");
const sql = openPostgresStore(scratch.url, { max: 4 });
await migrate(sql, await appMigrations());
const notes = new NotificationStore(sql);

/** A streamer with `n` followers (users made in one statement). */
async function streamerWithFollowers(n: number) {
  const { streamerId, roomId } = await makeStreamerWithRoom(sql);
  const prefix = `b${streamerId.slice(-6)}`;
  await sql.query(
    `INSERT INTO users (id, username, username_key, display_name, email, email_verified)
     SELECT $1 || '_' || lpad(i::text, 7, '0'), $1 || i, lower($1 || i), 'Fan ' || i,
            CASE WHEN i % 10 = 0 THEN $1 || i || '@example.com' END, i % 10 = 0
     FROM generate_series(1, $2) AS i`,
    [prefix, n],
  );
  await sql.query(
    `INSERT INTO follows (follower_id, followee_id)
     SELECT $1 || '_' || lpad(i::text, 7, '0'), $3 FROM generate_series(1, $2) AS i`,
    [prefix, n, streamerId],
  );
  await sql.query(
    `INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth)
     SELECT 'ps_' || $1 || i, $1 || '_' || lpad(i::text, 7, '0'),
            'https://push.example/' || $1 || i, 'k', 'a'
     FROM generate_series(20, $2, 20) AS i`,
    [prefix, n],
  );
  await sql.query(
    `INSERT INTO notification_prefs (user_id, kind, channel, enabled)
     SELECT $1 || '_' || lpad(i::text, 7, '0'), 'live', 'email', false
     FROM generate_series(100, $2, 100) AS i`,
    [prefix, n],
  );
  await sql.query("ANALYZE");
  return { streamerId, roomId };
}

const clear = () => sql.query("TRUNCATE notifications, notification_sends");

let liveAt = Date.now();
async function emitLive(roomId: string): Promise<string> {
  const at = ++liveAt;
  const event = {
    type: "stream.started" as const,
    key: `${roomId}@${at}`,
    roomId,
    at,
    data: { roomId },
  };
  const id = await eventId(event.type, event.key);
  await new WebhookStore(sql).insertEvents([{ id, event }]);
  return id;
}

async function counts(event: string) {
  const [r] = await sql.query<{ inbox: number; sends: number }>(
    `SELECT (SELECT count(*)::int FROM notifications WHERE event_id = $1) AS inbox,
            (SELECT count(*)::int FROM notification_sends s JOIN notifications n
               ON n.id = s.notification_id WHERE n.event_id = $1) AS sends`,
    [event],
  );
  return { inbox: Number(r.inbox), sends: Number(r.sends) };
}

/** The real path: event → trigger → job → FanoutWorker pages; ms until the job is done. */
async function fanOut(roomId: string, pageSize: number) {
  await clear();
  const worker = new FanoutWorker({
    store: notes,
    workerId: "bench",
    pageSize,
    pollMs: 5,
    liveCooldownMs: 0,
    emailOn: true,
    log: quiet,
  });
  const started = performance.now();
  const event = await emitLive(roomId);
  worker.nudge();
  while (true) {
    const [job] = await sql.query<{ status: string }>(
      "SELECT status FROM notification_jobs WHERE event_id = $1",
      [event],
    );
    if (job?.status === "done") break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - started;
  await worker.close();
  return { ms, ...(await counts(event)) };
}

/** The baseline: one statement per follower per step. */
async function naive(streamerId: string, n: number) {
  await clear();
  const event = `naive_${++liveAt}`;
  const started = performance.now();
  const followers = await sql.query<{ id: string; email: string | null; verified: boolean }>(
    `SELECT u.id, u.email, u.email_verified AS verified FROM follows f
     JOIN users u ON u.id = f.follower_id WHERE f.followee_id = $1 ORDER BY f.follower_id LIMIT $2`,
    [streamerId, n],
  );
  for (const f of followers) {
    const prefs = await sql.query<{ channel: string; enabled: boolean }>(
      "SELECT channel, enabled FROM notification_prefs WHERE user_id = $1 AND kind = 'live'",
      [f.id],
    );
    const on = (c: string) => prefs.find((p) => p.channel === c)?.enabled ?? true;
    const [row] = await sql.query<{ id: string }>(
      `INSERT INTO notifications (event_id, user_id, kind, payload, in_app)
       VALUES ($1, $2, 'live', '{}'::jsonb, $3) ON CONFLICT DO NOTHING RETURNING id`,
      [event, f.id, on("in_app")],
    );
    if (!row) continue;
    if (on("email") && f.email && f.verified) {
      await sql.query(
        "INSERT INTO notification_sends (notification_id, channel) VALUES ($1, 'email')",
        [row.id],
      );
    }
    const subs = await sql.query("SELECT 1 FROM push_subscriptions WHERE user_id = $1 LIMIT 1", [
      f.id,
    ]);
    if (on("push") && subs.length > 0) {
      await sql.query(
        "INSERT INTO notification_sends (notification_id, channel) VALUES ($1, 'push')",
        [row.id],
      );
    }
  }
  const ms = performance.now() - started;
  return { ms, ...(await counts(event)) };
}

console.log(`notify_fanout: making ${FOLLOWERS} followers…`);
const big = await streamerWithFollowers(FOLLOWERS);
const small = NAIVE < FOLLOWERS ? await streamerWithFollowers(NAIVE) : big;

type Run = { ms: number; inbox: number; sends: number };
const variants: { name: string; followers: number; run: () => Promise<Run> }[] = [
  { name: "fan-out, pages of 1,000", followers: FOLLOWERS, run: () => fanOut(big.roomId, 1000) },
  { name: "fan-out, pages of 5,000", followers: FOLLOWERS, run: () => fanOut(big.roomId, 5000) },
  { name: "fan-out, pages of 1,000", followers: NAIVE, run: () => fanOut(small.roomId, 1000) },
  {
    name: "naive per-follower loop (baseline)",
    followers: NAIVE,
    run: () => naive(small.streamerId, NAIVE),
  },
];
const results = [];
for (const v of variants) {
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    runs.push(await v.run());
    console.log(`  ${v.name} (${v.followers}): run ${i + 1}: ${round(runs.at(-1)!.ms, 0)} ms`);
  }
  const ms = median(runs.map((r) => r.ms));
  results.push({
    variant: v.name,
    followers: v.followers,
    runsMs: runs.map((r) => round(r.ms, 1)),
    medianMs: round(ms, 1),
    followersPerSecond: round(v.followers / (ms / 1000), 0),
    inbox: runs[0].inbox,
    sends: runs[0].sends,
  });
}
await sql.close();
await scratch.drop();

const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" / ");
const [real100, , realSmall, naiveSmall] = results;
const ratio = round(realSmall.followersPerSecond / naiveSmall.followersPerSecond, 1);
const report = {
  at: new Date().toISOString(),
  load,
  followers: FOLLOWERS,
  naiveFollowers: NAIVE,
  runs: RUNS,
  results,
  speedupOverNaive: ratio,
};
await Deno.mkdir(resultsDir, { recursive: true });
await Deno.writeTextFile(`${resultsDir}notify_fanout.json`, JSON.stringify(report, null, 2) + "\n");
const rows = results.map((r) =>
  `| ${r.variant} | ${r.followers} | ${r.medianMs} | ${r.followersPerSecond} | ${r.inbox} | ${r.sends} | ${
    r.runsMs.join(", ")
  } |`
);
await Deno.writeTextFile(
  `${resultsDir}notify_fanout.md`,
  `# Notifying a streamer's followers (${report.at})

Machine load average ${load} (1/5/15 min) on 2 cores. Scratch Postgres; every tenth follower has
a verified e-mail, every twentieth a push subscription, every hundredth turned live e-mail off.
Timed: from the \`stream.started\` event's write (as the room's outbox writes it) to every
follower's inbox row and every send queued (sending itself is paced by the channels). Median of
${RUNS} runs.

| variant | followers | median ms | followers/s | inbox rows | sends queued | runs ms |
| --- | ---: | ---: | ---: | ---: | ---: | --- |
${rows.join("\n")}

${real100.followers} followers notified in ${round(real100.medianMs / 1000, 1)} s
(${real100.followersPerSecond}/s). On ${NAIVE} followers the fan-out is ${ratio}× the naive
per-follower loop's rate.
`,
);
console.log(`notify_fanout: wrote tests/bench/results/notify_fanout.{json,md}`);
