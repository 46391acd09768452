/**
 * The room's say path with and without its AI (`actors/room/intelligence.ts`: moderation
 * screen, sentiment, topics, question detection), through the real runtime: embedded engine,
 * in-process transport, Deno KV state, real tick timer. The same deterministic chat corpus
 * (Chinese and English danmaku, emoji, questions, some profanity and links) is sent by 2,000
 * users in pipelined waves of 200 requests; each run starts a fresh engine and room. The two
 * variants alternate run by run; medians of ROOM_SAY_RUNS runs (default 5). Writes
 * tests/bench/results/room_say.{json,md}.
 *
 *   deno run -A tests/bench/room_say.ts
 */
import { fileURLToPath } from "node:url";
import { startEmbeddedEngine } from "../../engine/embedded.ts";
import { DenoKvStateStore } from "../../engine/state_store_denokv.ts";
import { ROOM_ACTOR_TYPE, roomActorType } from "../../actors/room/room_actor.ts";
import type { Actor } from "../../actors/room/contract.ts";

const RUNS = Number(Deno.env.get("ROOM_SAY_RUNS") ?? 5);
const MESSAGES = Number(Deno.env.get("ROOM_SAY_MESSAGES") ?? 20_000);
const USERS = 2_000;
const WAVE = 200;
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));

const PARTS = [
  "哈哈哈哈",
  "666",
  "主播好",
  "这个键盘多少钱？",
  "yyds",
  "笑死我了",
  "lol that was insane",
  "gg wp",
  "what keyboard is that?",
  "泪目",
  "破防了",
  "？？？",
  "nice play",
  "this is shit",
  "you are so stupid",
  "check www.example.xyz for free skins",
  "来了来了",
  "主播今天几点下播",
  "🔥🔥🔥",
  "boring",
];

function corpus(n: number): { actor: Actor; text: string }[] {
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, (_, i) => {
    const u = Math.floor(rnd() * USERS);
    const a = PARTS[Math.floor(rnd() * PARTS.length)];
    const b = rnd() < 0.4 ? ` ${PARTS[Math.floor(rnd() * PARTS.length)]}` : "";
    return {
      actor: { userId: `u${u}`, name: `user${u}`, kind: "user", roles: [] },
      // a counter keeps texts distinct enough that the duplicate guard does not dominate
      text: `${a}${b} ${i % 97}`,
    };
  });
}

interface Run {
  variant: "without_ai" | "with_ai";
  wallMs: number;
  cpuMs: number;
  usPerSay: number;
  accepted: number;
  refused: Record<string, number>;
}

