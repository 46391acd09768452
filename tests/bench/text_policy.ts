/**
 * What the text policy (issue 10) costs on the paths it sits on, each side by side with its
 * baseline in one run (alternating, medians of TEXT_BENCH_RUNS runs, default 7):
 * - socket intake per frame: JSON.parse + the frame schema, without and with the walk that
 *   refuses forbidden characters in every string (edge/viewer_session.ts);
 * - chat cleaning (the slow path of `cleanFully`): the room's own invisible-character regexes
 *   as they were before (kept below as the baseline) vs the shared definition of
 *   engine/text/invisible.ts;
 * - a REST request through Hono (`app.request`, no network): a JSON POST route without and
 *   with the text guard middleware (edge/text_guard.ts).
 * Writes tests/bench/results/text_policy.{json,md}.
 *
 *   deno run -A tests/bench/text_policy.ts
 */
import { Hono } from "hono";
import { fileURLToPath } from "node:url";
import { cleanFully } from "../../actors/room/sanitize.ts";
import { SessionFrame } from "../../edge/protocol.ts";
import { textGuard } from "../../edge/text_guard.ts";
import { findTextViolation } from "../../engine/text/forbidden.ts";

const RUNS = Number(Deno.env.get("TEXT_BENCH_RUNS") ?? 7);
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));

// --- the room's cleaning before the shared definition (baseline, from actors/room/sanitize.ts)
const OLD_INVISIBLE =
  // deno-lint-ignore no-control-regex -- the baseline removed control characters too
  /[\u0000-\u0008\u000E-\u001F\u007F-\u009F\u061C\u180E\u200B\u200C\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB\u{E0000}-\u{E007F}]/gu;
const OLD_STRAY_ZWJ =
  /(?<!\p{Extended_Pictographic}\uFE0F?)\u200D|\u200D(?!\p{Extended_Pictographic})/gu;
const MARK_PILE = /(\p{M}{3})\p{M}+/gu;
const WHITESPACE_RUN = /\s+/gu;
function oldCleanFully(raw: string): string {
  return raw.normalize("NFC").replace(OLD_INVISIBLE, "").replace(OLD_STRAY_ZWJ, "")
    .replace(MARK_PILE, "$1").replace(WHITESPACE_RUN, " ").trim();
}

/** Chat lines that take the slow path: emoji sequences, accents, bidi, fillers, full-width. */
const SLOW_TEXTS = [
  "主播太强了👍🏽👍🏽 666",
  "👩‍💻 coding stream ❤️ let's go",
  "café crème brûlée — très bien!",
  "\u202Eevil\u202C text with override",
  "ｆｕｌｌ　ｗｉｄｔｈ　ｌｅｔｔｅｒｓ",
  "hello\u200B\u200Bworld\u00AD\u3164",
  "Ｈｅｌｌｏ 世界 🇨🇳🎉",
  "  lots   of    spaces\t\tand\nnewlines  ",
];

/** Socket frames as clients send them (mostly says). */
const FRAMES = [
  ...SLOW_TEXTS.map((text, i) => JSON.stringify({ type: "say", text, clientId: `c${i}` })),
  JSON.stringify({ type: "say", text: "hello everyone", clientId: "c-a" }),
  JSON.stringify({ type: "say", text: "哈哈哈哈哈哈", clientId: "c-b" }),
  JSON.stringify({ type: "gift", giftId: "rose", count: 3, idempotencyKey: "k-0123456789abcdef" }),
  JSON.stringify({ type: "ping", t: 123456 }),
];

function intake(frame: string, walk: boolean): boolean {
  const parsed = JSON.parse(frame);
  if (walk && findTextViolation(parsed)) return false;
  return SessionFrame.safeParse(parsed).success;
}

function app(guarded: boolean): Hono {
  const a = new Hono();
  if (guarded) a.use("*", textGuard());
  a.post(
    "/api/rooms/:id/title",
    async (c) => c.json({ ok: true, got: (await c.req.json()).title }),
  );
  return a;
}

interface Case {
  name: string;
  unit: string;
  iterations: number;
  baseline: { label: string; fn: () => unknown | Promise<unknown> };
  current: { label: string; fn: () => unknown | Promise<unknown> };
}

