/**
 * One message, one split into words: the room's hot topics, question detection and the Q&A
 * queue all work from the same words of each message (`RoomIntelligence.observe`). Seen from
 * outside: from one burst of questions the room publishes the topic and queues the question
 * (merging rephrasings that share those words); a message whose words are all filler makes
 * neither a topic nor a question.
 */
import assert from "node:assert/strict";
import type { AiStateReply } from "../actors/room/contract.ts";
import { detectQuestion, questionTerms } from "../actors/ai/qa/detect.ts";
import { TopicTracker } from "../actors/ai/topics.ts";
import { tokenize } from "../actors/ai/tokenize.ts";
import { aiRoomHarness, PLATFORM_ADMIN, user } from "./helpers/ai_room_harness.ts";

Deno.test("ai room: topics and the Q&A queue come from the same words of one message", async () => {
  const h = await aiRoomHarness({ ai: { topicsEveryMs: 1_000 } });
  try {
    await h.ai(PLATFORM_ADMIN, {
      op: "kb_put",
      entry: { title: "Keyboard", body: "The keyboard costs 169 dollars." },
    });
    // paused: detected questions stay in the queue where the test can see them
    await h.ai(PLATFORM_ADMIN, { op: "qa", action: "pause" });
    await h.present();
    for (let i = 0; i < 30; i++) await h.say(user(`bg${i}`), `just chatting number ${i} here`);
    h.clock.advance(5 * 60_000);
    await h.present();
    const burstAt = h.clock.now;
    // "?" is the only question marker: detection counts it only when the words are there
    const asked = [
      "keyboard price?",
      "keyboard price?",
      "the keyboard price?",
      "keyboard price??",
      "price of that keyboard?",
    ];
    for (const [i, text] of asked.entries()) await h.say(user(`q${i}`), text);
    await h.say(user("filler"), "为什么？？"); // a marker, but no content word
    h.clock.advance(1_500);
    await h.present();

    const topics = await h.waitEvent(
      "topics",
      // all five counted (a housekeeping tick during the burst may publish part of it first)
      (e) => e.at >= burstAt && e.topics.some((t) => t.count > 4.5),
    );
    const words = new Set(asked.flatMap((t) => tokenize(t)));
    assert.deepEqual(words, new Set(["keyboard", "price"]));
    assert.deepEqual(
      topics.topics.map((t) => t.term).sort(),
      ["keyboard", "price"],
      "the topics are the questions' words",
    );
    const { qa } = await h.ai<AiStateReply>(user("viewer"), { op: "state" });
    assert.deepEqual(
      qa.pending.map((q) => [q.text, q.askers]),
      [["keyboard price?", 5]],
      "one question, asked five times in other words; the filler is no question",
    );
  } finally {
    await h.close();
  }
});

Deno.test("topics, detection and question terms given the words equal those splitting again", () => {
  const texts = [
    "这个键盘多少钱？",
    "what keyboard is that?",
    "主播今天几点下播",
    "为什么？？",
    "keyboard price?",
    "哈哈哈哈 666",
  ];
  const own = new TopicTracker();
  const given = new TopicTracker();
  for (const [i, text] of texts.entries()) {
    const words = tokenize(text);
    assert.deepEqual(detectQuestion(text, words), detectQuestion(text), text);
    assert.deepEqual(questionTerms(text, words), questionTerms(text), text);
    for (let k = 0; k < 4; k++) {
      own.add(text, 1_000 * i + k, `u${k}`);
      given.addTerms(words, 1_000 * i + k, `u${k}`);
    }
  }
  assert.deepEqual(given.snapshot(), own.snapshot());
  assert.deepEqual(given.top(5, 10_000), own.top(5, 10_000));
});
