/**
 * Gift storm benchmark (issue 4): G gifts from S senders into ONE room through the room
 * actor's group commit (engine runtime in process, ledger on the local Postgres), and in the
 * same run `pgbench -b tpcb-like` against the same Postgres server, alternating, R times each.
 * Reports gifts/s and the ratio to pgbench's TPS (medians), and checks exactly-once: every
 * acked gift is one row, a replay of every key charges nothing, and the books balance.
 * Writes tests/bench/results/gifts.{json,md}.
 *
 *   deno run -A tests/bench/gifts.ts [--gifts 40000] [--senders 2000] [--inflight 2000]
 *     [--tick 20] [--reps 3] [--pgbench-seconds 15] [--pgbench-clients 8] [--out DIR]
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { SqlGiftLedger } from "../../actors/economy/gift_ledger.ts";
import { auditLedger } from "../../actors/economy/invariants.ts";
import type { Actor, GiftOutcome } from "../../actors/room/contract.ts";
import { ROOM_ACTOR_TYPE, roomActorType } from "../../actors/room/room_actor.ts";
import { migrate } from "../../engine/sql/migrate.ts";
import { appMigrations } from "../../edge/wiring/migrations.ts";
import { openPostgresStore } from "../../engine/sql/postgres_store.ts";
import { startEmbeddedEngine } from "../../engine/embedded.ts";
import { createLogger } from "../../engine/log.ts";
import { DenoKvStateStore } from "../../engine/state_store_denokv.ts";
import { createScratchDatabase, PG_ADMIN_URL } from "../helpers/db.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    gifts: { type: "string", default: "40000" },
    senders: { type: "string", default: "2000" },
    inflight: { type: "string", default: "2000" },
    tick: { type: "string", default: "20" },
    reps: { type: "string", default: "3" },
    "pgbench-seconds": { type: "string", default: "15" },
    "pgbench-clients": { type: "string", default: "8" },
    out: { type: "string", default: fileURLToPath(new URL("./results/", import.meta.url)) },
  },
});
const GIFTS = Number(args.gifts);
const SENDERS = Number(args.senders);
const INFLIGHT = Number(args.inflight);
const TICK_MS = Number(args.tick);
const REPS = Number(args.reps);
const PGBENCH_SECONDS = Number(args["pgbench-seconds"]);
const PGBENCH_CLIENTS = Number(args["pgbench-clients"]);
const COMMISSION_BPS = 3000;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface StormResult {
  gifts: number;
  acked: number;
  seconds: number;
  giftsPerSecond: number;
  batches: number;
  meanBatchSize: number;
  rowsForAcked: number;
  replaysCharged: number;
  booksBalance: boolean;
}

/** One storm on a fresh database: setup is not timed; the gifts are. */
async function giftStorm(): Promise<StormResult> {
  const scratch = await createScratchDatabase("synapse_bench");
  const store = openPostgresStore(scratch.url, { max: 4 });
  const dir = await Deno.makeTempDir({ prefix: "bench_gifts_" });
  const kv = await DenoKvStateStore.open(`${dir}/state.kv`);
  const log = createLogger({ bench: "gifts" }, "error");
  try {
    await migrate(store, await appMigrations());
    // Setup in bulk: a streamer, their room, senders with funded wallets (top-ups recorded).
    await store.query(
      `INSERT INTO users (id, username, username_key, display_name)
       SELECT 'b' || i, 'bench_' || i, 'bench_' || i, 'Bench ' || i
         FROM generate_series(0, $1::int) AS i`,
      [SENDERS],
    );
    await store.query(
      "INSERT INTO rooms (id, owner_id, title) VALUES ('stage', 'b0', 'Bench stage')",
    );
    await store.query("INSERT INTO accounts (id, kind) VALUES ('external:bench', 'external')");
    await store.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO topups (id, user_id, idempotency_key, amount, provider, provider_ref)
         SELECT 't' || i, 'b' || i, 'seed', 1000000, 'bench', 'seed'
           FROM generate_series(1, $1::int) AS i`,
        [SENDERS],
      );
      await tx.query(
        `INSERT INTO ledger_entries (pair_id, account_id, amount, kind, ref_id)
         SELECT 't' || i, a, v, 'topup', 't' || i
           FROM generate_series(1, $1::int) AS i,
                LATERAL (VALUES ('external:bench', -1000000), ('wallet:b' || i, 1000000)) e(a, v)`,
        [SENDERS],
      );
      await tx.query(
        `UPDATE accounts SET balance = CASE WHEN kind = 'external' THEN -1000000 * $1::bigint
                                            ELSE 1000000 END
          WHERE id = 'external:bench' OR (kind = 'wallet' AND owner_id <> 'b0')`,
        [SENDERS],
      );
    });
    await store.query("ANALYZE");

    const inner = new SqlGiftLedger(store, { commissionBps: COMMISSION_BPS, log });
    let batches = 0;
    const ledger = {
      commitBatch: (gifts: Parameters<SqlGiftLedger["commitBatch"]>[0]) => {
        batches++;
        return inner.commitBatch(gifts);
      },
    };
    const engine = await startEmbeddedEngine({
      store: kv,
      log,
      types: [roomActorType({ tickMs: TICK_MS, giftLedger: ledger })],
    });
    try {
      const actor = (i: number): Actor => ({
        userId: `b${i}`,
        name: `Bench ${i}`,
        kind: "user",
        roles: [],
      });
      const giftIds = ["rose", "heart", "coffee", "star"];
      const request = (n: number) => ({
        kind: "gift",
        actor: actor(1 + (n % SENDERS)),
        giftId: giftIds[n % giftIds.length],
        count: 1 + (n % 3),
        idempotencyKey: `storm-${n.toString().padStart(8, "0")}`,
      });
      const ask = (n: number) =>
        engine.client.ask<GiftOutcome>(ROOM_ACTOR_TYPE, "stage", request(n));
      await engine.client.ask(ROOM_ACTOR_TYPE, "stage", { kind: "info" }); // activate

      let next = 0;
      let acked = 0;
      const worker = async () => {
        while (next < GIFTS) {
          const o = await ask(next++);
          if (o.ok) acked++;
          else throw new Error(`gift refused: ${o.code} ${o.message}`);
        }
      };
      const started = performance.now();
      await Promise.all(Array.from({ length: INFLIGHT }, worker));
      const seconds = (performance.now() - started) / 1000;
      const stormBatches = batches;

      // Exactly-once: one row per acked gift; replaying every key charges nothing.
      const [{ n: rows }] = await store.query<{ n: unknown }>("SELECT count(*) AS n FROM gifts");
      const before = await auditLedger(store);
      next = 0;
      let replayed = 0;
      await Promise.all(Array.from({ length: INFLIGHT }, async () => {
        while (next < GIFTS) {
          const o = await ask(next++);
          if (o.ok && o.replayed) replayed++;
        }
      }));
      const after = await auditLedger(store);
      const [{ n: rowsAfter }] = await store.query<{ n: unknown }>(
        "SELECT count(*) AS n FROM gifts",
      );
      return {
        gifts: GIFTS,
        acked,
        seconds,
        giftsPerSecond: acked / seconds,
        batches: stormBatches,
        meanBatchSize: acked / stormBatches,
        rowsForAcked: Number(rows),
        replaysCharged: Number(rowsAfter) - Number(rows) + (GIFTS - replayed),
        booksBalance: before.ok && after.ok && before.inside === after.inside,
      };
    } finally {
      await engine.close();
    }
  } finally {
    await kv.close();
    await store.close();
    await scratch.drop();
    await Deno.remove(dir, { recursive: true });
  }
}

async function run(cmd: string, cmdArgs: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args: cmdArgs, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} failed:\n${text}`);
  return text;
}

