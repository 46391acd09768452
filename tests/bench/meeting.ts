/**
 * Meeting rooms with N publishing participants and M subscribers, on loopback, in one run
 * per N (4, 16, 50 as far as the machine carries):
 *
 * - control plane (the project): N accounts join a meeting room through the server's REST
 *   API, the host admits them all, each gets its LiveKit token; the server's CPU per
 *   participant is this process's CPU over that phase (the server runs in this process, and
 *   nothing else runs meanwhile);
 * - media plane (livekit-server): every participant publishes a microphone track carrying a
 *   marked tone (30 ms of 1 kHz every 500 ms, silence between; the send time of each mark is
 *   kept); M subscribers subscribe to every publisher and detect each mark's onset in the
 *   decoded audio. Mouth-to-ear latency = onset seen at the receiver − mark handed to the
 *   sender's audio source (20 ms source queue), so it holds Opus encode, the SFU, the
 *   receiver's jitter buffer and decode, on one clock. CPU of livekit-server per publishing
 *   participant from /proc over the measuring window, and of this process (the rtc-node
 *   clients: the load generator, not the design) beside it.
 *
 * Audio only: N video publishers at 2 cores would measure the load generator's encoders.
 * Writes tests/bench/results/meeting.{json,md}.
 *
 *   deno run -A tests/bench/meeting.ts [N ...]
 */
import {
  AudioFrame,
  AudioSource,
  AudioStream,
  LocalAudioTrack,
  type RemoteTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
} from "@livekit/rtc-node";
import { fileURLToPath } from "node:url";
import { startMediaServer } from "../helpers/media_server.ts";
import { callJson as call, registerUser } from "../helpers/http.ts";
import {
  LatencyHistogram,
  machineCpuSeconds,
  processCpuSeconds,
  round,
  selfCpuMs,
} from "./helpers/stats.ts";

const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));
const SIZES = Deno.args.length ? Deno.args.map(Number) : [4, 16, 50];
const SUBSCRIBERS = 4;
/** Publishers each subscriber reads and times (all of them up to this many). */
const SAMPLED = 4;
const MEASURE_MS = 15_000;
const RATE = 48_000;
const FRAME = 480; // 10 ms
const MARK_EVERY = 50; // frames: 500 ms
const MARK_FRAMES = 3;

const tone = (() => {
  const f = new Int16Array(FRAME);
  for (let i = 0; i < FRAME; i++) {
    f[i] = Math.round(16_000 * Math.sin((2 * Math.PI * 1000 * i) / RATE));
  }
  return f;
})();
const silence = new Int16Array(FRAME);

interface Publisher {
  identity: string;
  room: Room;
  marks: number[];
  stop(): void;
}

async function publish(wsUrl: string, token: string, identity: string): Promise<Publisher> {
  const room = new Room();
  await room.connect(wsUrl, token, { autoSubscribe: false, dynacast: false });
  const source = new AudioSource(RATE, 1, 20);
  await room.localParticipant!.publishTrack(
    LocalAudioTrack.createAudioTrack("mic", source),
    new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
  );
  const marks: number[] = [];
  let running = true;
  void (async () => {
    // stagger the publishers so marks do not all fall in the same 10 ms
    await new Promise((r) => setTimeout(r, Math.random() * 500));
    for (let n = 0; running; n++) {
      const k = n % MARK_EVERY;
      if (k === 0) marks.push(performance.now());
      const data = k < MARK_FRAMES ? tone : silence;
      await source.captureFrame(new AudioFrame(data, RATE, 1, FRAME)).catch(() => {});
    }
  })();
  return { identity, room, marks, stop: () => (running = false) };
}

