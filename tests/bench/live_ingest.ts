/**
 * Live ingest benchmark: ingest-to-viewer latency of the three ways a streamer goes live on
 * the embedded default — OBS over RTMP and over WHIP through LiveKit's ingress, and publishing
 * straight from the browser (the baseline: no ingress) — and the CPU the ingress spends per
 * published stream, with and without transcoding.
 *
 * A wall clock is burned into every frame as blocks (tests/helpers/frame_clock.ts: ffmpeg's
 * drawbox switched by time(0) for RTMP, a canvas for WHIP and the browser) and read back by a
 * Chromium viewer on the room page for each frame it presents (requestVideoFrameCallback):
 * latency = the viewer's clock − the clock in the frame (one machine, one clock; resolution
 * 10 ms). CPU: user+system seconds of the ingress and its per-stream handler processes over
 * the sampling window, per wall second (1.0 = one core).
 *
 *   deno run -A tests/bench/live_ingest.ts   → tests/bench/results/live_ingest.{json,md}
 */
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../helpers/browser.ts";
import { mediaPieces, startEmbeddedMedia, streamerWithRoom } from "../helpers/embedded_media.ts";
import { CLOCK_BITS, DRAW_CLOCK_JS, READ_CLOCK_JS } from "../helpers/frame_clock.ts";
import { pushRtmp, startWhip, stopWhip } from "../helpers/obs.ts";
import { waitForValue } from "../helpers/wait.ts";
import { median, processCpuSeconds, round } from "./helpers/stats.ts";

const SAMPLE_SECONDS = 15;
const SIZE = { width: 640, height: 360, fps: 30 };

interface Row {
  path: string;
  transcoding: string;
  frames: number;
  p50Ms: number;
  p99Ms: number;
  ingressCpuCores: number | null;
}

/** The viewer page measures each presented frame's latency into `window.__lat`. */
const SAMPLER_JS = `(() => {
  ${READ_CLOCK_JS}
  const MOD = ${2 ** CLOCK_BITS};
  window.__lat = [];
  window.__sampling = false;
  const tick = () => {
    const v = document.querySelector("#live-video");
    if (v && window.__sampling) {
      const c = readClock(v);
      if (c !== null) {
        const now = Math.floor(Date.now() / 10) % MOD;
        window.__lat.push(((now - c + MOD) % MOD) * 10);
      }
    }
    if (v && v.requestVideoFrameCallback) v.requestVideoFrameCallback(tick);
    else setTimeout(tick, 20);
  };
  tick();
  // the element may be replaced when a stream starts again: re-arm on a timer too
  setInterval(() => { const v = document.querySelector("#live-video");
    if (v && !v.__armed && v.requestVideoFrameCallback) { v.__armed = true; v.requestVideoFrameCallback(tick); } }, 500);
})()`;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : NaN;
}

/** CPU seconds of `pid` and every process below it. */
async function treeCpuSeconds(pid: number): Promise<number> {
  const children = new Map<number, number[]>();
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${e.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(e.name)]);
    } catch { /* gone */ }
  }
  let sum = 0;
  const walk = async (p: number) => {
    sum += await processCpuSeconds(p).catch(() => 0);
    for (const c of children.get(p) ?? []) await walk(c);
  };
  await walk(pid);
  return sum;
}

async function roomLive(base: string, room: string): Promise<boolean> {
  const body = await fetch(`${base}/api/rooms`).then((r) => r.json());
  return body.rooms.find((r: { roomId: string }) => r.roomId === room)?.live === true;
}

async function measure(
  base: string,
  room: string,
  viewer: Page,
  start: () => Promise<() => Promise<void>>,
  row: Omit<Row, "frames" | "p50Ms" | "p99Ms" | "ingressCpuCores">,
  ingressPid?: number,
): Promise<Row> {
  const stop = await start();
  await waitForValue(`${row.path}: live`, async () => (await roomLive(base, room)) || undefined, {
    timeoutMs: 60_000,
    stepMs: 200,
  });
  await viewer.evaluate(`window.__sampling = true; window.__lat = []`);
  await waitForValue(
    `${row.path}: frames with a clock at the viewer`,
    async () => Number(await viewer.evaluate(`window.__lat.length`)) > 30 || undefined,
    {
      timeoutMs: 60_000,
      stepMs: 250,
    },
  );
  // warm-up over: sample a fixed window
  await viewer.evaluate(`window.__lat = []`);
  const cpu0 = ingressPid ? await treeCpuSeconds(ingressPid) : 0;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SAMPLE_SECONDS * 1000));
  const cpu1 = ingressPid ? await treeCpuSeconds(ingressPid) : 0;
  const wall = (performance.now() - t0) / 1000;
  const lat = (await viewer.evaluate(`window.__lat`)) as number[];
  await viewer.evaluate(`window.__sampling = false`);
  await stop();
  await waitForValue(
    `${row.path}: offline`,
    async () => !(await roomLive(base, room)) || undefined,
    {
      timeoutMs: 60_000,
      stepMs: 200,
    },
  );
  const out: Row = {
    ...row,
    frames: lat.length,
    p50Ms: round(median(lat), 0),
    p99Ms: round(quantile(lat, 0.99), 0),
    ingressCpuCores: ingressPid ? round((cpu1 - cpu0) / wall, 2) : null,
  };
  console.log(JSON.stringify(out));
  return out;
}

async function ingress(base: string, token: string, room: string, kind: "rtmp" | "whip") {
  const res = await fetch(`${base}/api/media/ingress`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ roomId: room, kind }),
  });
  const { ingress } = await res.json();
  return { url: (ingress.url as string).replace("localhost", "127.0.0.1"), key: ingress.streamKey };
}