let sink = 0;
const plain = app(false);
const guarded = app(true);
const restBody = JSON.stringify({ title: "今晚的直播 🎉 tonight's stream", tags: ["a", "b"] });
const restRequest = (a: Hono) =>
  (a.request("/api/rooms/room-1/title?lang=zh", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: restBody,
  }) as Promise<Response>).then((r) => r.text());

const CASES: Case[] = [
  {
    name: "socket intake, per frame",
    unit: "ns",
    iterations: 40_000,
    baseline: {
      label: "parse + schema",
      fn: () => FRAMES.forEach((f) => sink += intake(f, false) ? 1 : 0),
    },
    current: {
      label: "parse + text walk + schema",
      fn: () => FRAMES.forEach((f) => sink += intake(f, true) ? 1 : 0),
    },
  },
  {
    name: "chat cleaning (slow path), per line",
    unit: "ns",
    iterations: 40_000,
    baseline: {
      label: "room's own regexes (before)",
      fn: () => SLOW_TEXTS.forEach((t) => sink += oldCleanFully(t).length),
    },
    current: {
      label: "shared invisible definition",
      fn: () => SLOW_TEXTS.forEach((t) => sink += cleanFully(t).length),
    },
  },
  {
    name: "REST JSON POST through Hono, per request",
    unit: "µs",
    iterations: 4_000,
    baseline: { label: "no text guard", fn: () => restRequest(plain) },
    current: { label: "text guard", fn: () => restRequest(guarded) },
  },
];

/** Time per item of one run of `fn` (each call handles `perCall` items). */
async function time(fn: () => unknown | Promise<unknown>, iterations: number, perCall: number) {
  const began = performance.now();
  for (let i = 0; i < iterations; i++) {
    const r = fn();
    if (r instanceof Promise) await r;
  }
  return (performance.now() - began) / (iterations * perCall);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const rows = [];
for (const c of CASES) {
  const perCall = c.name.startsWith("socket")
    ? FRAMES.length
    : c.name.startsWith("chat")
    ? SLOW_TEXTS.length
    : 1;
  const scale = c.unit === "ns" ? 1e6 : 1e3; // ms → ns or µs
  // warm-up, then alternate baseline and current run by run
  await time(c.baseline.fn, c.iterations / 4, perCall);
  await time(c.current.fn, c.iterations / 4, perCall);
  const base: number[] = [];
  const cur: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    base.push((await time(c.baseline.fn, c.iterations, perCall)) * scale);
    cur.push((await time(c.current.fn, c.iterations, perCall)) * scale);
  }
  const row = {
    case: c.name,
    unit: c.unit,
    baseline: c.baseline.label,
    baselineMedian: Number(median(base).toFixed(1)),
    current: c.current.label,
    currentMedian: Number(median(cur).toFixed(1)),
    ratio: Number((median(cur) / median(base)).toFixed(2)),
  };
  rows.push(row);
  console.log(JSON.stringify(row));
}
if (sink < 0) console.log(sink); // keep the work observable

await Deno.mkdir(resultsDir, { recursive: true });
const at = new Date().toISOString();
await Deno.writeTextFile(
  `${resultsDir}text_policy.json`,
  JSON.stringify({ at, runs: RUNS, rows }, null, 2) + "\n",
);
await Deno.writeTextFile(
  `${resultsDir}text_policy.md`,
  [
    "# Text policy: what it costs where it runs",
    "",
    `Medians of ${RUNS} alternating runs in one process (${at}). Ratio = with the policy ÷ baseline.`,
    "",
    "| path | baseline | median | with the policy | median | ratio |",
    "| --- | --- | ---: | --- | ---: | ---: |",
    ...rows.map((r) =>
      `| ${r.case} | ${r.baseline} | ${r.baselineMedian} ${r.unit} | ${r.current} | ${r.currentMedian} ${r.unit} | ${r.ratio}× |`
    ),
    "",
    "For scale: one chat line costs tens of µs of CPU end to end through the room (see",
    "room_say.md); the socket's text walk adds about a third to the frame's own parse and schema",
    "check, a few per cent of the whole say. The machine is shared: compare ratios, not runs.",
    "",
  ].join("\n"),
);
console.log(`wrote ${resultsDir}text_policy.{json,md}`);
