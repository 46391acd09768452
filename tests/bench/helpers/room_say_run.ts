/**
 * One measured run of the room's say path (used by tests/bench/room_say.ts, which runs it in a
 * subprocess against the current tree and against a copy of the baseline tree). Through the
 * real runtime: embedded engine, in-process transport, Deno KV state, real tick timer; the same
 * deterministic chat corpus (Chinese and English danmaku, emoji, questions, some profanity
 * and links) sent by 2,000 users in pipelined waves of 200. A short warm-up run first (JIT),
 * then the measured one; prints one JSON line.
 *
 *   deno run -A tests/bench/helpers/room_say_run.ts with_ai|without_ai MESSAGES
 *
 * Imports only what every tree since the room contract has (engine/embedded.ts,
 * engine/state_store_denokv.ts, actors/room/room_actor.ts, actors/room/contract.ts), so the
 * same file measures the baseline.
 */
import { startEmbeddedEngine } from "../../../engine/embedded.ts";
import { DenoKvStateStore } from "../../../engine/state_store_denokv.ts";
import { ROOM_ACTOR_TYPE, roomActorType } from "../../../actors/room/room_actor.ts";
import type { Actor } from "../../../actors/room/contract.ts";

const USERS = 2_000;
const WAVE = 200;
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

const TICK_MS = 10;
function cpuMs(): number {
  const stat = Deno.readTextFileSync("/proc/self/stat");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

type Variant = "without_ai" | "with_ai";

async function runOnce(variant: Variant, msgs: { actor: Actor; text: string }[]) {
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
  return { variant, wallMs, cpuMs: cpu, accepted, refused };
}

const variant = Deno.args[0] as Variant;
const messages = Number(Deno.args[1] ?? 20_000);
const msgs = corpus(messages);
await runOnce(variant, msgs.slice(0, 2_000)); // warm-up (JIT), not counted
console.log(JSON.stringify(await runOnce(variant, msgs)));
