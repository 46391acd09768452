/**
 * The room's AI end to end: a started server (edge + embedded engine) configured with the
 * fake OpenAI-compatible server as LLM_BASE_URL, real WebSocket viewers and REST calls.
 * - a doubtful message is delivered at once, escalated to the LLM, hidden later (retract
 *   event, notice to its author), audited as `ai:llm`, and restored by an admin's undo;
 * - the exact requests: model, the message and the room's recent chat in the prompt;
 *   embeddings and the knowledge-base chunk for a Q&A answer that cites its entry;
 * - 400s open the breaker: answers fall back to local heuristics, labelled `local`, and no
 *   more requests reach the endpoint.
 */
import assert from "node:assert/strict";
import type { AuditEntry } from "../actors/ai/moderation/room_manager.ts";
import type { AiStateReply } from "../actors/room/contract.ts";
import { type ChatMessage, type FakeOpenAi, startFakeOpenAi } from "./helpers/fake_openai.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";

const ROOM = "ai-e2e";

const isModeration = (messages: ChatMessage[]) =>
  String(messages[0]?.content).includes("moderate the live chat");
const userText = (messages: ChatMessage[]) => String(messages.at(-1)?.content ?? "");

async function setup(roomAi: Record<string, unknown> = {}) {
  const fake = startFakeOpenAi();
  const srv = await startTestServer({
    env: {
      LLM_BASE_URL: fake.url,
      LLM_MODEL: "test-model",
      LLM_API_KEY: "sk-test",
      LLM_TIMEOUT_MS: "3000",
      ...(roomAi.embeddings ? { EMBEDDING_MODEL: "test-embed" } : {}),
    },
    roomOptions: { ai: { answerGapMs: 0 } },
  });
  const adminToken = await srv.mintToken({ sub: "streamer", name: "Streamer", roles: ["admin"] });
  return { fake, srv, adminToken };
}

async function teardown(fake: FakeOpenAi, srv: TestServer, viewers: TestViewer[]) {
  for (const v of viewers) await v.close();
  await srv.close();
  await fake.close();
}

async function viewer(srv: TestServer, nickname: string) {
  const { token } = await srv.guest(nickname);
  const { viewer, welcome } = await TestViewer.join(srv.wsUrl(ROOM), ROOM, token);
  return { viewer, token, me: welcome.you as { userId: string; name: string } };
}

const events = (v: TestViewer, t: string): Frame[] =>
  v.frames.filter((f) => f.type === "batch").flatMap((f) =>
    f.events.filter((e: Frame) => e.t === t)
  );

async function eventOf(v: TestViewer, t: string, pred: (e: Frame) => boolean = () => true) {
  await v.next(
    (f) => f.type === "batch" && f.events.some((e: Frame) => e.t === t && pred(e)),
    10_000,
  );
  return events(v, t).find(pred)!;
}