const TICK_MS = 10;
function cpuMs(): number {
  const stat = Deno.readTextFileSync("/proc/self/stat");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

async function runOnce(variant: Run["variant"], msgs: { actor: Actor; text: string }[]) {
  const dir = await Deno.makeTempDir({ prefix: "bench_room_say_" });
  const store = await DenoKvStateStore.open(`${dir}/state.kv`);
  const engine = await startEmbeddedEngine({
    store,
    persistIntervalMs: 1_000,
    types: [roomActorType({
      tickMs: 50,
      rateLimit: { burst: 1_000_000, refillPerSec: 1_000_000 },
      ai: variant === "with_ai" ? {} : false,
    })],
  });
  const room = "bench";
  const ask = (msg: unknown) => engine.client.ask(ROOM_ACTOR_TYPE, room, msg);
  const admin: Actor = { userId: "root", name: "root", kind: "user", roles: ["admin"] };
  if (variant === "with_ai") {
    await ask({
      kind: "ai",
      actor: admin,
      cmd: {
        op: "kb_put",
        entry: { title: "Keyboard", body: "The keyboard costs 169 dollars. 键盘 169 元。" },
      },
    });
  }
  await ask({ kind: "presence", edgeId: "e", viewers: 1 });
  const refused: Record<string, number> = {};
  let accepted = 0;
  const c0 = cpuMs();
  const t0 = performance.now();
  for (let i = 0; i < msgs.length; i += WAVE) {
    await Promise.all(
      msgs.slice(i, i + WAVE).map(async ({ actor, text }) => {
        try {
          await ask({ kind: "say", actor, text });
          accepted++;
        } catch (err) {
          const code = (err as { code?: string }).code ?? "error";
          refused[code] = (refused[code] ?? 0) + 1;
        }
      }),
    );
  }
  const wallMs = performance.now() - t0;
  const cpu = cpuMs() - c0;
  await engine.close();
  await store.close();
  await Deno.remove(dir, { recursive: true });
  return {
    variant,
    wallMs,
    cpuMs: cpu,
    usPerSay: (wallMs * 1000) / msgs.length,
    accepted,
    refused,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const msgs = corpus(MESSAGES);
await runOnce("with_ai", msgs.slice(0, 2_000)); // warm-up (JIT), not counted
await runOnce("without_ai", msgs.slice(0, 2_000));
const runs: Run[] = [];
for (let r = 0; r < RUNS; r++) {
  for (
    const v of (r % 2 ? ["with_ai", "without_ai"] : ["without_ai", "with_ai"]) as Run["variant"][]
  ) {
    const run = await runOnce(v, msgs);
    runs.push(run);
    console.log(JSON.stringify(run));
  }
}
const summary = (v: Run["variant"]) => {
  const rs = runs.filter((r) => r.variant === v);
  return {
    runs: rs.length,
    medianUsPerSay: Math.round(median(rs.map((r) => r.usPerSay)) * 10) / 10,
    medianCpuUsPerSay: Math.round(median(rs.map((r) => (r.cpuMs * 1000) / MESSAGES)) * 10) / 10,
    medianSaysPerSec: Math.round(median(rs.map((r) => MESSAGES / (r.wallMs / 1000)))),
    accepted: rs[0].accepted,
    refused: rs[0].refused,
  };
};
const without = summary("without_ai");
const withAi = summary("with_ai");
const result = {
  benchmark: "room_say",
  at: new Date().toISOString(),
  messages: MESSAGES,
  users: USERS,
  wave: WAVE,
  without_ai: without,
  with_ai: withAi,
  ratio: Math.round((withAi.medianUsPerSay / without.medianUsPerSay) * 100) / 100,
  cpuRatio: Math.round((withAi.medianCpuUsPerSay / without.medianCpuUsPerSay) * 100) / 100,
  runs,
};
await Deno.mkdir(resultsDir, { recursive: true });
await Deno.writeTextFile(`${resultsDir}room_say.json`, JSON.stringify(result, null, 2) + "\n");
const md = `# Room say path: with and without the room's AI

${MESSAGES} messages from ${USERS} users, pipelined in waves of ${WAVE}, through the real runtime
(embedded engine, in-process transport, Deno KV). Medians of ${RUNS} alternating runs per variant;
wall time per say includes the mailbox, the reply and the tick's batches.

| variant | µs per say (wall) | CPU µs per say | says/s | accepted | refused |
| --- | ---: | ---: | ---: | ---: | --- |
| without AI | ${without.medianUsPerSay} | ${without.medianCpuUsPerSay} | ${without.medianSaysPerSec} | ${without.accepted} | ${
  JSON.stringify(without.refused)
} |
| with AI (moderation, sentiment, topics, Q&A detection) | ${withAi.medianUsPerSay} | ${withAi.medianCpuUsPerSay} | ${withAi.medianSaysPerSec} | ${withAi.accepted} | ${
  JSON.stringify(withAi.refused)
} |

Ratio with/without: **${result.ratio}×** wall, **${result.cpuRatio}×** CPU.
Refusals with AI are the AI room manager's own (warned messages are accepted; hidden and muted
ones refused) and the room's duplicate guard.
`;
await Deno.writeTextFile(`${resultsDir}room_say.md`, md);
console.log(md);
