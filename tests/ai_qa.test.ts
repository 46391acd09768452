/** Q&A assistant: question detection, de-duplication, knowledge base, BM25, embeddings, answers with citations. */
import assert from "node:assert/strict";
import { detectQuestion } from "../actors/ai/qa/detect.ts";
import { QaQueue } from "../actors/ai/qa/queue.ts";
import { chunkEntry } from "../actors/ai/qa/kb.ts";
import { KbError, KnowledgeBase } from "../actors/ai/qa/knowledge_base.ts";
import { answerQuestion } from "../actors/ai/qa/answer.ts";
import { promptText, startFakeOpenAi } from "./helpers/fake_openai.ts";
import { testLlm } from "./helpers/ai_llm.ts";

const QUESTIONS = [
  "这个手机多少钱？",
  "主播用的什么耳机",
  "链接在哪里",
  "能不能看看背面",
  "what's the battery life of this phone?",
  "how much is the shipping",
  "does it come in blue?",
  "下次直播是几点",
];
const NOT_QUESTIONS = [
  "？？？",
  "哈哈哈哈",
  "666",
  "what",
  "主播好帅",
  "nice camera",
  "为什么？？",
  "破防了",
];

Deno.test("qa: question detection on danmaku", () => {
  for (const q of QUESTIONS) assert.ok(detectQuestion(q).question, q);
  for (const q of NOT_QUESTIONS) assert.ok(!detectQuestion(q).question, q);
});

Deno.test("qa: the queue merges the same question, orders by askers, obeys the streamer", () => {
  const queue = new QaQueue();
  assert.equal(queue.offer("这个手机多少钱？", "u1", 1).result, "queued");
  assert.equal(queue.offer("手机多少钱啊", "u2", 2).result, "merged");
  assert.equal(queue.offer("这手机多少钱", "u3", 3).result, "merged");
  const other = queue.offer("what's the battery life?", "u4", 4);
  assert.equal(other.result, "queued");
  assert.equal(queue.offer("什么时候发货", "u5", 5).result, "queued");
  assert.equal(queue.state.pending.length, 3);
  // the question three people asked goes first
  const first = queue.take();
  assert.equal(first?.askers.length, 3);
  assert.equal(queue.take(), null, "one answer at a time");
  assert.equal(queue.offer("手机多少钱？？", "u6", 6).result, "merged", "joins the current one");
  assert.equal(queue.interrupt(7), first?.id);
  assert.equal(queue.offer("这个手机多少钱", "u7", 8).result, "recently_answered");
  queue.pause();
  assert.equal(queue.take(), null, "paused");
  queue.resume();
  assert.ok(queue.skip(other.id!, 9));
  assert.equal(queue.take()?.text, "什么时候发货");
  queue.finish(10);
  assert.equal(queue.take(), null);
});

function productKb(llm: Parameters<typeof answerQuestion>[2] = null) {
  const kb = new KnowledgeBase({ roomId: "room-1", llm, now: () => 1000 });
  kb.upsert({
    title: "Phone X price and shipping",
    body: "Phone X costs 3999 yuan in the live room today. Shipping is free within 48 hours. " +
      "手机今天直播间价格3999元，48小时内包邮发货。",
  });
  kb.upsert({
    title: "Phone X battery",
    body: "The battery is 5000 mAh and lasts about two days of normal use. " +
      "电池容量5000毫安，正常使用大约两天。Fast charging reaches 50% in 20 minutes.",
  });
  kb.upsert({
    title: "Colours",
    body: "Phone X comes in black, silver and ocean blue. 有黑色、银色和海洋蓝三种颜色。",
  });
  return kb;
}

Deno.test("qa: knowledge base CRUD validates input and chunks long entries", () => {
  const kb = productKb();
  assert.equal(kb.list().length, 3);
  assert.throws(
    () => kb.upsert({ title: "", body: "x" }),
    (e) => e instanceof KbError && e.code === "kb_invalid",
  );
  assert.throws(
    () => kb.upsert({ title: "t", body: "b" }, "kb99"),
    (e) => e instanceof KbError && e.code === "kb_not_found",
  );
  assert.equal(kb.list().length, 3, "bad input changed nothing");
  const long = chunkEntry({
    id: "e1",
    title: "Long",
    body: Array.from({ length: 40 }, (_, i) => `Sentence number ${i} says something.`).join(" "),
    tags: [],
    updatedAt: 0,
  }, 200);
  assert.ok(long.length > 3);
  assert.ok(long.every((c) => c.text.length <= 200 && c.id.startsWith("e1#")));
  assert.ok(kb.remove("kb3"));
  assert.equal(kb.get("kb3"), undefined);
});

Deno.test("qa: BM25 answers locally and cites the entry", async () => {
  const kb = productKb();
  const price = await answerQuestion("how much does the phone cost?", kb, null, "room-1");
  assert.equal(price.source, "local");
  assert.equal(price.citation?.entryId, "kb1");
  assert.match(price.text ?? "", /3999/);
  const battery = await answerQuestion("电池能用多久？", kb, null, "room-1");
  assert.equal(battery.citation?.title, "Phone X battery");
  assert.match(battery.text ?? "", /两天/);
  const unknown = await answerQuestion("what game are you playing tonight?", kb, null, "room-1");
  assert.equal(unknown.text, null, "nothing relevant: no invented answer");
  assert.equal(unknown.citation, null);
});

Deno.test("qa: embeddings from the endpoint, an LLM answer that must cite a retrieved chunk", async () => {
  const fake = startFakeOpenAi();
  try {
    const llm = testLlm(fake.url);
    const kb = productKb(llm);
    fake.chatReply = (messages) => {
      const text = messages.map((m) => String(m.content)).join("\n");
      const id = text.match(/\[(kb3#0)\]/)?.[1] ?? null;
      return JSON.stringify({ answer: id ? "Yes, ocean blue is available." : null, chunkId: id });
    };
    const a = await answerQuestion("does it come in blue?", kb, llm, "room-1");
    assert.equal(a.source, "llm");
    assert.equal(a.text, "Yes, ocean blue is available.");
    assert.deepEqual(a.citation, { entryId: "kb3", title: "Colours", chunkId: "kb3#0" });
    const embedReq = fake.requests.find((r) => r.path === "/v1/embeddings");
    assert.equal(embedReq?.body.model, "test-embed");
    assert.equal((embedReq?.body.input as string[])[0], "does it come in blue?");
    const chat = fake.requests.find((r) => r.path === "/v1/chat/completions")!;
    assert.match(promptText(chat), /Viewer question: does it come in blue\?/);
    // vectors are cached: a second question embeds only the question
    await answerQuestion("what colours are there", kb, llm, "room-1");
    const embeds = fake.requests.filter((r) => r.path === "/v1/embeddings");
    assert.equal((embeds[1].body.input as string[]).length, 1);

    // a model that cites a chunk it was not given is not believed
    fake.chatReply = () => JSON.stringify({ answer: "It costs 1 yuan", chunkId: "kb9#0" });
    const bad = await answerQuestion("how much does the phone cost?", kb, llm, "room-1");
    assert.equal(bad.source, "local");
    assert.equal(bad.citation?.entryId, "kb1");
    assert.match(bad.text ?? "", /3999/);
  } finally {
    await fake.close();
  }
});
