/**
 * A CPU profile of a running server through its V8 inspector (`--inspect`): the same sampling
 * profiler as Chrome DevTools and Node's `--cpu-prof`, which `deno run` 2.9 does not offer as a
 * flag. Writes the `.cpuprofile` (open it in DevTools) and prints where the time went: self
 * time by function, total time by function of this project, and by area (edge intake, the
 * room, fan-out, PGlite, zod, Deno KV...). Used on the hot-room bench
 * (`hot_room.ts --inspect-port <n>`); with the inspector on, Deno reports every WebSocket frame
 * to it, so the fan-out's share reads high: compare areas within one profile, never the CPU
 * figures of a profiled run with an unprofiled one.
 *
 *   deno run -A tests/bench/helpers/cpu_profile.ts <port> <seconds> <out.cpuprofile> [--wait s]
 *   deno run -A tests/bench/helpers/cpu_profile.ts --summary <in.cpuprofile>
 */
import { InspectorSession } from "./inspector.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a frame belongs, by its script (first match wins). */
const AREAS: [string, RegExp][] = [
  ["pglite (archive, stats)", /pglite/],
  ["zod", /\/zod\//],
  ["hono", /\/hono\//],
  ["deno kv", /state_store_denokv|ext:deno_kv/],
  ["edge: viewer intake", /edge\/(viewer_session|protocol|frame_guard|text_guard)\.ts/],
  ["edge: fan-out", /edge\/(room_fanout|display_budget|backpressure)\.ts/],
  ["room: archive writers", /actors\/room\/(danmaku_archive|stats_archive)\.ts/],
  [
    "room: AI (moderation, mood, topics, Q&A)",
    /actors\/(ai|room\/ai)\/|actors\/room\/intelligence/,
  ],
  ["room: core", /actors\/room\//],
  ["engine", /engine\//],
  ["websocket", /ext:deno_websocket|ext:deno_http/],
];

function label(f: ProfileNode["callFrame"]): string {
  const url = f.url.replace(/^file:\/\/\/.*?\/(edge|actors|engine|media|tests)\//, "$1/")
    .replace(/^file:\/\/\/.*?node_modules\/\.deno\/([^/]+)\/.*$/, "npm:$1");
  return `${f.functionName || "(anonymous)"} ${url}:${f.lineNumber + 1}`;
}

export function summarise(p: CpuProfile, top = 30): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfMs = new Map<string, number>();
  const totalMs = new Map<string, number>();
  const areaMs = new Map<string, number>();
  let all = 0;
  let idle = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const ms = (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0) / 1000;
    const leaf = byId.get(p.samples[i]);
    if (!leaf) continue;
    if (leaf.callFrame.functionName === "(idle)") {
      idle += ms;
      continue;
    }
    all += ms;
    const self = label(leaf.callFrame);
    selfMs.set(self, (selfMs.get(self) ?? 0) + ms);
    const seen = new Set<string>();
    const areas = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      const l = label(f);
      if (!seen.has(l)) {
        seen.add(l);
        totalMs.set(l, (totalMs.get(l) ?? 0) + ms);
      }
      for (const [area, rx] of AREAS) {
        if (rx.test(f.url)) {
          areas.add(area);
          break;
        }
      }
    }
    // the innermost area names the sample; "outside any area" for natives with no JS caller
    let area = "other (natives, GC, no project frame)";
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      const hit = AREAS.find(([, rx]) => rx.test(f.url));
      if (hit) {
        area = hit[0];
        break;
      }
    }
    areaMs.set(area, (areaMs.get(area) ?? 0) + ms);
  }
  const pct = (ms: number) => `${(100 * ms / all).toFixed(1).padStart(5)}%`;
  const rows = (m: Map<string, number>, n: number, keep = (_: string) => true) =>
    [...m].filter(([k]) => keep(k)).sort((a, b) => b[1] - a[1]).slice(0, n)
      .map(([k, ms]) => `${ms.toFixed(0).padStart(7)} ms ${pct(ms)}  ${k}`);
  return [
    `busy ${all.toFixed(0)} ms, idle ${idle.toFixed(0)} ms over ${
      ((p.endTime - p.startTime) / 1e6).toFixed(1)
    } s`,
    "",
    "by area (innermost project/library frame of each sample):",
    ...rows(areaMs, 20),
    "",
    "self time:",
    ...rows(selfMs, top),
    "",
    "total time, project functions:",
    ...rows(totalMs, top * 2, (k) => /\s(edge|actors|engine)\//.test(k)),
  ].join("\n");
}

if (import.meta.main) {
  const args = [...Deno.args];
  if (args[0] === "--summary") {
    console.log(summarise(JSON.parse(await Deno.readTextFile(args[1]))));
  } else {
    const [port, seconds, out] = args;
    const waitAt = args.indexOf("--wait");
    const waitS = waitAt >= 0 ? Number(args[waitAt + 1]) : 0;
    // the server may not be up yet: retry the connection for a while
    let session: InspectorSession | undefined;
    for (let i = 0; i < 600 && !session; i++) {
      session = await InspectorSession.connect(Number(port)).catch(() => undefined);
      if (!session) await new Promise((r) => setTimeout(r, 500));
    }
    if (!session) throw new Error(`no inspector on port ${port}`);
    await new Promise((r) => setTimeout(r, waitS * 1000));
    await session.call("Profiler.enable");
    await session.call("Profiler.setSamplingInterval", { interval: 500 });
    await session.call("Profiler.start");
    await new Promise((r) => setTimeout(r, Number(seconds) * 1000));
    const { profile } = await session.call("Profiler.stop") as { profile: CpuProfile };
    session.close();
    await Deno.writeTextFile(out, JSON.stringify(profile));
    console.log(summarise(profile));
  }
}
