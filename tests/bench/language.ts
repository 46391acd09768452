/**
 * The stream's language detection (actors/ai/language.ts, franc-min over the room's last
 * chat lines and caption cues) beside the heuristic it replaced (a window is Chinese when at
 * least half its chat lines hold a Han character, else English), in one run: wall time (one thread, single-threaded JS) per
 * detection of a full room sample (80 chat lines + 20 cues, as `StreamLanguage` keeps) and
 * how many of a labelled set of samples each gets right (Chinese, English, Japanese,
 * Spanish, Korean chat; Chinese chat with English greetings; English chat with emoji).
 * Medians of LANG_BENCH_RUNS runs (default 7). Writes tests/bench/results/language.{json,md}.
 *
 *   deno run -A tests/bench/language.ts
 */
import { fileURLToPath } from "node:url";
import { detectLanguage } from "../../actors/ai/language.ts";

const RUNS = Number(Deno.env.get("LANG_BENCH_RUNS") ?? 7);
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));
const han = (s: string) => /\p{Script=Han}/u.test(s);

/** The replaced heuristic (the old `isChinese` of actors/ai/tips.ts). */
function hanRatio(texts: string[]): string {
  return texts.filter(han).length * 2 >= texts.length ? "zh-CN" : "en";
}

const SAMPLES: { tag: string; texts: string[] }[] = [
  {
    tag: "zh-CN",
    texts: ["主播晚上好", "这个多少钱", "什么时候发货", "颜色好看", "链接在哪", "666"],
  },
  { tag: "en", texts: ["hi everyone", "how much is it?", "does it ship to Canada", "lol", "nice"] },
  {
    tag: "ja",
    texts: ["これはいくらですか", "送料はかかりますか", "かわいい", "色違いはありますか"],
  },
  {
    tag: "es",
    texts: ["hola a todos", "¿cuánto cuesta?", "¿hacen envíos a México?", "me encanta"],
  },
  { tag: "ko", texts: ["안녕하세요", "이거 얼마예요?", "배송은 언제 되나요", "너무 예뻐요"] },
  {
    tag: "zh-CN",
    texts: ["hi", "hello", "主播好", "这个尺码偏大吗", "今天有优惠吗", "hello主播", "买了买了"],
  },
  { tag: "en", texts: ["😂😂", "so good 👍", "where is the link", "🔥🔥🔥", "love this stream"] },
  { tag: "ja", texts: ["今日は何時まで配信しますか", "この商品の値段を教えてください"] },
];

/** A full room sample: 80 chat lines and 20 caption cues (twice each, as weighted). */
const ROOM = [
  ...Array.from({ length: 80 }, (_, i) => SAMPLES[i % 2 === 0 ? 0 : 5].texts[i % 6]),
  ...Array.from({ length: 20 }, () => ["今天给大家介绍这款保温杯", "今天给大家介绍这款保温杯"])
    .flat(),
];

function timeIt(fn: () => unknown, iterations: number): number {
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  return ((performance.now() - t0) * 1000) / iterations;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const franc: number[] = [];
const ratio: number[] = [];
for (let r = 0; r < RUNS; r++) {
  franc.push(timeIt(() => detectLanguage(ROOM), 200));
  ratio.push(timeIt(() => hanRatio(ROOM), 200));
}
const right = (f: (t: string[]) => string | undefined) =>
  SAMPLES.filter((s) => f(s.texts) === s.tag).length;
const result = {
  load: Deno.loadavg()[0],
  runs: RUNS,
  roomSample: { lines: ROOM.length, chars: ROOM.join("").length },
  microsPerDetection: { francMin: median(franc), hanRatio: median(ratio) },
  correct: {
    of: SAMPLES.length,
    francMin: right((t) => detectLanguage(t)?.tag),
    hanRatio: right(hanRatio),
  },
};
await Deno.mkdir(resultsDir, { recursive: true });
await Deno.writeTextFile(`${resultsDir}language.json`, JSON.stringify(result, null, 2) + "\n");
const md = `# Stream language detection

\`deno run -A tests/bench/language.ts\` — ${new Date().toISOString().slice(0, 10)}, load ${
  result.load.toFixed(1)
}, medians of ${RUNS} runs.

| | franc-min (actors/ai/language.ts) | Han-character ratio (replaced) |
|---|---|---|
| wall time per detection of a room sample (one thread) (${result.roomSample.lines} texts, ${result.roomSample.chars} chars) | ${
  result.microsPerDetection.francMin.toFixed(0)
} µs | ${result.microsPerDetection.hanRatio.toFixed(1)} µs |
| labelled samples right (zh, en, ja, es, ko, mixed) | ${result.correct.francMin} of ${result.correct.of} | ${result.correct.hanRatio} of ${result.correct.of} |

The room detects from its tick at most every 20 s (and when its AI state is read), so the
cost per say is nil; the ratio heuristic is cheaper but calls Japanese Chinese and Spanish or
Korean English.
`;
await Deno.writeTextFile(`${resultsDir}language.md`, md);
console.log(md);
