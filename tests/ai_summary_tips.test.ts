/** Coaching tips (local rules and the LLM with key frames) and stream summaries with chapters. */
import assert from "node:assert/strict";
import {
  coachingTips,
  inWindow,
  localTips,
  type TipWindow,
  type WindowMessage,
} from "../actors/ai/tips.ts";
import { type StreamMaterial, summariseStream } from "../actors/ai/summary.ts";
import { imageParts, promptText, startFakeOpenAi } from "./helpers/fake_openai.ts";
import { testLlm } from "./helpers/ai_llm.ts";

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);

function chat(): WindowMessage[] {
  const lines: [number, string, string][] = [
    [-30_000, "old", "this message is from the previous window"],
    [5_000, "小明", "主播晚上好"],
    [9_000, "阿花", "第一次来"],
    [20_000, "大壮", "这个手机多少钱？"],
    [31_000, "小李", "链接在哪里"],
    [40_000, "阿花", "哈哈哈哈哈"],
    [55_000, "老王", "电池能用多久？"],
    [70_000, "小明", "666"],
    [120_000, "大壮", "价格能再便宜点吗"],
    [299_000, "小李", "主播的摄像头不错"],
    [301_000, "late", "this message belongs to the next window"],
  ];
  return lines.map(([dt, name, text], i) => ({ userId: `u${name}`, name, text, at: T0 + dt + i }));
}

function tipWindow(frames: TipWindow["frames"] = []): TipWindow {
  return {
    roomId: "room-7",
    recordingId: "rec-1",
    seq: 3,
    startAt: T0,
    endAt: T0 + 300_000,
    liveForMs: 20 * 60_000,
    transcript: "today we are showing the new phone, the price is 3999",
    danmaku: inWindow(chat(), T0, T0 + 300_000),
    mood: { mean: 0.4, count: 9 },
    topics: ["手机", "价格"],
    frames,
  };
}

