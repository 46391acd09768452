/**
 * Mood, hot topics and highlight enrichment inside the room actor, through the real runtime:
 * a `mood` event per finished minute (persisted series), a `topics` event every
 * `topicsEveryMs` naming what the room suddenly talks about, highlights carrying topics and
 * mood, and the AI panel (`{op:"state"}`) surviving a restart.
 */
import assert from "node:assert/strict";
import type { AiStateReply } from "../actors/room/contract.ts";
import type { HighlightSpan } from "../actors/room/contract.ts";
import { aiRoomHarness, user } from "./helpers/ai_room_harness.ts";

Deno.test("ai room: per-minute mood events and hot topics, persisted across a restart", async () => {
  const h = await aiRoomHarness({ ai: { topicsEveryMs: 1_000 } });
  try {
    h.clock.advance(60_000 - (h.clock.now % 60_000)); // start of a minute
    const minute = h.clock.now;
    await h.present();
    // background chat, then five minutes later a burst about one thing
    for (let i = 0; i < 30; i++) await h.say(user(`bg${i}`), `just chatting number ${i} here`);
    const happy = ["哈哈哈哈 笑死", "666666", "yyds 太强了", "awesome play", "love this 😍"];
    for (const [i, text] of happy.entries()) await h.say(user(`fan${i}`), text);
    await h.say(user("grump"), "boring trash stream");

    h.clock.advance(61_000);
    await h.present();
    const mood = await h.waitEvent("mood", (e) => e.m.minute === minute);
    assert.equal(mood.m.count, 36);
    assert.equal(mood.m.source, "local");
    assert.ok(mood.m.positive >= 5, `positive ${mood.m.positive}`);
    assert.ok(mood.m.negative >= 1);
    assert.ok((mood.m.emotions.laugh ?? 0) >= 1 && (mood.m.emotions.hype ?? 0) >= 1);

    h.clock.advance(4 * 60_000);
    await h.present();
    const burstAt = h.clock.now;
    const burst = [
      "the new keyboard looks great",
      "keyboard switches are loud",
      "what keyboard is that",
      "keyboard keyboard",
      "that keyboard is clean",
      "I want that keyboard",
    ];
    for (const [i, text] of burst.entries()) await h.say(user(`kb${i}`), text);
    h.clock.advance(1_500);
    await h.present();
    // a housekeeping tick during the burst may publish topics of part of it first
    const topics = await h.waitEvent(
      "topics",
      (e) => e.at >= burstAt && e.topics.some((t) => t.count >= 5),
    );
    assert.equal(topics.source, "local");
    assert.equal(topics.topics[0]?.term, "keyboard", JSON.stringify(topics.topics));
    assert.ok(topics.topics[0].count >= 5);

    const before = await h.ai<AiStateReply>(user("viewer"), { op: "state" });
    assert.equal(before.topics?.topics[0].term, "keyboard");
    assert.deepEqual(before.topicHistory.at(-1), before.topics, "kept in the topic history");
    assert.ok(before.mood.some((m) => m.minute === minute && m.count === 36));
    assert.equal(before.admin, undefined, "viewers get no admin extras");
    assert.deepEqual(before.llm, { configured: false });

    await h.restart();
    const after = await h.ai<AiStateReply>(user("viewer"), { op: "state" });
    assert.deepEqual(after.mood, before.mood, "mood series persisted");
    assert.deepEqual(after.topics, before.topics, "last topics persisted");
  } finally {
    await h.close();
  }
});

Deno.test("ai room: a highlight carries the topic and the mood of its moment", async () => {
  const h = await aiRoomHarness({
    rateLimit: { burst: 1000, refillPerSec: 100 },
    highlights: { warmupSec: 10, quietSec: 2 },
  });
  try {
    // the room's background first: topics are what is unusual for this room
    for (let i = 0; i < 100; i++) await h.say(user(`early${i}`), `hello from viewer ${i}`);
    h.clock.advance(5 * 60_000);
    const start = h.clock.now - (h.clock.now % 1000);
    h.clock.advance(start - h.clock.now);
    const caption = (text: string, at: number) =>
      h.ask({
        kind: "internal",
        cmd: {
          kind: "caption",
          recordingId: "rec1",
          startMs: at - start,
          endMs: at - start + 2_000,
          at,
          text,
          source: "local",
        },
      });
    for (let s = 0; s < 20; s++) {
      for (let i = 0; i < 2; i++) await h.say(user(`steady${i}`), `chatting ${s}`);
      if (s === 2) await caption("long before the moment", h.clock.now);
      if (s === 15) await caption("he shoots from thirty meters", h.clock.now);
      h.clock.advance(1000);
    }
    for (let i = 0; i < 40; i++) {
      await h.say(user(`fan${i}`), i % 4 === 0 ? "哈哈哈哈 goal" : "666 goal");
    }
    h.clock.advance(1000);
    for (let s = 0; s < 3; s++) {
      await h.say(user("steady0"), `calm again ${s}`);
      h.clock.advance(1000);
    }
    const event = await h.waitEvent("highlight");
    const notes = event.h.ai;
    assert.ok(notes, "enriched");
    assert.equal(notes.source, "local");
    assert.equal(notes.speech, "he shoots from thirty meters", "what led up to the moment");
    assert.equal(notes.mood?.count, 40);
    assert.equal(notes.mood?.label, "positive");
    assert.ok(notes.topics.includes("goal"), JSON.stringify(notes.topics));

    // a caption of the moment itself arrives late (ASR takes seconds): the highlight completes
    await caption("what a goal", event.h.startAt + 200);
    const late = await h.waitEvent("highlight_ai");
    assert.equal(late.id, event.h.id);
    assert.equal(late.ai.speech, "he shoots from thirty meters what a goal");
    assert.deepEqual(late.ai.topics, notes.topics);

    await h.restart();
    const [span] = await h.ask<HighlightSpan[]>({ kind: "highlights" });
    assert.deepEqual(span.ai, late.ai, "enrichment persisted with the highlight");
  } finally {
    await h.close();
  }
});
