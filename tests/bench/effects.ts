/**
 * The streamer's effects in Chromium (Debian's, headless, software WebGL, no GPU) at 720p on
 * a fake 15 fps camera (tests/helpers/effects_camera.ts): per effect, frames per second out of
 * the pipeline, the time it adds per frame (read → processed frame written) and, where a model
 * runs, its results per second and time per result; "off" (every frame through the same
 * pipeline untouched) is the baseline in the same run. SAMPLES one-second samples per effect
 * (default 10), medians. RNNoise: the noise floor of white noise at -20 dBFS, off and on.
 *
 * Writes tests/bench/results/effects.{json,md}.
 *
 *   deno run -A tests/bench/effects.ts
 */
import { hasChromium, launchChromium } from "../helpers/browser.ts";
import { makeEffectsCamera } from "../helpers/effects_camera.ts";
import { EFFECTS_HARNESS, type Stats } from "../helpers/effects_page.ts";
import { startTestServer } from "../helpers/server.ts";
import { waitForValue } from "../helpers/wait.ts";
import { median } from "./helpers/stats.ts";

const SAMPLES = Number(Deno.env.get("EFFECTS_BENCH_SAMPLES") ?? 10);
const RESULTS = new URL("./results/", import.meta.url);

if (!(await hasChromium("bench effects"))) Deno.exit(0);

const CASES: { name: string; patch: Record<string, unknown>; model: boolean }[] = [
  { name: "off (baseline)", patch: {}, model: false },
  { name: "background blur", patch: { blur: true }, model: true },
  { name: "virtual background", patch: { background: true }, model: true },
  { name: "beauty", patch: { beauty: true }, model: false },
  { name: "sticker (face mesh)", patch: { sticker: "crown" }, model: true },
  {
    name: "blur + beauty + sticker",
    patch: { blur: true, beauty: true, sticker: "crown" },
    model: true,
  },
];

const cam = await makeEffectsCamera();
const server = await startTestServer();
const browser = await launchChromium(cam.args);
const rows: {
  effect: string;
  fps: number;
  latencyMs: number;
  modelPerSec: number;
  modelMs: number;
  model: boolean;
}[] = [];
let noise: { rawRms: number; offRms: number; onRms: number; reductionDb: number };
const load0 = Deno.loadavg();
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}/`);
  await page.waitForFunction("globalThis.synapseClient");
  await page.evaluate(EFFECTS_HARNESS);
  await page.evaluate(`__fx.start({ minFps: 0, minModelFps: 0 })`);
  for (const c of CASES) {
    await page.evaluate(`__fx.only(${JSON.stringify(c.patch)})`);
    if (c.model) {
      await waitForValue(`${c.name}: first model result`, async () => {
        const s = await page.evaluate(`__fx.stats()`) as Stats;
        return s.modelFps > 0 || undefined;
      }, { timeoutMs: 120_000, stepMs: 250 });
    }
    await new Promise((r) => setTimeout(r, 2000)); // warm
    const samples: Stats[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      samples.push(await page.evaluate(`__fx.stats()`) as Stats);
    }
    const row = {
      effect: c.name,
      fps: median(samples.map((s) => s.fps)),
      latencyMs: median(samples.map((s) => s.latencyMs)),
      modelPerSec: c.model ? median(samples.map((s) => s.modelFps)) : 0,
      modelMs: c.model ? median(samples.map((s) => s.modelMs)) : 0,
      model: c.model,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  await page.evaluate(`__fx.only({})`);
  const [rawRms, offRms] = await page.evaluate(
    `Promise.all([__fx.rmsRaw(3000), __fx.rmsOut(3000)])`,
  ) as number[];
  await page.evaluate(`__fx.only({ noise: true })`);
  await new Promise((r) => setTimeout(r, 1000));
  const [, onRms] = await page.evaluate(
    `Promise.all([__fx.rmsRaw(3000), __fx.rmsOut(3000)])`,
  ) as number[];
  noise = {
    rawRms,
    offRms,
    onRms,
    reductionDb: Math.round(20 * Math.log10(offRms / Math.max(onRms, 1e-9)) * 10) / 10,
  };
  console.log(JSON.stringify(noise));
} finally {
  await browser.close();
  await server.close();
  await cam.cleanup();
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const load = [load0, Deno.loadavg()].map((l) => l.map(r1).join(" "));
const base = rows[0];
const at = new Date().toISOString();
const md = [
  "# Streamer effects in the browser (720p, Chromium headless, software WebGL)",
  "",
  `${at}, ${navigator.hardwareConcurrency} cores, load average ${load[0]} at start, ` +
  `${load[1]} at end. Fake camera 1280x720 at 15 fps; ${SAMPLES} one-second samples per ` +
  "effect, medians. Models run beside the frames (each waits as long as its last run took), " +
  "so a slow model shows in its rate more than in the frame rate. Model ms: one result, the " +
  "model's loading left out.",
  "",
  "| effect | fps | × off | added ms per frame | model results/s | model ms |",
  "|---|---:|---:|---:|---:|---:|",
  ...rows.map((r) =>
    `| ${r.effect} | ${r1(r.fps)} | ${r1(r.fps / Math.max(base.fps, 1))} | ${r1(r.latencyMs)} | ${
      r.model ? r1(r.modelPerSec) : "–"
    } | ${r.model ? Math.round(r.modelMs) : "–"} |`
  ),
  "",
  "## RNNoise (AudioWorklet, 480-sample frames at 48 kHz: 10 ms of buffering added)",
  "",
  `White noise at -20 dBFS: RMS ${noise!.offRms.toExponential(2)} with suppression off ` +
  `(input ${noise!.rawRms.toExponential(2)}), ${noise!.onRms.toExponential(2)} on: ` +
  `${noise!.reductionDb} dB lower.`,
  "",
];
await Deno.mkdir(RESULTS, { recursive: true });
await Deno.writeTextFile(new URL("effects.md", RESULTS), md.join("\n"));
await Deno.writeTextFile(
  new URL("effects.json", RESULTS),
  JSON.stringify({ at, load, samples: SAMPLES, rows, noise: noise! }, null, 2) + "\n",
);
console.log(md.join("\n"));
