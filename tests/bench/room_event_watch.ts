/**
 * What the media side's batch watchers (ban and stage enforcers, media/livekit/room_events.ts)
 * cost per room batch, side by side in one run (alternating, medians of WATCH_BENCH_RUNS runs,
 * default 7): parsing every batch to look for its `stage`/`moderation` events (the baseline,
 * as the ban enforcer did) vs the text prefilter that skips batches whose text does not hold `"t":"stage"`
 * before parsing. Batches: 20 danmaku (the common case) and the same with one stage event.
 * Then the two enforcers (ban: `moderation`, stage: `stage`) as two watchers, each decoding
 * and scanning every batch (before), vs one shared watcher decoding once (`watchRoomEvents`).
 * Writes tests/bench/results/room_event_watch.{json,md}.
 *
 *   deno run -A tests/bench/room_event_watch.ts
 */
import { fileURLToPath } from "node:url";
import { batchHolding, batchHoldingAny } from "../../media/livekit/room_events.ts";
import { decodeJson, encodeJson } from "../../engine/codec.ts";

const RUNS = Number(Deno.env.get("WATCH_BENCH_RUNS") ?? 7);
const PER_RUN = 20_000;
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));

const danmaku = Array.from({ length: 20 }, (_, i) => ({
  t: "danmaku",
  d: { id: `m${i}`, userId: `u${i}`, name: `viewer${i}`, text: `666 哈哈哈 ${i}`, at: 1e12 + i },
}));
const stageEvent = {
  t: "stage",
  op: "accepted",
  userId: "u1",
  media: "both",
  stage: { layout: "grid", maxGuests: 3, guests: [], queue: [] },
  at: 1e12,
};
const batch = (events: unknown[]) =>
  encodeJson({ roomId: "lobby", seq: 42, at: 1e12, viewers: 1000, events });
const CHAT = batch(danmaku);
const WITH_STAGE = batch([...danmaku, stageEvent]);

type Events = { events: { t: string }[] };
const parseAll = (b: Uint8Array) => decodeJson<Events>(b).events.filter((e) => e.t === "stage");
const prefiltered = (b: Uint8Array) =>
  (batchHolding(b, `"t":"stage"`)?.events ?? []).filter((e) => e.t === "stage");
const WATCHED = ["moderation", "stage"];
const MARKERS = WATCHED.map((k) => `"t":"${k}"`);
/** Before: one watcher per enforcer, each decoding, scanning and parsing on its own. */
const twoWatchers = (b: Uint8Array) =>
  MARKERS.flatMap((m, i) => (batchHolding(b, m)?.events ?? []).filter((e) => e.t === WATCHED[i]));
/** After: one watcher decoding once for both. */
const sharedWatcher = (b: Uint8Array) =>
  (batchHoldingAny(b, MARKERS)?.events ?? []).filter((e) => WATCHED.includes(e.t));

function time(fn: (b: Uint8Array) => unknown[], b: Uint8Array): number {
  let found = 0;
  const t0 = performance.now();
  for (let i = 0; i < PER_RUN; i++) found += fn(b).length;
  const us = (performance.now() - t0) * 1000 / PER_RUN;
  if (found !== (b === CHAT ? 0 : PER_RUN)) throw new Error("wrong answer");
  return us;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
type Row = { batch: string; way: string; medianUs: number };
type Way = [name: string, fn: (b: Uint8Array) => unknown[]];

/** Two ways side by side (alternating runs) on both batches: their medians, in order. */
function compare(before: Way, after: Way): Row[] {
  const out: Row[] = [];
  for (const [batch, b] of [["20 danmaku", CHAT], ["20 danmaku + 1 stage", WITH_STAGE]] as const) {
    const times: number[][] = [[], []];
    time(before[1], b); // warm-up
    time(after[1], b);
    for (let r = 0; r < RUNS; r++) {
      times[0].push(time(before[1], b));
      times[1].push(time(after[1], b));
    }
    out.push({ batch, way: before[0], medianUs: median(times[0]) });
    out.push({ batch, way: after[0], medianUs: median(times[1]) });
  }
  return out;
}

const rows = compare(["parse every batch (baseline)", parseAll], [
  "text prefilter, then parse",
  prefiltered,
]);
const shared = compare(["ban + stage watchers, each decodes (before)", twoWatchers], [
  "one shared watcher decodes once (after)",
  sharedWatcher,
]);
const load = Deno.loadavg()[0];
const md = [
  "# Room-batch watchers: parse every batch vs text prefilter",
  "",
  `${RUNS} alternating runs of ${PER_RUN} batches each, median µs per batch; load ${load}.`,
  "",
  "| batch | way | median µs/batch |",
  "| --- | --- | --- |",
  ...rows.map((r) => `| ${r.batch} | ${r.way} | ${r.medianUs.toFixed(2)} |`),
  "",
  `Chat batch: prefilter ${(rows[0].medianUs / rows[1].medianUs).toFixed(1)}x faster than ` +
  `parsing; a batch with a stage event: ${(rows[3].medianUs / rows[2].medianUs).toFixed(2)}x ` +
  `the baseline's time (the scan comes on top of the parse).`,
  "",
  "## Two enforcers: a watcher each vs one shared watcher",
  "",
  "| batch | way | median µs/batch |",
  "| --- | --- | --- |",
  ...shared.map((r) => `| ${r.batch} | ${r.way} | ${r.medianUs.toFixed(2)} |`),
  "",
  `Chat batch: shared ${(shared[0].medianUs / shared[1].medianUs).toFixed(2)}x less time; ` +
  `with a stage event: ${(shared[2].medianUs / shared[3].medianUs).toFixed(2)}x.`,
  "",
].join("\n");
await Deno.mkdir(resultsDir, { recursive: true });
await Deno.writeTextFile(`${resultsDir}room_event_watch.md`, md);
await Deno.writeTextFile(
  `${resultsDir}room_event_watch.json`,
  JSON.stringify({ runs: RUNS, perRun: PER_RUN, load, rows, shared }, null, 2) + "\n",
);
console.log(md);