async function api(srv: TestServer, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${srv.url}/api/rooms/${ROOM}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

async function say(v: TestViewer, text: string, clientId: string): Promise<Frame> {
  v.send({ type: "say", text, clientId });
  return await v.next((f) => (f.type === "ack" || f.type === "error") && f.clientId === clientId);
}

Deno.test("ai e2e: the LLM's late verdict hides a delivered message; audit and undo over REST", async () => {
  const { fake, srv, adminToken } = await setup();
  fake.chatReply = (messages) =>
    isModeration(messages)
      ? JSON.stringify({ action: "hide", reason: "insults a viewer", category: "harassment" })
      : JSON.stringify({ answer: null, chunkId: null });
  const a = await viewer(srv, "alice");
  const b = await viewer(srv, "bob");
  try {
    assert.equal((await say(a.viewer, "hello everyone", "c1")).type, "ack");
    assert.equal((await say(b.viewer, "nice stream tonight", "c2")).type, "ack");
    await eventOf(b.viewer, "danmaku", (e) => e.d.text === "nice stream tonight");
    fake.faults.push({ kind: "slow", delayMs: 300 }); // the verdict comes well after delivery
    const ack = await say(a.viewer, "you are so stupid", "c3");
    assert.equal(ack.type, "ack", JSON.stringify(ack));
    assert.equal(ack.warning, undefined, "a doubtful message is not held back");

    const shown = await eventOf(b.viewer, "danmaku", (e) => e.d.id === ack.id);
    const retract = await eventOf(b.viewer, "retract", (e) => e.messageId === ack.id);
    assert.equal(retract.by, "ai:llm");
    const batchOf = (pred: (e: Frame) => boolean) =>
      b.viewer.frames.find((f) => f.type === "batch" && f.events.some(pred))!.seq;
    assert.ok(batchOf((e) => e === shown) < batchOf((e) => e === retract), "shown, then hidden");
    const notice = await eventOf(a.viewer, "ai_notice", (e) => e.auditId === retract.auditId);
    assert.equal(notice.to, a.me.userId);
    assert.equal(notice.code, "hidden");

    // the exact request
    const chats = fake.requests.filter((r) => r.path.endsWith("/chat/completions"));
    assert.equal(chats.length, 1);
    const body = chats[0].body;
    assert.equal(body.model, "test-model");
    assert.equal(chats[0].authorization, "Bearer sk-test");
    const prompt = JSON.parse(userText(body.messages as ChatMessage[]));
    assert.equal(prompt.message, "you are so stupid");
    assert.equal(prompt.user, a.me.name);
    assert.deepEqual(prompt.recent_chat, [
      `${a.me.name}: hello everyone`,
      `${b.me.name}: nice stream tonight`,
    ]);

    // the audit over REST: room admins only
    assert.equal((await api(srv, "GET", "/ai/audit", b.token)).status, 403);
    assert.equal((await api(srv, "GET", "/ai/audit")).status, 401);
    const audit = await api(srv, "GET", "/ai/audit?limit=10", adminToken);
    assert.equal(audit.status, 200);
    const entry: AuditEntry = audit.body.audit[0];
    assert.equal(entry.id, retract.auditId);
    assert.equal(entry.by, "ai:llm");
    assert.equal(entry.messageId, ack.id);
    assert.ok(entry.reasons[0].includes("harassment"));

    const undo = await api(srv, "POST", `/ai/audit/${entry.id}/undo`, adminToken);
    assert.equal(undo.status, 200, JSON.stringify(undo.body));
    const again = await api(srv, "POST", `/ai/audit/${entry.id}/undo`, adminToken);
    assert.equal(again.status, 404);
    assert.equal(again.body.error.code, "audit_not_found");
    await b.viewer.next((f) =>
      f.type === "batch" && f.seq > batchOf((e) => e === retract) &&
      f.events.some((e: Frame) => e.t === "danmaku" && e.d.id === ack.id)
    );

    const panel = await api(srv, "GET", "/ai");
    assert.equal(panel.status, 200);
    assert.deepEqual(panel.body.llm, { configured: true, breaker: "closed", model: "test-model" });
    assert.equal(panel.body.admin, undefined);
    const adminPanel = await api(srv, "GET", "/ai", adminToken);
    assert.equal(adminPanel.body.admin.usage.calls, 1, "token accounting per room");
    assert.equal(adminPanel.body.admin.usage.promptTokens, 100);
    assert.equal(adminPanel.body.admin.usage.completionTokens, 20);
  } finally {
    await teardown(fake, srv, [a.viewer, b.viewer]);
  }
});

Deno.test("ai e2e: an answer from the LLM with embeddings cites its entry; WS controls", async () => {
  const { fake, srv, adminToken } = await setup({ embeddings: true });
  fake.chatReply = (messages) => {
    const chunk = userText(messages).match(/\[(kb\d+#\d+)\] Keyboard/)?.[1] ?? null;
    return JSON.stringify({ answer: "It costs 169 dollars.", chunkId: chunk });
  };
  const a = await viewer(srv, "alice");
  const { viewer: streamer } = await TestViewer.join(srv.wsUrl(ROOM), ROOM, adminToken);
  try {
    const bad = await api(srv, "POST", "/ai/kb", adminToken, { title: "", body: "x" });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, "kb_invalid");
    assert.equal(
      (await api(srv, "POST", "/ai/kb", a.token, { title: "t", body: "b" })).status,
      403,
    );
    const put = await api(srv, "POST", "/ai/kb", adminToken, {
      title: "Keyboard",
      body: "The keyboard is a Keychron Q1 with brown switches. It costs 169 dollars.",
    });
    assert.equal(put.status, 201);
    const sched = await api(srv, "POST", "/ai/kb", adminToken, { title: "Schedule", body: "x" });
    const edit = await api(srv, "PUT", `/ai/kb/${sched.body.entry.id}`, adminToken, {
      title: "Schedule",
      body: "Live on Mondays.",
    });
    assert.equal(edit.body.entry.body, "Live on Mondays.");
    assert.equal(
      (await api(srv, "PUT", "/ai/kb/kb404", adminToken, { title: "a", body: "b" })).status,
      404,
    );
    assert.equal(
      (await api(srv, "PUT", "/ai/kb/bad%20id", adminToken, { title: "a", body: "b" })).status,
      400,
    );
    const extra = await api(srv, "POST", "/ai/kb", adminToken, {
      title: "Extra",
      body: "Gone soon.",
    });
    assert.equal(
      (await api(srv, "DELETE", `/ai/kb/${extra.body.entry.id}`, adminToken)).status,
      200,
    );
    const list = await api(srv, "GET", "/ai/kb", adminToken);
    assert.deepEqual(list.body.entries.map((e: { title: string }) => e.title), [
      "Keyboard",
      "Schedule",
    ]);
    const skip = await api(srv, "POST", "/ai/qa/skip", adminToken, {});
    assert.equal(skip.status, 400);
    assert.equal(skip.body.error.code, "invalid_request");
    assert.equal((await api(srv, "POST", "/ai/qa/explode", adminToken)).status, 400);
    assert.equal(
      (await api(srv, "POST", "/ai/qa/interrupt", adminToken)).body.error.code,
      "nothing_to_interrupt",
    );

    streamer.send({ type: "ai", cmd: { op: "qa", action: "pause" }, clientId: "p1" });
    const paused = await streamer.next((f) => f.clientId === "p1");
    assert.equal(paused.type, "ai_ok", JSON.stringify(paused));
    assert.equal(paused.result.qa.paused, true);
    a.viewer.send({ type: "ai", cmd: { op: "qa", action: "resume" }, clientId: "r0" });
    const refused = await a.viewer.next((f) => f.clientId === "r0");
    assert.equal(refused.code, "forbidden");

    assert.equal((await say(a.viewer, "how much does the keyboard cost?", "q1")).type, "ack");
    streamer.send({ type: "ai", cmd: { op: "state" }, clientId: "s1" });
    const state = await streamer.next((f) => f.clientId === "s1");
    assert.equal(state.result.qa.pending[0].text, "how much does the keyboard cost?");
    streamer.send({ type: "ai", cmd: { op: "qa", action: "resume" }, clientId: "r1" });

    const { a: answer } = await eventOf(a.viewer, "assistant");
    assert.equal(answer.source, "llm");
    assert.equal(answer.text, "It costs 169 dollars.");
    assert.equal(answer.citation.entryId, put.body.entry.id);
    assert.equal(answer.citation.title, "Keyboard");

    const emb = fake.requests.filter((r) => r.path.endsWith("/embeddings"));
    assert.ok(emb.length >= 1);
    assert.equal(emb[0].body.model, "test-embed");
    assert.equal((emb[0].body.input as string[])[0], "how much does the keyboard cost?");
    const chat = fake.requests.find((r) => r.path.endsWith("/chat/completions"))!;
    assert.equal(chat.body.model, "test-model");
    const prompt = userText(chat.body.messages as ChatMessage[]);
    assert.ok(prompt.includes("Viewer question: how much does the keyboard cost?"), prompt);
    assert.ok(prompt.includes(`[${answer.citation.chunkId}] Keyboard: The keyboard is`), prompt);
  } finally {
    await teardown(fake, srv, [a.viewer, streamer]);
  }
});

Deno.test("ai e2e: with the breaker open the assistant answers from local heuristics, labelled local", async () => {
  const { fake, srv, adminToken } = await setup();
  fake.chatReply = () => JSON.stringify({ answer: "from the model", chunkId: "kb1#0" });
  for (let i = 0; i < 5; i++) fake.faults.push({ kind: "status", status: 400 });
  const topics = ["keyboard", "monitor", "chair", "microphone", "camera", "headset"];
  const questions = [
    "how much is the keyboard?",
    "which monitor do you use?",
    "where did you get that chair?",
    "what microphone is that?",
    "which camera do you stream with?",
    "is the headset comfortable?",
  ];
  const a = await viewer(srv, "alice");
  const b = await viewer(srv, "bob");
  try {
    for (const t of topics) {
      const r = await api(srv, "POST", "/ai/kb", adminToken, {
        title: t,
        body: `The ${t} costs ${t.length * 10} dollars.`,
      });
      assert.equal(r.status, 201);
    }
    for (const [i, t] of topics.entries()) {
      const v = i % 2 === 0 ? a.viewer : b.viewer;
      assert.equal((await say(v, questions[i], `q${i}`)).type, "ack");
      // one at a time: wait for this answer before the next question
      const { a: answer } = await eventOf(a.viewer, "assistant", (e) => e.a.question.includes(t));
      assert.equal(answer.source, "local", `answer ${i} is labelled local`);
      assert.equal(answer.text, `The ${t} costs ${t.length * 10} dollars.`);
      assert.equal(answer.citation.title, t);
    }
    const chats = fake.requests.filter((r) => r.path.endsWith("/chat/completions"));
    assert.equal(chats.length, 5, "after 5 failures the breaker stops calling the endpoint");
    const panel: { body: AiStateReply } = await api(srv, "GET", "/ai");
    assert.equal(panel.body.llm.breaker, "open");
  } finally {
    await teardown(fake, srv, [a.viewer, b.viewer]);
  }
});
