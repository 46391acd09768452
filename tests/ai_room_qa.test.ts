/**
 * The Q&A assistant inside the room actor, through the real runtime (local BM25 retrieval,
 * no model): the knowledge base kept by room admins (validated, persisted), questions in the
 * chat detected and merged, answered one at a time as an `assistant` event citing its entry;
 * pause/resume, skip and interrupt by the streamer.
 */
import assert from "node:assert/strict";
import type { AiStateReply, QaStatus } from "../actors/room/contract.ts";
import type { KbEntry } from "../actors/ai/qa/kb.ts";
import { aiRoomHarness, PLATFORM_ADMIN, refusedWith, user } from "./helpers/ai_room_harness.ts";

const streamer = PLATFORM_ADMIN;
const KEYBOARD = {
  title: "Keyboard",
  body: "The keyboard costs 169 dollars. It is a Keychron Q1 with brown switches.",
  tags: ["gear"],
};
const SCHEDULE = {
  title: "Schedule",
  body: "I stream every Monday and Thursday at 8 pm. Weekends are off.",
};

type Put = { ok: true; entry: KbEntry };

Deno.test("ai room: knowledge base CRUD by room admins only, validated and persisted", async () => {
  const h = await aiRoomHarness();
  try {
    await refusedWith(h.ai(user("bob"), { op: "kb_put", entry: KEYBOARD }), "forbidden");
    await refusedWith(h.ai(user("bob"), { op: "kb_list" }), "forbidden");
    await refusedWith(
      h.ai(streamer, { op: "kb_put", entry: { title: "", body: "x" } }),
      "kb_invalid",
    );
    const { entry: kb } = await h.ai<Put>(streamer, { op: "kb_put", entry: KEYBOARD });
    const { entry: sched } = await h.ai<Put>(streamer, { op: "kb_put", entry: SCHEDULE });
    assert.notEqual(kb.id, sched.id);
    const edited = await h.ai<Put>(streamer, {
      op: "kb_put",
      id: sched.id,
      entry: { ...SCHEDULE, body: "I stream every Friday at 9 pm." },
    });
    assert.equal(edited.entry.id, sched.id);
    await refusedWith(
      h.ai(streamer, { op: "kb_put", id: "kb999", entry: KEYBOARD }),
      "kb_not_found",
    );
    await refusedWith(h.ai(streamer, { op: "kb_delete", id: "kb999" }), "kb_not_found");
    const big = { title: "Too much", body: "x".repeat(20_000) };
    for (let i = 0; i < 2; i++) await h.ai(streamer, { op: "kb_put", entry: big });
    await refusedWith(h.ai(streamer, { op: "kb_put", entry: big }), "kb_full");

    await h.restart();
    const { entries } = await h.ai<{ entries: KbEntry[] }>(streamer, { op: "kb_list" });
    assert.deepEqual(entries.map((e) => e.title), ["Keyboard", "Schedule", "Too much", "Too much"]);
    assert.equal(entries[1].body, "I stream every Friday at 9 pm.");
    assert.deepEqual(entries[0].tags, ["gear"]);
    const state = await h.ai<AiStateReply>(streamer, { op: "state" });
    assert.equal(state.admin?.kb.length, 4, "admins see the knowledge base in the panel");
  } finally {
    await h.close();
  }
});

Deno.test("ai room: questions are merged, answered one at a time with a citation; pause/resume", async () => {
  const h = await aiRoomHarness({ ai: { answerGapMs: 0 } });
  try {
    const { entry: kb } = await h.ai<Put>(streamer, { op: "kb_put", entry: KEYBOARD });
    await h.ai<Put>(streamer, { op: "kb_put", entry: SCHEDULE });
    await refusedWith(h.ai(user("bob"), { op: "qa", action: "pause" }), "forbidden");
    await h.ai(streamer, { op: "qa", action: "pause" });

    await h.say(user("bob"), "how much does the keyboard cost?");
    await h.say(user("carol"), "how much does that keyboard cost??");
    await h.say(user("dan"), "nice keyboard"); // not a question
    await h.present();
    const held = await h.ai<AiStateReply>(user("bob"), { op: "state" });
    assert.equal(held.qa.paused, true);
    assert.equal(held.qa.current, null, "paused: nothing answered");
    assert.equal(held.qa.pending.length, 1, JSON.stringify(held.qa));
    assert.equal(held.qa.pending[0].askers, 2, "the same question asked twice is merged");

    const resumed = await h.ai<{ qa: QaStatus }>(streamer, { op: "qa", action: "resume" });
    assert.equal(resumed.qa.paused, false);
    const { a } = await h.waitEvent("assistant");
    assert.equal(a.citation.entryId, kb.id);
    assert.equal(a.citation.title, "Keyboard");
    assert.match(a.text, /169/);
    assert.equal(a.askers, 2);
    assert.equal(a.source, "local");
    assert.equal(a.question, "how much does the keyboard cost?");

    // answered: asking again soon is not queued again
    await h.say(user("erin"), "how much does the keyboard cost?");
    const after = await h.ai<AiStateReply>(user("bob"), { op: "state" });
    assert.equal(after.qa.pending.length, 0);
    assert.deepEqual(after.answers.map((x) => x.id), [a.id]);
  } finally {
    await h.close();
  }
});

Deno.test("ai room: the streamer skips a queued question and interrupts an answer", async () => {
  const h = await aiRoomHarness({ ai: { answerGapMs: 0 } });
  try {
    await h.ai<Put>(streamer, { op: "kb_put", entry: KEYBOARD });
    const { entry: sched } = await h.ai<Put>(streamer, { op: "kb_put", entry: SCHEDULE });
    await refusedWith(h.ai(streamer, { op: "qa", action: "interrupt" }), "nothing_to_interrupt");
    await h.ai(streamer, { op: "qa", action: "pause" });
    await h.say(user("bob"), "how much does the keyboard cost?");
    await h.say(user("carol"), "when do you stream on weekends?");
    const { qa } = await h.ai<AiStateReply>(streamer, { op: "state" });
    const keyboardQ = qa.pending.find((q) => q.text.includes("keyboard"))!;
    await refusedWith(
      h.ai(streamer, { op: "qa", action: "skip", questionId: "q999" }),
      "question_not_found",
    );
    await h.ai(streamer, { op: "qa", action: "skip", questionId: keyboardQ.id });
    await h.ai(streamer, { op: "qa", action: "resume" });
    await h.present();

    const { a } = await h.waitEvent("assistant");
    assert.equal(a.citation.entryId, sched.id, "the skipped question was never answered");
    assert.equal(h.events("assistant").length, 1);

    const stop = await h.ai<{ stopped: string }>(streamer, { op: "qa", action: "interrupt" });
    assert.equal(stop.stopped, a.questionId);
    const event = await h.waitEvent("assistant_stop");
    assert.equal(event.answerId, a.id);
    const panel = await h.ai<AiStateReply>(user("bob"), { op: "state" });
    assert.deepEqual(panel.answers, [], "the withdrawn answer left the panel");
    const qaEvents = h.events("qa");
    assert.ok(qaEvents.some((e) => e.status.paused) && qaEvents.at(-1)?.status.paused === false);
  } finally {
    await h.close();
  }
});
