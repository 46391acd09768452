/**
 * What the danmaku archive costs the room: the room's say path (embedded engine, Deno KV
 * state, real tick timer, AI off for a clean signal) with and without the archive writer on a
 * scratch Postgres database, the same chat (20,000 messages from 2,000 users in pipelined
 * waves of 200) each run, variants alternating; then how fast the writer drains into
 * Postgres. CPU is the whole process's (the writer and the Postgres client included).
 * Medians of DANMAKU_ARCHIVE_RUNS runs (default 3). Writes
 * tests/bench/results/danmaku_archive.{json,md}.
 *
 *   deno run -A tests/bench/danmaku_archive.ts
 */
import { fileURLToPath } from "node:url";
import { DanmakuArchiveWriter } from "../../actors/room/danmaku_archive.ts";
import type { Actor } from "../../actors/room/contract.ts";
import { ROOM_ACTOR_TYPE, roomActorType } from "../../actors/room/room_actor.ts";
import { migrate } from "../../engine/sql/migrate.ts";
import { appMigrations } from "../../edge/wiring/migrations.ts";
import { openPostgresStore } from "../../engine/sql/postgres_store.ts";
import { startEmbeddedEngine } from "../../engine/embedded.ts";
import { DenoKvStateStore } from "../../engine/state_store_denokv.ts";
import { createScratchDatabase } from "../helpers/db.ts";

const RUNS = Number(Deno.env.get("DANMAKU_ARCHIVE_RUNS") ?? 3);
const MESSAGES = 20_000;
const USERS = 2_000;
const WAVE = 200;
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));

function cpuMs(): number {
  const stat = Deno.readTextFileSync("/proc/self/stat");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
}

const msgs = Array.from({ length: MESSAGES }, (_, i) => ({
  actor: { userId: `u${i % USERS}`, name: `user${i % USERS}`, kind: "user", roles: [] } as Actor,
  text: `message ${i} 哈哈 666`,
}));

const scratch = await createScratchDatabase("bench_archive");
const sql = openPostgresStore(scratch.url, { max: 4 });
await migrate(sql, await appMigrations());

interface Run {
  variant: "no_archive" | "archive";
  wallMs: number;
  cpuMs: number;
  usCpuPerSay: number;
  /** From the last say answered to every row committed (archive only). */
  drainMs?: number;
  archived?: number;
  rowsPerSec?: number;
}

async function runOnce(variant: Run["variant"], n = MESSAGES): Promise<Run> {
  await sql.query("TRUNCATE danmaku_archive");
  const dir = await Deno.makeTempDir({ prefix: "bench_archive_" });
  const store = await DenoKvStateStore.open(`${dir}/state.kv`);
  const writer = variant === "archive" ? new DanmakuArchiveWriter(sql) : undefined;
  const engine = await startEmbeddedEngine({
    store,
    persistIntervalMs: 1_000,
    types: [roomActorType({
      tickMs: 50,
      rateLimit: { burst: 1_000_000, refillPerSec: 1_000_000 },
      ai: false,
      archive: writer,
    })],
  });
  const ask = (msg: unknown) => engine.client.ask(ROOM_ACTOR_TYPE, "bench", msg);
  await ask({ kind: "presence", edgeId: "e", viewers: 1 });
  const c0 = cpuMs();
  const t0 = performance.now();
  for (let i = 0; i < n; i += WAVE) {
    await Promise.all(
      msgs.slice(i, Math.min(n, i + WAVE)).map(({ actor, text }) =>
        ask({ kind: "say", actor, text }).catch(() => {})
      ),
    );
  }
  const wallMs = performance.now() - t0;
  let drainMs: number | undefined;
  if (writer) {
    const d0 = performance.now();
    await engine.close(); // the last batch goes out
    await writer.flush(60_000);
    drainMs = performance.now() - d0;
  } else await engine.close();
  const cpu = cpuMs() - c0;
  await store.close();
  await Deno.remove(dir, { recursive: true });
  const run: Run = { variant, wallMs, cpuMs: cpu, usCpuPerSay: (cpu * 1000) / n };
  if (writer) {
    await writer.close();
    const rows = await sql.query<{ n: string }>("SELECT count(*)::text AS n FROM danmaku_archive");
    run.archived = Number(rows[0].n);
    run.drainMs = drainMs;
    run.rowsPerSec = Math.round((run.archived * 1000) / (wallMs + (drainMs ?? 0)));
  }
  return run;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

try {
  await runOnce("archive", 2_000); // warm-up
  await runOnce("no_archive", 2_000);
  const runs: Run[] = [];
  for (let r = 0; r < RUNS; r++) {
    const order: Run["variant"][] = r % 2 ? ["archive", "no_archive"] : ["no_archive", "archive"];
    for (const v of order) {
      const run = await runOnce(v);
      runs.push(run);
      console.log(JSON.stringify(run));
    }
  }
  const of = (v: Run["variant"]) => runs.filter((r) => r.variant === v);
  const summary = {
    messages: MESSAGES,
    runs: RUNS,
    noArchive: {
      wallMs: median(of("no_archive").map((r) => r.wallMs)),
      usCpuPerSay: median(of("no_archive").map((r) => r.usCpuPerSay)),
    },
    archive: {
      wallMs: median(of("archive").map((r) => r.wallMs)),
      usCpuPerSay: median(of("archive").map((r) => r.usCpuPerSay)),
      drainMs: median(of("archive").map((r) => r.drainMs!)),
      rowsPerSec: median(of("archive").map((r) => r.rowsPerSec!)),
      archived: of("archive").map((r) => r.archived),
    },
  };
  await Deno.writeTextFile(
    `${resultsDir}danmaku_archive.json`,
    JSON.stringify({ summary, runs }, null, 2) + "\n",
  );
  const md = `# Danmaku archive: the room's say path with and without it

${MESSAGES} messages, 2,000 users, waves of 200, AI off, median of ${RUNS} runs each
(alternating); CPU of the whole process (writer and Postgres client included).

| | say wall (ms) | CPU per say (µs) | drain after the last say (ms) | archive rate (rows/s) |
|---|---|---|---|---|
| no archive | ${summary.noArchive.wallMs.toFixed(0)} | ${
    summary.noArchive.usCpuPerSay.toFixed(1)
  } | – | – |
| archive | ${summary.archive.wallMs.toFixed(0)} | ${summary.archive.usCpuPerSay.toFixed(1)} | ${
    summary.archive.drainMs.toFixed(0)
  } | ${summary.archive.rowsPerSec} |

Rows archived per run: ${summary.archive.archived.join(", ")} (of ${MESSAGES}).
`;
  await Deno.writeTextFile(`${resultsDir}danmaku_archive.md`, md);
  console.log(md);
} finally {
  await sql.close();
  await scratch.drop();
}
