/**
 * The stream's language: detected from captions and chat, and followed by coaching tips and
 * summaries, locally (zh-CN and English templates) and through the OpenAI-compatible stand-in
 * answering in the language the prompt asks for. Chinese coaching lines follow the Douyin
 * document's style: 3–5 lines, each with a call to action, no absolute claims, answer
 * templates for price, size and shipping questions.
 */
import assert from "node:assert/strict";
import { detectLanguage } from "../actors/ai/language.ts";
import { absoluteClaims, hasCallToAction } from "../actors/ai/coaching_style.ts";
import { coachingTips, localTips, type Tip, type TipWindow } from "../actors/ai/tips.ts";
import { type StreamMaterial, summariseStream } from "../actors/ai/summary.ts";
import { promptText, startFakeOpenAi } from "./helpers/fake_openai.ts";
import { languageFollowingReply } from "./helpers/fake_llm_answers.ts";
import { testLlm } from "./helpers/ai_llm.ts";
import { aiRoomHarness, user } from "./helpers/ai_room_harness.ts";
import type { AiStateReply } from "../actors/room/contract.ts";

const T0 = Date.UTC(2026, 11, 5, 12, 0, 0);
const HAN = /\p{Script=Han}/u;

function window(lines: string[], transcript: string, name = "观众"): TipWindow {
  return {
    roomId: "room-lang",
    recordingId: "rec-lang",
    seq: 1,
    startAt: T0,
    endAt: T0 + 300_000,
    liveForMs: 600_000,
    transcript,
    danmaku: lines.map((text, i) => ({
      userId: `u${i % 7}`,
      name: `${name}${i % 7}`,
      text,
      at: T0 + 1_000 + i * 5_000,
    })),
    topics: [],
    screenText: ["限时特价 ¥59.9"],
  };
}

const ZH_CHAT = [
  "主播晚上好",
  "第一次来",
  "这个多少钱？",
  "价格能便宜点吗",
  "我一米六五穿什么尺码？",
  "什么时候发货？包邮吗",
  "颜色好看",
  "链接在哪",
];
const EN_CHAT = [
  "hi everyone",
  "first time here",
  "how much is this?",
  "what size should I get, I'm 5'5?",
  "does it ship to Canada?",
  "love the color",
];

function assertStyle(tips: Tip[], zh: boolean): void {
  assert.ok(tips.length >= 3 && tips.length <= 5, `3-5 tips: ${tips.length}`);
  for (const t of tips) {
    assert.equal(HAN.test(t.text), zh, `${zh ? "Chinese" : "English"}: ${t.text}`);
    assert.ok(hasCallToAction(t.text, zh ? "zh-CN" : "en"), `call to action: ${t.text}`);
    assert.deepEqual(absoluteClaims(t.text), [], `no absolute claim: ${t.text}`);
  }
}

Deno.test("language: detected from chat and speech; Japanese is not Chinese", () => {
  assert.equal(detectLanguage(ZH_CHAT)?.tag, "zh-CN");
  assert.equal(detectLanguage(EN_CHAT)?.tag, "en");
  assert.equal(detectLanguage(["これはいくらですか", "送料はかかりますか"])?.tag, "ja");
  assert.equal(detectLanguage(["666", "1", "👍"]), null, "too little text: no guess");
});

Deno.test("language: claims and calls to action are checked", () => {
  assert.deepEqual(absoluteClaims("全网最低价，100%正品").sort(), ["100%", "全网", "最"]);
  assert.deepEqual(absoluteClaims("最后三件，点击小黄车"), [], "最后 is not a claim");
  assert.deepEqual(absoluteClaims("观众问「是不是最便宜」，回答价格"), [], "a quote is theirs");
  assert.ok(absoluteClaims("the best price, guaranteed").length === 2);
  assert.ok(!hasCallToAction("讲一讲使用场景", "zh-CN"));
});

Deno.test("language: local tips follow the chat's language in the document's style", () => {
  const zh = localTips(window(ZH_CHAT, ""));
  assertStyle(zh, true);
  const all = zh.map((t) => t.text).join("\n");
  assert.match(all, /价格是¥59\.9/, "the price question is answered with the on-screen price");
  assert.ok(zh.some((t) => t.tags.includes("template")), "answer templates tagged");
  assertStyle(localTips(window(EN_CHAT, "", "viewer")), false);
  // the streamer's setting wins over detection
  const forced = localTips({ ...window(ZH_CHAT, ""), language: "en" });
  assert.ok(forced.every((t) => /^[\x20-\x7e—“”’¥]/.test(t.text)), JSON.stringify(forced));
});