/** pgbench's standard TPC-B-like transaction against a scratch database on the same server. */
async function pgbench(dbUrl: string): Promise<number> {
  const text = await run("pgbench", [
    "-b",
    "tpcb-like",
    "-c",
    String(PGBENCH_CLIENTS),
    "-j",
    "2",
    "-T",
    String(PGBENCH_SECONDS),
    dbUrl,
  ]);
  const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(text);
  if (!match) throw new Error(`no tps in pgbench output:\n${text}`);
  return Number(match[1]);
}

async function main() {
  const pgb = await createScratchDatabase("synapse_pgbench");
  const storms: StormResult[] = [];
  const tps: number[] = [];
  try {
    await run("pgbench", ["-i", "-q", "-s", "10", pgb.url]);
    for (let rep = 0; rep < REPS; rep++) {
      const storm = await giftStorm();
      storms.push(storm);
      console.log(
        `rep ${rep + 1}: ${storm.giftsPerSecond.toFixed(0)} gifts/s ` +
          `(${storm.batches} batches, mean ${storm.meanBatchSize.toFixed(0)} gifts)`,
      );
      tps.push(await pgbench(pgb.url));
      console.log(`rep ${rep + 1}: pgbench ${tps[tps.length - 1].toFixed(0)} tps`);
    }
  } finally {
    await pgb.drop();
  }
  const giftsPerSecond = median(storms.map((s) => s.giftsPerSecond));
  const pgbenchTps = median(tps);
  const exactlyOnce = storms.every((s) =>
    s.rowsForAcked === s.acked && s.replaysCharged === 0 && s.booksBalance
  );
  const pg = (await run("psql", [PG_ADMIN_URL, "-Atc", "SHOW server_version"])).trim();
  const settings = (await run("psql", [
    PG_ADMIN_URL,
    "-Atc",
    "SELECT string_agg(name || '=' || setting, ', ') FROM pg_settings " +
    "WHERE name IN ('synchronous_commit', 'fsync', 'shared_buffers', 'wal_level')",
  ])).trim();
  const report = {
    benchmark: "gifts",
    at: new Date().toISOString(),
    machine: { cores: navigator.hardwareConcurrency, postgres: pg, settings },
    setup: {
      gifts: GIFTS,
      senders: SENDERS,
      inflight: INFLIGHT,
      tickMs: TICK_MS,
      reps: REPS,
      commissionBps: COMMISSION_BPS,
      pgbench: { mode: "tpcb-like", scale: 10, clients: PGBENCH_CLIENTS, seconds: PGBENCH_SECONDS },
    },
    medians: { giftsPerSecond, pgbenchTps, ratio: giftsPerSecond / pgbenchTps },
    target: { ratio: 2, met: giftsPerSecond / pgbenchTps >= 2 },
    exactlyOnce,
    runs: storms.map((s, i) => ({ ...s, pgbenchTps: tps[i] })),
  };
  await Deno.mkdir(args.out, { recursive: true });
  await Deno.writeTextFile(`${args.out}/gifts.json`, JSON.stringify(report, null, 2) + "\n");
  const rows = report.runs.map((r, i) =>
    `| ${i + 1} | ${r.giftsPerSecond.toFixed(0)} | ${r.batches} | ${r.meanBatchSize.toFixed(0)} | ${
      r.pgbenchTps.toFixed(0)
    } | ${(r.giftsPerSecond / r.pgbenchTps).toFixed(2)} | ${
      r.rowsForAcked === r.acked && r.replaysCharged === 0 && r.booksBalance ? "yes" : "NO"
    } |`
  );
  const md = `# Gift storm vs pgbench (tpcb-like)

${report.at} · ${report.machine.cores} cores · PostgreSQL ${pg} (${settings})

${GIFTS} gifts from ${SENDERS} senders into one room through the room actor's group commit
(tick ${TICK_MS} ms, ${INFLIGHT} gifts in flight, commission ${COMMISSION_BPS} bps), and
\`pgbench -b tpcb-like -s 10 -c ${PGBENCH_CLIENTS} -j 2 -T ${PGBENCH_SECONDS}\` against the same
server, alternating, ${REPS} times each. Every gift is a full ledger transaction (debit sender,
credit streamer net, credit platform, four ledger entries, idempotency key), committed a tick
at a time.

| median gifts/s | median pgbench TPS | ratio | target ≥ 2× | exactly-once |
|---:|---:|---:|:---:|:---:|
| ${giftsPerSecond.toFixed(0)} | ${pgbenchTps.toFixed(0)} | ${
    (giftsPerSecond / pgbenchTps).toFixed(2)
  }× | ${report.target.met ? "met" : "NOT met"} | ${exactlyOnce ? "yes" : "NO"} |

| run | gifts/s | batches | mean batch | pgbench TPS | ratio | exactly-once |
|---:|---:|---:|---:|---:|---:|:---:|
${rows.join("\n")}

Exactly-once per run: rows in \`gifts\` == acked gifts, a replay of every key afterwards
returned \`replayed: true\` and added no row, and the ledger audit (pairs, balances == entries,
wallets + platform == top-ups) passed before and after the replays.
`;
  await Deno.writeTextFile(`${args.out}/gifts.md`, md);
  console.log(md);
}

if (import.meta.main) await main();