/** Subscribes to every publisher; each mark's onset becomes one latency sample. */
async function subscribe(
  wsUrl: string,
  token: string,
  byIdentity: Map<string, Publisher>,
  hist: LatencyHistogram,
  counting: { on: boolean; unmatched: number; lost: number },
  sample: Set<string>,
): Promise<Room> {
  const room = new Room();
  room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _pub, p) => {
    if (track.kind !== TrackKind.KIND_AUDIO) return;
    const pub = byIdentity.get(p.identity);
    // Every subscriber takes every track (the SFU forwards N×M streams), but reads and times
    // only a sample of them: rtc-node queues decoded frames without bound for a reader that
    // falls behind, and 4 readers × 50 tracks × 100 frames/s outrun JS on 2 loaded cores.
    if (!pub || !sample.has(p.identity)) return;
    void (async () => {
      let quiet = true;
      // a track can go (unsubscribed on a loaded machine) before its stream opens
      let stream: AudioStream;
      try {
        stream = new AudioStream(track, RATE, 1);
      } catch {
        counting.lost++;
        return;
      }
      for await (const frame of stream) {
        const d = frame.data;
        let peak = 0;
        for (let i = 0; i < d.length; i += 4) peak = Math.max(peak, Math.abs(d[i]));
        if (quiet && peak > 4_000) {
          quiet = false;
          if (!counting.on) continue;
          const now = performance.now();
          const sent = pub.marks.findLast((t) => t <= now);
          if (sent !== undefined && now - sent < 450) hist.record(now - sent);
          else counting.unmatched++;
        } else if (!quiet && peak < 1_000) quiet = true;
      }
    })().catch(() => counting.lost++);
  });
  await room.connect(wsUrl, token, { autoSubscribe: true, dynacast: false });
  return room;
}