Deno.test("language: tips and summary through the stand-in follow the stream", async () => {
  const fake = startFakeOpenAi();
  fake.chatReply = (messages) => languageFollowingReply(messages);
  try {
    const llm = testLlm(fake.url);
    const zh = await coachingTips(window(ZH_CHAT, "今天给大家带来这款保温杯"), llm);
    assert.equal(zh.source, "llm");
    assert.equal(zh.language, "zh-CN");
    assert.match(promptText(fake.requests[0]), /\(zh-CN\)/, "the prompt names the language");
    assertStyle(zh.tips, true);
    assert.ok(!zh.tips.some((t) => t.text.includes("全网")), "the model's claim was dropped");
    assert.ok(
      zh.tips.some((t) =>
        t.text.startsWith("讲一讲这款的使用场景") && hasCallToAction(t.text, "zh-CN")
      ),
      "a line without a call to action got one",
    );

    const en = await coachingTips(
      window(EN_CHAT, "today I am showing you this bottle", "viewer"),
      llm,
    );
    assert.equal(en.language, "en");
    assertStyle(en.tips, false);

    const material = (captions: string[]): StreamMaterial => ({
      recordingId: "rec-lang",
      durationMs: 600_000,
      captions: captions.map((text, i) => ({
        startMs: i * 60_000,
        endMs: i * 60_000 + 5_000,
        text,
      })),
      highlights: [],
      topics: [],
      mood: [],
    });
    const zhSummary = await summariseStream(
      material([
        "大家好，欢迎来到直播间",
        "今天给大家介绍这款保温杯",
        "保温杯可以保温十二个小时",
        "现在下单有优惠",
      ]),
      llm,
    );
    assert.equal(zhSummary.source, "llm");
    assert.equal(zhSummary.language, "zh-CN");
    assert.ok(HAN.test(zhSummary.summary), zhSummary.summary);
    assert.ok(zhSummary.chapters.every((c) => HAN.test(c.title)), JSON.stringify(zhSummary));
    const enSummary = await summariseStream(
      material(["hello and welcome", "today I show you this bottle", "it keeps drinks hot"]),
      llm,
    );
    assert.equal(enSummary.language, "en");
    assert.ok(!HAN.test(enSummary.summary + enSummary.chapters.map((c) => c.title).join()));

    // the local summary speaks the stream's language too
    const local = await summariseStream(
      { ...material(["大家好，欢迎来到直播间", "今天给大家介绍这款保温杯"]), topics: [] },
      null,
    );
    assert.equal(local.language, "zh-CN");
    assert.ok(HAN.test(local.summary) && local.chapters.every((c) => HAN.test(c.title)));
  } finally {
    await fake.close();
  }
});

Deno.test("language: the room detects its language, the setting wins, notices follow", async () => {
  const h = await aiRoomHarness();
  try {
    const viewer = user("v1");
    for (const [i, text] of ZH_CHAT.slice(0, 6).entries()) await h.say(user(`c${i}`), text);
    const state = await h.ai<AiStateReply>(viewer, { op: "state" });
    assert.deepEqual(state.language, { setting: "auto", detected: "zh-CN", effective: "zh-CN" });
    const warned = await h.say(user("v2"), "this is shit");
    assert.match(warned.warning?.message ?? "", /违反了房间规则/, JSON.stringify(warned));

    await h.ask({
      kind: "internal",
      cmd: {
        kind: "configure",
        settings: { ownerId: "owner", admins: [], guestChat: true, language: "en" },
      },
    });
    const set = await h.ai<AiStateReply>(viewer, { op: "state" });
    assert.deepEqual(set.language, { setting: "en", detected: "zh-CN", effective: "en" });
    const warnedEn = await h.say(user("v3"), "this is shit too");
    assert.match(warnedEn.warning?.message ?? "", /breaks the room's rules/);
  } finally {
    await h.close();
  }
});