/** Publishing from the browser with livekit-client: a canvas with the clock. */
async function browserPublish(page: Page, base: string, room: string, session: unknown) {
  await page.goto(`${base}/`);
  await page.evaluate(
    `localStorage.setItem("synapse.auth", ${JSON.stringify(JSON.stringify(session))})`,
  );
  await page.addScriptTag({ url: `${base}/vendor/livekit-client.js` });
  const token = (session as { accessToken: string }).accessToken;
  await page.evaluate(`(async () => {
    ${DRAW_CLOCK_JS}
    const t = await fetch("/api/media/token?roomId=${room}&role=streamer",
      { headers: { authorization: "Bearer ${token}" } }).then((r) => r.json());
    const canvas = document.createElement("canvas"); canvas.width = ${SIZE.width}; canvas.height = ${SIZE.height};
    const ctx = canvas.getContext("2d"); let n = 0;
    window.__paint = setInterval(() => { ctx.fillStyle = "hsl(" + (n++ % 360) + ",60%,40%)";
      ctx.fillRect(0, 0, ${SIZE.width}, ${SIZE.height}); drawClock(ctx, ${SIZE.width}, ${SIZE.height}, Date.now()); }, 1000 / 30);
    const lkRoom = new LivekitClient.Room();
    await lkRoom.connect(t.url, t.token);
    await lkRoom.localParticipant.publishTrack(canvas.captureStream(30).getVideoTracks()[0],
      { source: LivekitClient.Track.Source.Camera, simulcast: false });
    window.__lk = lkRoom;
  })()`);
  return async () => {
    await page.evaluate(
      `(async () => { clearInterval(window.__paint); await window.__lk.disconnect(); })()`,
    );
  };
}

async function run(browser: Browser, simulcast: boolean): Promise<Row[]> {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const { server } = await startEmbeddedMedia(cleanups, {
      needIngress: true,
      env: { INGRESS_SIMULCAST: String(simulcast), LOG_LEVEL: "error" },
    });
    const base = server.url;
    const room = "bench-live";
    const { accessToken, session } = await streamerWithRoom(base, "bench_streamer", room);
    const pid = (await mediaPieces(base)).find((p) => p.piece === "ingress")!.pid!;
    const viewer = await (await browser.newContext()).newPage();
    await viewer.goto(`${base}/r/${room}`);
    await viewer.evaluate(SAMPLER_JS);
    const rows: Row[] = [];
    const layers = simulcast ? "3 simulcast layers" : "1 layer (720p preset)";
    if (!simulcast) {
      const page = await (await browser.newContext()).newPage();
      rows.push(
        await measure(base, room, viewer, () => browserPublish(page, base, room, session), {
          path: "browser (WebRTC, no ingress)",
          transcoding: "none",
        }, pid),
      );
    }
    const rtmp = await ingress(base, accessToken, room, "rtmp");
    rows.push(
      await measure(
        base,
        room,
        viewer,
        () => {
          const push = pushRtmp(`${rtmp.url}/${rtmp.key}`, SIZE);
          return Promise.resolve(() => push.stop());
        },
        { path: "RTMP (ffmpeg as OBS)", transcoding: `H.264 → ${layers}` },
        pid,
      ),
    );
    const whip = await ingress(base, accessToken, room, "whip");
    const sender = await (await browser.newContext()).newPage();
    await sender.goto(`${base}/`);
    rows.push(
      await measure(base, room, viewer, async () => {
        await startWhip(sender, whip.url, whip.key);
        return () => stopWhip(sender);
      }, {
        path: "WHIP (browser WHIP client)",
        transcoding: simulcast ? `VP8 → ${layers}` : "none (passed through)",
      }, pid),
    );
    return rows;
  } finally {
    for (const fn of cleanups.reverse()) await fn().catch(() => {});
  }
}

const browser = await launchChromium(["--autoplay-policy=no-user-gesture-required"]);
let rows: Row[];
try {
  rows = [...(await run(browser, false)), ...(await run(browser, true))];
} finally {
  await browser.close();
}
const cores = navigator.hardwareConcurrency;
const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
const results = {
  at: new Date().toISOString(),
  cores,
  loadavg: load,
  sampleSeconds: SAMPLE_SECONDS,
  source: `${SIZE.width}x${SIZE.height} ${SIZE.fps} fps`,
  rows,
};
const dir = new URL("./results/", import.meta.url).pathname;
await Deno.mkdir(dir, { recursive: true });
await Deno.writeTextFile(`${dir}live_ingest.json`, JSON.stringify(results, null, 2) + "\n");
const md = [
  "# Live ingest: latency from the streamer to a viewer, and the ingress's CPU per stream",
  "",
  `${results.at} · ${cores} cores · load average ${load} (a shared machine) · source ${results.source}`,
  "",
  "Embedded default (livekit-server, Redis, LiveKit ingress v1.5.0 as children of the server).",
  "A wall clock burned into each frame as blocks is read back by a Chromium viewer on the room",
  `page for each presented frame, over ${SAMPLE_SECONDS} s after a warm-up; latency = viewer clock −`,
  "frame clock (10 ms resolution). Ingress CPU = user+system seconds of the ingress and its",
  "per-stream handler processes per wall second (1.0 = one core). Browser publish is the",
  "baseline: no ingress in the path.",
  "",
  "| path | transcoding | frames | p50 | p99 | ingress CPU (cores) |",
  "|---|---|---:|---:|---:|---:|",
  ...rows.map((r) =>
    `| ${r.path} | ${r.transcoding} | ${r.frames} | ${r.p50Ms} ms | ${r.p99Ms} ms | ${
      r.ingressCpuCores ?? "—"
    } |`
  ),
  "",
].join("\n");
await Deno.writeTextFile(`${dir}live_ingest.md`, md);
console.log(md);