async function run(n: number) {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const { server, lk } = await startMediaServer(cleanups, {
      bucket: `meetbench${n}`,
      livekit: true,
      // every participant registers from this one address
      env: { EDGE_AUTH_BURST: "1000", EDGE_AUTH_PER_MIN: "10000" },
    });
    const base = server.url;
    const register = (username: string) => registerUser(base, username);
    const room = `bench-meet-${n}`;
    const host = await register(`bench_host_${n}`);
    await call(base, "/api/rooms", {
      token: host.token,
      json: { id: room, title: "bench", kind: "meeting" },
    });
    const people = [];
    for (let i = 0; i < n + SUBSCRIBERS; i++) people.push(await register(`bench_p${n}_${i}`));
    await call(base, `/api/rooms/${room}/meeting`, { token: host.token, json: { op: "join" } });

    // control plane: join, admit all, tokens
    const cpu0 = selfCpuMs();
    const wall0 = performance.now();
    for (const p of people) {
      await call(base, `/api/rooms/${room}/meeting`, { token: p.token, json: { op: "join" } });
    }
    const admitted = await call(base, `/api/rooms/${room}/meeting`, {
      token: host.token,
      json: { op: "admit_all" },
    });
    if (admitted.status !== 200) throw new Error(JSON.stringify(admitted.body));
    const tokens: string[] = [];
    for (const p of people) {
      const r = await call(base, `/api/media/token?roomId=${room}`, { token: p.token });
      if (r.status !== 200) throw new Error(JSON.stringify(r.body));
      tokens.push(r.body.token);
    }
    const controlCpuMs = selfCpuMs() - cpu0;
    const controlWallMs = performance.now() - wall0;

    // media plane
    const publishers: Publisher[] = [];
    for (let i = 0; i < n; i++) {
      publishers.push(await publish(lk.wsUrl, tokens[i], people[i].id));
      cleanups.push(() => publishers[i].room.disconnect());
    }
    cleanups.push(() => Promise.resolve(publishers.forEach((p) => p.stop())));
    const byIdentity = new Map(publishers.map((p) => [p.identity, p]));
    const hist = new LatencyHistogram();
    const counting = { on: false, unmatched: 0, lost: 0 };
    for (let j = 0; j < SUBSCRIBERS; j++) {
      // each subscriber times a different slice of at most SAMPLED publishers
      const sample = new Set(
        publishers.filter((_, i) => i % SUBSCRIBERS === j || n <= SAMPLED)
          .slice(0, SAMPLED).map((p) => p.identity),
      );
      const r = await subscribe(lk.wsUrl, tokens[n + j], byIdentity, hist, counting, sample);
      cleanups.push(() => r.disconnect());
    }
    await new Promise((r) => setTimeout(r, 5_000)); // subscriptions settle
    const lk0 = await processCpuSeconds(lk.pid);
    const self0 = selfCpuMs();
    const machine0 = await machineCpuSeconds();
    const load = (await Deno.readTextFile("/proc/loadavg")).split(" ")[0];
    counting.on = true;
    await new Promise((r) => setTimeout(r, MEASURE_MS));
    counting.on = false;
    const lkCpu = (await processCpuSeconds(lk.pid)) - lk0;
    const selfCpu = (selfCpuMs() - self0) / 1000;
    const machine1 = await machineCpuSeconds();
    const seconds = MEASURE_MS / 1000;
    const expected = Math.min(n, SAMPLED) * SUBSCRIBERS * (MEASURE_MS / (MARK_EVERY * 10));
    return {
      n,
      subscribers: SUBSCRIBERS,
      streamsForwarded: n * SUBSCRIBERS,
      loadAverage: Number(load),
      latency: {
        samples: hist.count,
        expected: Math.round(expected),
        unmatched: counting.unmatched,
        streamsLost: counting.lost,
        p50Ms: round(hist.quantile(0.5), 1),
        p99Ms: round(hist.quantile(0.99), 1),
        maxMs: round(hist.max, 1),
      },
      livekitCpuPercent: round((lkCpu / seconds) * 100, 1),
      livekitCpuPercentPerParticipant: round((lkCpu / seconds / n) * 100, 2),
      clientsCpuPercent: round((selfCpu / seconds) * 100, 1),
      machineBusyPercent: round(
        ((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * 100,
        1,
      ),
      projectControlCpuMsPerParticipant: round(controlCpuMs / people.length, 1),
      projectControlWallMsPerParticipant: round(controlWallMs / people.length, 1),
    };
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  }
}

const rows = [];
for (const n of SIZES) {
  console.log(`N=${n} publishers, ${SUBSCRIBERS} subscribers...`);
  try {
    const r = await run(n);
    console.log(JSON.stringify(r));
    rows.push(r);
  } catch (err) {
    console.log(`N=${n} did not complete: ${(err as Error).message}`);
    rows.push({ n, error: (err as Error).message.slice(0, 300) });
    break;
  }
}
await Deno.mkdir(resultsDir, { recursive: true });
await Deno.writeTextFile(
  `${resultsDir}meeting.json`,
  JSON.stringify({ at: new Date().toISOString(), rows }, null, 2) + "\n",
);
const table = rows.map((r) =>
  "error" in r
    ? `| ${r.n} | did not complete: ${r.error} |`
    : `| ${r.n} | ${r.subscribers} | ${r.latency.p50Ms} | ${r.latency.p99Ms} | ${r.latency.samples}/${r.latency.expected} | ${r.livekitCpuPercent} | ${r.livekitCpuPercentPerParticipant} | ${r.clientsCpuPercent} | ${r.machineBusyPercent} | ${r.projectControlCpuMsPerParticipant} | ${r.loadAverage} |`
);
await Deno.writeTextFile(
  `${resultsDir}meeting.md`,
  `# Meeting rooms: N publishers, M subscribers (tests/bench/meeting.ts)

Loopback, one livekit-server (v1.13.5, dev mode), audio only: each publisher sends a marked
tone (30 ms of 1 kHz every 500 ms); ${SUBSCRIBERS} subscribers take every publisher's track (the
SFU forwards N×M streams) and each reads and times ${SAMPLED} of them (rtc-node queues decoded
frames without bound for a slow reader). Latency: mark handed to the sender's audio source (20 ms queue) →
onset in the receiver's decoded audio (Opus, SFU, jitter buffer, decode), one clock.
CPU: percent of one core over a ${MEASURE_MS / 1000} s window. "project control" is the
server's CPU per participant for join + admit + LiveKit token (the media never passes through
the project). Run ${new Date().toISOString()}.

| N | M | p50 ms | p99 ms | samples/expected | livekit-server CPU % | per participant % | rtc-node clients CPU % | machine busy % | project control CPU ms/participant | load avg |
| - | - | - | - | - | - | - | - | - | - | - |
${table.join("\n")}
`,
);
console.log(`wrote ${resultsDir}meeting.{json,md}`);
Deno.exit(0);
