/**
 * The meeting part inside a real room actor (embedded engine, Deno KV): per-speaker captions
 * (the room's internal `caption` command with its `speaker`, as the recorder's SpeakerCaptions
 * send it; a viewer cannot send it) join the transcript for members only, and not under
 * end-to-end encryption (switchable only between meetings); the summary
 * at the end from the configured model (the local OpenAI-compatible stand-in), with its
 * decisions and action items attributed to speakers and labelled `llm`; the same meeting
 * without a model gives a `local` summary; the meeting survives a restart of the room.
 */
import assert from "node:assert/strict";
import type { RoomSettings } from "../actors/room/contract.ts";
import type { MeetingReply } from "../actors/room/meeting_contract.ts";
import { aiRoomHarness, refusedWith, user } from "./helpers/ai_room_harness.ts";
import { startFakeOpenAi } from "./helpers/fake_openai.ts";
import { testLlm } from "./helpers/ai_llm.ts";

const HOST = user("host");
const ANN = user("ann");
const BEN = user("ben");
const settings: RoomSettings = {
  ownerId: HOST.userId,
  admins: [],
  guestChat: true,
  kind: "meeting",
};

const cue = (at: number, userId: string, text: string) => ({
  kind: "caption",
  recordingId: "rec-1",
  startMs: 0,
  endMs: 1_000,
  at,
  text,
  source: "local",
  speaker: { id: userId, name: `spoken-${userId}` },
});

async function meetingWith(llmUrl?: string) {
  const h = await aiRoomHarness({
    settings: { load: () => Promise.resolve(settings) },
    ai: llmUrl ? { llm: testLlm(llmUrl) } : undefined,
  });
  const op = (actor = HOST, cmd: Record<string, unknown>) =>
    h.ask<MeetingReply>({ kind: "meeting", actor, cmd });
  const caption = (userId: string, text: string) =>
    h.ask({ kind: "internal", cmd: cue(h.clock.now, userId, text) });
  return { h, op, caption };
}

Deno.test("meeting: per-speaker captions, e2ee refuses them, LLM summary attributed", async () => {
  const fake = startFakeOpenAi();
  fake.chatReply = () =>
    JSON.stringify({
      overview: "The team agreed the release date.",
      decisions: [{ text: "Ship on Friday", by: "name-ann" }],
      actionItems: [{ text: "Write the release notes", owner: "name-ben" }],
    });
  const { h, op, caption } = await meetingWith(fake.url);
  try {
    await op(HOST, { op: "settings", waitingRoom: false });
    assert.equal((await op(HOST, { op: "join" })).me, "host");
    assert.equal((await op(ANN, { op: "join" })).me, "participant");
    assert.equal((await op(BEN, { op: "join" })).me, "participant");
    await refusedWith(op(HOST, { op: "settings", e2ee: true }), "meeting_running");
    // a viewer path cannot send a caption; a non-member's caption is not kept
    await refusedWith(h.ask(cue(1, ANN.userId, "x")), "internal_only");
    await caption("stranger", "not a member's words");
    await caption(ANN.userId, "we decided to ship on friday");
    await caption(BEN.userId, "I will write the release notes");
    const cap = await h.waitEvent("meeting", (e) => e.op === "caption" && e.userId === BEN.userId);
    assert.equal(cap.line?.name, "name-ben");
    const view = (await op(ANN, { op: "state" })).view;
    assert.deepEqual(view.captions?.map((l) => [l.name, l.text]), [
      ["name-ann", "we decided to ship on friday"],
      ["name-ben", "I will write the release notes"],
    ]);
    // the meeting survives a restart of the room
    await h.restart();
    await op(HOST, { op: "end" });
    const done = await h.waitEvent("meeting", (e) => e.op === "summary", 20_000);
    assert.equal(done.meeting.summary?.source, "llm");
    assert.deepEqual(done.meeting.summary?.decisions, [{ text: "Ship on Friday", by: "name-ann" }]);
    assert.equal(done.meeting.summary?.actionItems[0].owner, "name-ben");
    const prompt = JSON.stringify(fake.requests.at(-1)?.body);
    assert.match(prompt, /name-ann: we decided to ship on friday/);
    // between meetings E2EE can be switched on; then captions are refused
    await op(HOST, { op: "settings", e2ee: true });
    await op(HOST, { op: "join" });
    await op(ANN, { op: "join" });
    await caption(ANN.userId, "secret");
    const e2ee = (await op(HOST, { op: "state" })).view;
    assert.equal(e2ee.e2ee, true);
    assert.deepEqual(e2ee.captions, [], "no caption is kept under E2EE");
  } finally {
    await h.close();
    await fake.close();
  }
});

Deno.test("meeting: without a model the summary is local and attributed to speakers", async () => {
  const { h, op, caption } = await meetingWith();
  try {
    await op(HOST, { op: "join" });
    await op(ANN, { op: "join" });
    assert.equal((await op(ANN, { op: "state" })).me, "waiting");
    await refusedWith(op(ANN, { op: "hand", up: true }), "not_admitted");
    await op(HOST, { op: "admit", userId: ANN.userId });
    await caption(ANN.userId, "We agreed to keep the old API");
    await caption(HOST.userId, "Ann will review the migration by Monday");
    await op(HOST, { op: "end" });
    const done = await h.waitEvent("meeting", (e) => e.op === "summary", 20_000);
    const s = done.meeting.summary!;
    assert.equal(s.source, "local");
    assert.deepEqual(s.decisions, [{ text: "We agreed to keep the old API", by: "name-ann" }]);
    assert.deepEqual(s.actionItems.map((a) => a.owner), ["Ann"]);
    assert.equal(done.meeting.attendance.length, 2);
    await caption(ANN.userId, "after the end");
    assert.equal((await op(ANN, { op: "state" })).view.captions?.length, 2);
  } finally {
    await h.close();
  }
});
