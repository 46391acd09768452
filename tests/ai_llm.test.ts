/**
 * The LLM adapter against a local OpenAI-compatible server: exact requests, schema
 * validation, retries on 500 / malformed JSON / timeouts, the circuit breaker and the local
 * fallback, token and cost accounting, image parts, embeddings.
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { askOrLocal, createLlmClient, extractJson } from "../actors/ai/llm/client.ts";
import { parseConfig } from "../edge/wiring/config.ts";
import { backoffDelay } from "../engine/resilience/retry.ts";
import { imageParts, promptText, startFakeOpenAi } from "./helpers/fake_openai.ts";
import { testLlm } from "./helpers/ai_llm.ts";

const Answer = z.object({ answer: z.string(), n: z.number().int() });
const task = (room = "room-1") => ({
  room,
  purpose: "test",
  system: "You answer in JSON.",
  user: "What is six times seven?",
  schema: Answer,
});

Deno.test("llm: a JSON answer is validated, the request is exact, usage is counted", async () => {
  const fake = startFakeOpenAi();
  fake.chatReply = () => '```json\n{"answer":"forty-two","n":42}\n```';
  try {
    const llm = testLlm(fake.url);
    const out = await llm.completeJson(task());
    assert.deepEqual(out, { answer: "forty-two", n: 42 });
    assert.equal(fake.requests.length, 1);
    const req = fake.requests[0];
    assert.equal(req.path, "/v1/chat/completions");
    assert.equal(req.body.model, "test-model");
    assert.equal(req.authorization, "Bearer test-key");
    assert.deepEqual(req.body.response_format, { type: "json_object" });
    assert.match(promptText(req), /six times seven/);
    assert.equal(imageParts(req), 0);
    const usage = llm.usage("room-1");
    assert.equal(usage.calls, 1);
    assert.equal(usage.promptTokens, 100);
    assert.equal(usage.completionTokens, 20);
    // 100 × 0.15 + 20 × 0.60 micro-units (prices are per million tokens)
    assert.equal(usage.costMicros, (100n * 150_000n + 20n * 600_000n) / 1_000_000n);
    assert.equal(llm.usage("other-room").calls, 0, "accounting is per room");
  } finally {
    await fake.close();
  }
});

Deno.test("llm: 500s and malformed JSON are retried, then the call succeeds", async () => {
  const fake = startFakeOpenAi();
  fake.chatReply = () => '{"answer":"ok","n":1}';
  fake.faults.push({ kind: "status", status: 500 }, { kind: "malformed" }, {
    kind: "status",
    status: 503,
  });
  try {
    const llm = testLlm(fake.url);
    assert.deepEqual(await llm.completeJson(task()), { answer: "ok", n: 1 });
    assert.equal(fake.requests.length, 4, "three retries then success");
    assert.equal(llm.breakerState(), "closed");
  } finally {
    await fake.close();
  }
});

Deno.test("llm: a wrong schema is retried; a 400 is not", async () => {
  const fake = startFakeOpenAi();
  let calls = 0;
  fake.chatReply = () => (++calls === 1 ? '{"answer":"no number"}' : '{"answer":"x","n":2}');
  try {
    const llm = testLlm(fake.url);
    assert.equal((await llm.completeJson(task())).n, 2);
    assert.equal(fake.requests.length, 2);
    fake.faults.push({ kind: "status", status: 400 });
    await assert.rejects(() => llm.completeJson(task()));
    assert.equal(fake.requests.length, 3, "client errors are not retried");
  } finally {
    await fake.close();
  }
});

Deno.test("llm: a slow answer times out and is retried", async () => {
  const fake = startFakeOpenAi();
  fake.chatReply = () => '{"answer":"late","n":3}';
  fake.faults.push({ kind: "slow", delayMs: 600 });
  try {
    const llm = testLlm(fake.url, { timeoutMs: 150 });
    assert.equal((await llm.completeJson(task())).n, 3);
    assert.equal(fake.requests.length, 2);
  } finally {
    await fake.close();
  }
});

Deno.test("llm: after failures the breaker opens and the local heuristic answers", async () => {
  const fake = startFakeOpenAi();
  fake.chatReply = () => '{"answer":"remote","n":7}';
  let now = 1_000_000;
  try {
    const llm = testLlm(
      fake.url,
      { breaker: { failureThreshold: 2, cooldownMs: 30_000 } },
      () => now,
    );
    const local = () => ({ answer: "local", n: 0 });
    for (let i = 0; i < 8; i++) fake.faults.push({ kind: "status", status: 500 });
    const first = await llm.jsonOr(task(), local);
    assert.equal(first.source, "local");
    assert.deepEqual(first.value, { answer: "local", n: 0 });
    assert.match(first.fallbackReason ?? "", /500/);
    assert.equal(fake.requests.length, 4, "1 attempt + 3 retries");
    await llm.jsonOr(task(), local);
    assert.equal(fake.requests.length, 8);
    assert.equal(llm.breakerState(), "open");
    // open: no request goes out, the answer is local at once
    const third = await llm.jsonOr(task(), local);
    assert.equal(third.source, "local");
    assert.match(third.fallbackReason ?? "", /breaker/);
    assert.equal(fake.requests.length, 8);
    assert.equal(llm.usage("room-1").fallbacks, 3);
    // after the cool-down one probe goes out; it succeeds and closes the breaker
    now += 30_000;
    assert.equal(llm.breakerState(), "half_open");
    const probe = await llm.jsonOr(task(), local);
    assert.equal(probe.source, "llm");
    assert.equal(probe.value.answer, "remote");
    assert.equal(llm.breakerState(), "closed");
  } finally {
    await fake.close();
  }
});

Deno.test("llm: no client configured means local, labelled local", async () => {
  const out = await askOrLocal(null, task(), () => ({ answer: "heuristic", n: 1 }));
  assert.deepEqual(out, { value: { answer: "heuristic", n: 1 }, source: "local" });
});

Deno.test("llm: key frames go out as image parts; embeddings come back in order", async () => {
  const fake = startFakeOpenAi();
  fake.chatReply = () => '{"answer":"two frames","n":2}';
  try {
    const llm = testLlm(fake.url);
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
    await llm.completeJson({
      ...task(),
      images: [{ bytes: jpeg, mime: "image/jpeg" }, { bytes: jpeg, mime: "image/jpeg" }],
    });
    const req = fake.requests[0];
    assert.equal(imageParts(req), 2);
    const parts = (req.body.messages as { content: unknown }[])[1].content as {
      type: string;
      image_url?: { url: string };
    }[];
    assert.ok(parts[1].image_url?.url.startsWith("data:image/jpeg;base64,/9j/"));
    const vectors = await llm.embed("room-1", ["camera price", "battery life", "camera price"]);
    assert.equal(vectors.length, 3);
    assert.deepEqual(vectors[0], vectors[2]);
    assert.notDeepEqual(vectors[0], vectors[1]);
    assert.equal(fake.requests[1].body.model, "test-embed");
  } finally {
    await fake.close();
  }
});

Deno.test("llm: helpers — JSON extraction and jittered backoff", () => {
  assert.deepEqual(extractJson('Sure! {"a":1} hope that helps'), { a: 1 });
  assert.throws(() => extractJson("no json here"), /no JSON/);
  const policy = { retries: 3, baseDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(backoffDelay(policy, 0, () => 1), 100);
  assert.equal(backoffDelay(policy, 2, () => 1), 400);
  assert.equal(backoffDelay(policy, 5, () => 1), 1000);
  assert.equal(backoffDelay(policy, 2, () => 0), 0);
});

Deno.test("llm: the client comes from config, or is absent when no endpoint is set", () => {
  assert.equal(createLlmClient(parseConfig({})), null);
  const llm = createLlmClient(parseConfig({
    LLM_BASE_URL: "http://127.0.0.1:1/v1",
    LLM_MODEL: "qwen-plus",
    EMBEDDING_MODEL: "text-embedding-v3",
  }));
  assert.equal(llm?.model, "qwen-plus");
  assert.equal(llm?.embeddingModel, "text-embedding-v3");
  assert.equal(llm?.breakerState(), "closed");
});