async function keyFrames(n: number): Promise<{ bytes: Uint8Array; mime: string }[]> {
  const dir = await Deno.makeTempDir({ prefix: "ai-frames-" });
  try {
    const out = await new Deno.Command("ffmpeg", {
      args: [
        "-v",
        "error",
        "-f",
        "lavfi",
        "-i",
        `testsrc2=size=1280x720:rate=10:duration=${n * 10}`,
        "-vf",
        "fps=1/10,scale=-2:480",
        "-frames:v",
        String(n),
        "-q:v",
        "5",
        `${dir}/f%02d.jpg`,
      ],
    }).output();
    assert.ok(out.success, "ffmpeg made key frames");
    const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    return await Promise.all(
      files.map(async (f) => ({ bytes: await Deno.readFile(`${dir}/${f}`), mime: "image/jpeg" })),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("tips: local rules read the window's chat and speech", () => {
  const tips = localTips(tipWindow());
  assert.ok(tips.length >= 3 && tips.length <= 5);
  const types = new Set(tips.map((t) => t.type));
  assert.ok(
    types.has("welcome") && types.has("product") && types.has("interaction"),
    JSON.stringify(tips),
  );
  assert.ok(tips.every((t) => /\p{Script=Han}/u.test(t.text)), "Chinese chat gets Chinese tips");
  assert.ok(tips.some((t) => t.text.includes("小明")), "greeters named");
  for (let i = 1; i < tips.length; i++) assert.ok(tips[i - 1].score >= tips[i].score);
  const quiet = localTips({
    ...tipWindow(),
    danmaku: [],
    topics: [],
    transcript: "ok bye see you tomorrow",
  });
  assert.ok(quiet.length >= 3);
  assert.ok(quiet.some((t) => t.type === "closing"));
  assert.ok(quiet.some((t) => t.tags.includes("low-activity")));
});

Deno.test("tips: the LLM gets the model, the key frames and exactly the window's danmaku", async () => {
  const fake = startFakeOpenAi();
  fake.chatReply = () =>
    JSON.stringify({
      tips: [
        { text: "Greet 小明 and 阿花", type: "welcome", tags: ["greeting"], score: 0.7 },
        { text: "Say the price again: 3999", type: "product", tags: ["price"], score: 0.9 },
        { text: "Answer the battery question", type: "interaction", tags: ["qa"], score: 0.8 },
      ],
    });
  try {
    const llm = testLlm(fake.url);
    const frames = await keyFrames(3);
    assert.equal(frames.length, 3);
    const res = await coachingTips(tipWindow(frames), llm);
    assert.equal(res.source, "llm");
    assert.deepEqual(res.tips.map((t) => t.type), ["product", "interaction", "welcome"]);
    assert.equal(fake.requests.length, 1);
    const req = fake.requests[0];
    assert.equal(req.body.model, "test-model");
    assert.equal(imageParts(req), 3);
    const prompt = promptText(req);
    for (const m of tipWindow().danmaku) {
      assert.ok(prompt.includes(m.text), `prompt has "${m.text}"`);
    }
    assert.ok(!prompt.includes("previous window") && !prompt.includes("next window"));
    assert.match(prompt, /today we are showing the new phone/);
    assert.equal(llm.usage("room-7").calls, 1);

    // a broken endpoint: retries, then local tips labelled local
    for (let i = 0; i < 4; i++) fake.faults.push({ kind: "status", status: 500 });
    const fallback = await coachingTips(tipWindow(frames), llm);
    assert.equal(fallback.source, "local");
    assert.equal(fake.requests.length, 5);
    assert.deepEqual(fallback.tips, localTips(tipWindow(frames)));
    // an answer with too few tips fails the schema and is retried
    let n = 0;
    fake.chatReply = () =>
      JSON.stringify({
        tips: (++n === 1 ? [1] : [1, 2, 3]).map((i) => ({
          text: `tip ${i}`,
          type: "interaction",
          tags: [],
          score: 0.5,
        })),
      });
    const retried = await coachingTips(tipWindow(), llm);
    assert.equal(retried.source, "llm");
    assert.equal(retried.tips.length, 3);
  } finally {
    await fake.close();
  }
});

/** 30 minutes: the phone's camera, then a game, then goodbyes. */
function material(): StreamMaterial {
  const captions = [];
  const phone = [
    "today I am showing you the new phone and its camera",
    "the camera has a large sensor for night photos",
    "look at this night photo from the camera",
    "the phone price is 3999 and the camera zoom is five times",
  ];
  const game = [
    "now let us play the racing game together",
    "this racing game track is really hard",
    "I crashed the car again in the racing game",
    "the game has a new track with rain",
  ];
  for (let i = 0; i < 36; i++) {
    captions.push({ startMs: i * 20_000, endMs: i * 20_000 + 8_000, text: phone[i % 4] });
  }
  for (let i = 36; i < 80; i++) {
    captions.push({ startMs: i * 20_000, endMs: i * 20_000 + 8_000, text: game[i % 4] });
  }
  captions.push({ startMs: 1_700_000, endMs: 1_705_000, text: "thank you all, see you tomorrow" });
  return {
    recordingId: "rec-1",
    title: "Phone and games",
    durationMs: 1_800_000,
    captions,
    highlights: [{ startMs: 960_000, endMs: 975_000, score: 0.9, phrases: ["哈哈哈", "crash"] }],
    topics: [
      { atMs: 300_000, terms: ["camera", "phone"] },
      { atMs: 1_000_000, terms: ["racing", "game"] },
    ],
    mood: [{ atMs: 60_000, mean: 0.3, count: 40 }, { atMs: 1_000_000, mean: 0.6, count: 80 }],
  };
}

Deno.test("summary: local chapters follow the change of subject; the summary is extractive", async () => {
  const s = await summariseStream(material(), null);
  assert.equal(s.source, "local");
  assert.ok(s.chapters.length >= 2, JSON.stringify(s.chapters));
  assert.equal(s.chapters[0].startMs, 0);
  assert.match(s.chapters[0].title, /camera|phone|photo/);
  const gameChapter = s.chapters.find((c) => /game|racing|track/.test(c.title));
  assert.ok(gameChapter, JSON.stringify(s.chapters));
  assert.ok(
    Math.abs(gameChapter.startMs - 720_000) <= 120_000,
    `game starts near 12:00: ${gameChapter.startMs}`,
  );
  const captionTexts = material().captions.map((c) => c.text);
  const sentences = s.summary.split(/(?<=\.)\s+/);
  const extracted = sentences.filter((x) => captionTexts.some((c) => x.startsWith(c)));
  assert.ok(extracted.length >= 3, s.summary);
  assert.equal(new Set(extracted).size, extracted.length, "no sentence twice");
  assert.ok(extracted.some((x) => /camera|phone/.test(x)) && extracted.some((x) => /game/.test(x)));
  assert.match(s.summary, /16:00/, "the top highlight is mentioned");
  assert.match(s.summary, /positive/);
});

Deno.test("summary: an LLM answer is cleaned (sorted, inside the stream, starting at 0)", async () => {
  const fake = startFakeOpenAi();
  fake.chatReply = () =>
    JSON.stringify({
      summary: "The streamer showed a phone, then raced.",
      chapters: [
        { title: "Racing", startMs: 720_000 },
        { title: "Phone camera", startMs: 5_000 },
        { title: "Beyond the end", startMs: 9_999_999 },
      ],
    });
  try {
    const s = await summariseStream(material(), testLlm(fake.url));
    assert.equal(s.source, "llm");
    assert.deepEqual(s.chapters.map((c) => c.startMs), [0, 5_000, 720_000]);
    assert.ok(!s.chapters.some((c) => c.title === "Beyond the end"));
    const prompt = promptText(fake.requests[0]);
    assert.match(prompt, /racing game/);
    assert.match(prompt, /Highlights:\n16:00/);
  } finally {
    await fake.close();
  }
});
