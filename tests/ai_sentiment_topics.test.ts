/** Sentiment and hot topics on realistic danmaku. */
import assert from "node:assert/strict";
import { MoodAggregator, scoreSentiment } from "../actors/ai/sentiment.ts";
import { TopicTracker } from "../actors/ai/topics.ts";
import { tokenize } from "../actors/ai/tokenize.ts";

const POSITIVE = [
  "哈哈哈哈哈哈哈",
  "666666",
  "主播太强了吧!!!",
  "yyds",
  "xswl 笑死我了",
  "泪目",
  "awsl 好可爱",
  "绝了绝了",
  "lmao that was insane",
  "pog clutch 🔥🔥",
  "这波操作可以啊 牛逼",
  "love this stream ❤️",
];
const NEGATIVE = [
  "垃圾游戏",
  "无聊 困了",
  "退钱！",
  "呵呵 真厉害",
  "就这？",
  "好好好 真行 🙄",
  "yeah right, great product /s",
  "this is not good",
  "boring stream, unfollow",
  "智商税 割韭菜",
  "？？？",
  "下头",
];
const NEUTRAL = ["这个手机多少钱", "what time does the stream end", "主播今天播到几点", "链接在哪"];

Deno.test("sentiment: danmaku slang, emoji, sarcasm and negation", () => {
  for (const t of POSITIVE) assert.equal(scoreSentiment(t).label, "positive", t);
  for (const t of NEGATIVE) assert.equal(scoreSentiment(t).label, "negative", t);
  for (const t of NEUTRAL) assert.equal(scoreSentiment(t).label, "neutral", t);
  assert.ok(scoreSentiment("呵呵 真厉害").sarcasm);
  assert.ok(scoreSentiment("不好看").score < 0);
  assert.ok(scoreSentiment("好看").score > 0);
  assert.ok(
    scoreSentiment("哈哈哈哈哈哈哈哈哈哈").score > scoreSentiment("哈哈").score,
    "longer laughter is stronger",
  );
  assert.deepEqual(scoreSentiment("泪目").emotions, ["moved"]);
  assert.deepEqual(scoreSentiment("？？？").emotions, ["confused"]);
  assert.equal(scoreSentiment("666").source, "local");
});

Deno.test("mood: per-minute aggregation closes minutes in order", () => {
  const mood = new MoodAggregator();
  const t0 = Date.UTC(2026, 10, 21, 4, 0, 0);
  POSITIVE.forEach((t, i) => mood.add(t0 + i * 1000, scoreSentiment(t)));
  NEGATIVE.forEach((t, i) => mood.add(t0 + 60_000 + i * 1000, scoreSentiment(t)));
  assert.deepEqual(mood.closed(t0 + 61_000).map((p) => p.minute), [t0]);
  const [second] = mood.closed(t0 + 125_000);
  const [first] = mood.series();
  assert.equal(first.count, POSITIVE.length);
  assert.equal(first.positive, POSITIVE.length);
  assert.ok(first.mean > 0.3);
  assert.equal(second.negative, NEGATIVE.length);
  assert.ok(second.mean < -0.2);
  assert.ok((first.emotions.laugh ?? 0) >= 2);
  assert.equal(mood.closed(t0 + 200_000).length, 0);
  // persisted mid-minute and restored: the minute goes on where it was
  mood.add(t0 + 200_000, scoreSentiment("666"));
  const again = MoodAggregator.restore(JSON.parse(JSON.stringify(mood.snapshot())));
  again.add(t0 + 201_000, scoreSentiment("垃圾"));
  assert.equal(again.current(t0 + 202_000)?.count, 2);
  assert.equal(again.series().length, 2);
});

Deno.test("tokenize: Intl.Segmenter words, noise dropped, single Han characters re-joined", () => {
  const words = tokenize("主播这个手机的摄像头真不错哈哈哈哈666");
  assert.ok(words.includes("手机"));
  assert.ok(words.includes("摄像"));
  assert.ok(words.includes("主播"), JSON.stringify(words));
  assert.ok(!words.some((w) => w.includes("哈")));
  assert.ok(!words.includes("666"));
  assert.deepEqual(tokenize("The camera is AMAZING"), ["camera", "amazing"]);
});

Deno.test("topics: a burst about the camera stands out against the room's background", () => {
  const topics = new TopicTracker();
  const t0 = 1_000_000;
  const background = [
    "主播晚上好",
    "哈哈哈哈",
    "666",
    "主播今天好帅",
    "来了来了",
    "主播唱首歌吧",
    "打卡",
    "主播吃饭了吗",
    "第一次来",
    "主播好",
  ];
  // 15 minutes of ordinary chat from many viewers
  for (let i = 0; i < 900; i++) {
    topics.add(background[i % background.length], t0 + i * 1000, `viewer${i % 97}`);
  }
  // then the streamer shows the phone: a minute of chat about its camera and price
  const burst = [
    "这个摄像头拍夜景怎么样",
    "摄像头像素多少",
    "摄像头好清楚",
    "价格多少啊",
    "这个价格可以",
    "摄像头防抖吗",
    "the camera looks sharp",
    "camera zoom test please",
  ];
  const t1 = t0 + 900_000;
  for (let i = 0; i < 60; i++) {
    topics.add(burst[i % burst.length], t1 + i * 1000, `fan${i}`);
    // the ordinary chat goes on meanwhile
    topics.add(background[i % background.length], t1 + i * 1000 + 500, `viewer${i % 97}`);
  }
  const top = topics.top(5, t1 + 60_000);
  const terms = top.topics.map((t) => t.term);
  assert.equal(top.source, "local");
  assert.equal(terms[0], "摄像", JSON.stringify(top.topics));
  assert.ok(terms.includes("价格"), JSON.stringify(terms));
  assert.ok(terms.includes("camera"), JSON.stringify(terms));
  assert.ok(!terms.includes("主播"), "a background term is not hot");
  // one user spamming a word does not make a topic
  const solo = new TopicTracker();
  for (let i = 0; i < 40; i++) solo.add("抽奖抽奖", i * 500, "spammer");
  assert.ok(solo.top(5, 20_000).topics.every((t) => t.count < 15));
  // restore from a snapshot gives the same ranking
  const again = TopicTracker.restore(JSON.parse(JSON.stringify(topics.snapshot())));
  assert.deepEqual(again.top(5, t1 + 60_000).topics.map((t) => t.term), terms);
  // and topics cool down when the burst is over
  const later = topics.top(5, t1 + 60_000 + 10 * 60_000);
  assert.ok(!later.topics.some((t) => t.term === "摄像"));
});
