/**
 * The display budget of a hot room (edge/display_budget.ts, issue 18): the policy on its own
 * (hot stream of batches: within the budget, fair across senders, priority events always,
 * counts add up), then end to end through a real server: many senders, a watcher under a
 * small budget, an admin who sees everything, and every sender getting its own messages.
 */
import assert from "node:assert/strict";
import { type BudgetEvent, DisplayBudget, isSampleable } from "../edge/display_budget.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { startTestServer } from "./helpers/server.ts";
import { waitForValue } from "./helpers/wait.ts";

const chat = (userId: string, n: number): BudgetEvent & { n: number } => ({
  t: "danmaku",
  d: { userId },
  n,
});

Deno.test("display budget: a quiet room passes every batch unchanged", () => {
  const budget = new DisplayBudget(40);
  let at = 1_000;
  for (let i = 0; i < 100; i++) {
    at += 50; // 20 batches/s × 1 message = 20/s, under 40/s
    const events = [chat(`u${i % 7}`, i)];
    const choice = budget.choose(events, at);
    assert.equal(choice.omitted, 0);
    assert(choice.events === events, "below the rate the batch is passed as is");
  }
});

Deno.test("display budget: a hot room stays within the budget, fair, priority always passes", () => {
  const perSecond = 40;
  const budget = new DisplayBudget(perSecond);
  const senders = 200;
  let at = 10_000;
  let total = 0;
  let omitted = 0;
  const shownPerSecond = new Map<number, number>();
  const shownBySender = new Map<string, number>();
  let priorityIn = 0;
  let priorityOut = 0;
  let n = 0;
  for (let batch = 0; batch < 400; batch++) { // 20 s of 50 ms ticks, 2,000 msg/s
    at += 50;
    const events: (BudgetEvent & { n?: number })[] = [];
    for (let i = 0; i < 100; i++) events.push(chat(`u${(n + i) % senders}`, n + i));
    n += 100;
    events.splice(37, 0, { t: "gift" }, { t: "danmaku", d: { userId: "streamer", by: "owner" } });
    priorityIn += 2;
    const choice = budget.choose(events, at);
    const sampleableShown = choice.events.filter(isSampleable);
    priorityOut += choice.events.length - sampleableShown.length;
    total += 100;
    omitted += choice.omitted;
    assert.equal(sampleableShown.length + choice.omitted, 100, "shown + omitted = batch");
    let leftOut = 0;
    for (const list of choice.omittedBySender.values()) leftOut += list.length;
    assert.equal(leftOut, choice.omitted, "omitted by sender adds up");
    const second = Math.floor(at / 1000);
    shownPerSecond.set(second, (shownPerSecond.get(second) ?? 0) + sampleableShown.length);
    for (const e of sampleableShown) {
      shownBySender.set(e.d!.userId, (shownBySender.get(e.d!.userId) ?? 0) + 1);
    }
    const order = choice.events.map((e) => (e as { n?: number }).n ?? -1).filter((x) => x >= 0);
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
      "shown events keep the batch's order",
    );
  }
  assert.equal(priorityOut, priorityIn, "gifts and the streamer's danmaku all pass");
  const shownTotal = total - omitted;
  // One second's worth at start (the bucket is full), then perSecond per second.
  assert(shownTotal <= perSecond * 20 + perSecond, `shown ${shownTotal}`);
  assert(shownTotal >= perSecond * 19, `the budget is used, shown ${shownTotal}`);
  for (const [second, shown] of shownPerSecond) {
    assert(shown <= 2 * perSecond, `second ${second}: ${shown} shown`);
  }
  // Fair: every sender shown, none more than twice as often as the least shown one plus one.
  assert.equal(shownBySender.size, senders, "every sender got shown at some point");
  const counts = [...shownBySender.values()];
  assert(
    Math.max(...counts) - Math.min(...counts) <= 1,
    `fair across senders: ${Math.min(...counts)}..${Math.max(...counts)}`,
  );
});

Deno.test("display budget: one loud sender cannot crowd out the others", () => {
  const budget = new DisplayBudget(10);
  let at = 0;
  const shown = new Map<string, number>();
  for (let batch = 0; batch < 100; batch++) {
    at += 100;
    const events: BudgetEvent[] = [];
    for (let i = 0; i < 50; i++) events.push(chat("loud", i));
    events.push(chat("quiet1", 0), chat("quiet2", 0));
    for (const e of budget.choose(events, at).events) {
      shown.set(e.d!.userId, (shown.get(e.d!.userId) ?? 0) + 1);
    }
  }
  // One slot per batch after the first second: shared round by round by the three senders.
  const loud = shown.get("loud") ?? 0;
  for (const quiet of ["quiet1", "quiet2"]) {
    const n = shown.get(quiet) ?? 0;
    assert(n >= 33 && n >= loud - 10, `${quiet} shown ${n} times, the loud sender ${loud}`);
  }
});

const ROOM = "hot-budget";
const SENDERS = 16;
const PER_SENDER = 4; // within the room's burst of 5 per user
const BUDGET = 4;

Deno.test({
  name: "display budget end to end: within budget, own messages, admin sees all, counts add up",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startTestServer({ limits: { displayBudgetPerSecond: BUDGET } });
    const viewers: TestViewer[] = [];
    try {
      const guest = await server.guest("watcher");
      const { viewer: watcher } = await TestViewer.join(server.wsUrl(ROOM), ROOM, guest.token);
      viewers.push(watcher);
      const adminToken = await server.mintToken({ sub: "mod-1", name: "mod", roles: ["admin"] });
      const { viewer: admin } = await TestViewer.join(server.wsUrl(ROOM), ROOM, adminToken);
      viewers.push(admin);
      const senders: { viewer: TestViewer; userId: string; texts: string[] }[] = [];
      for (let i = 0; i < SENDERS; i++) {
        const g = await server.guest(`sender${i}`);
        const { viewer } = await TestViewer.join(server.wsUrl(ROOM), ROOM, g.token);
        viewers.push(viewer);
        senders.push({ viewer, userId: g.identity.userId, texts: [] });
      }
      // Everyone at once: far more than BUDGET per second into the room.
      for (let m = 0; m < PER_SENDER; m++) {
        for (const [i, s] of senders.entries()) {
          const text = `sender ${i} line ${m} words${i * 31 + m}`;
          s.texts.push(text);
          s.viewer.send({ type: "say", text, clientId: `${i}-${m}` });
        }
      }
      const total = SENDERS * PER_SENDER;
      // A moderation event (essential) after the chat: it must reach the watcher.
      admin.send({ type: "mod", action: "mute", target: "someone-else", seconds: 60 });
      // An admin's own chat line is marked by the room (`d.by`) and passes any budget.
      admin.send({ type: "say", text: "admin announcement for everyone" });

      // The admin (full display) receives every message.
      const senderLines = (v: TestViewer) =>
        v.danmakuTexts().filter((t) => t.startsWith("sender ")).length;
      await waitForValue(
        "admin sees every danmaku",
        () => Promise.resolve(senderLines(admin) >= total ? true : undefined),
        { timeoutMs: 20_000 },
      );
      // Each sender receives each of its own messages.
      for (const s of senders) {
        await waitForValue(`own messages of ${s.userId}`, () => {
          const got = new Set(s.viewer.danmakuTexts());
          return Promise.resolve(s.texts.every((t) => got.has(t)) ? true : undefined);
        }, { timeoutMs: 20_000 });
      }
      // The watcher: shown + omitted adds up to every message, and the moderation arrived.
      const batchesOf = (v: TestViewer) => v.frames.filter((f) => f.type === "batch");
      const omittedOf = (v: TestViewer) =>
        batchesOf(v).reduce((sum: number, f: Frame) => sum + (f.omitted ?? 0), 0);
      await waitForValue("watcher accounts for every message", () =>
        Promise.resolve(
          senderLines(watcher) + omittedOf(watcher) >= total ? true : undefined,
        ), { timeoutMs: 20_000 });
      await watcher.next((f) =>
        f.type === "batch" && f.events.some((e: Frame) => e.t === "moderation")
      );
      await watcher.next((f) =>
        f.type === "batch" &&
        f.events.some((e: Frame) =>
          e.t === "danmaku" && e.d.text === "admin announcement for everyone" && e.d.by === "admin"
        )
      );
      const shown = watcher.danmakuTexts().filter((t) => t.startsWith("sender ")).length;
      assert.equal(shown + omittedOf(watcher), total, "shown + omitted = accepted");
      assert(omittedOf(watcher) > 0, "the budget left some out");
      // Within the budget on the room's own clock: one second's worth, then BUDGET per second.
      const stamps = batchesOf(watcher)
        .filter((f) => f.events.some((e: Frame) => e.t === "danmaku"))
        .map((f) => f.at as number);
      const spanSeconds = (Math.max(...stamps) - Math.min(...stamps)) / 1000;
      assert(
        shown <= BUDGET + BUDGET * spanSeconds + 1,
        `${shown} shown over ${spanSeconds} s with a budget of ${BUDGET}/s`,
      );
      // A sender sees the others' messages thinned too, yet its own in full.
      const s1 = senders[1];
      const s1Batches = batchesOf(s1.viewer);
      assert(s1Batches.some((f) => (f.omitted ?? 0) > 0), "senders are under the budget too");
    } finally {
      for (const v of viewers) await v.close().catch(() => {});
      await server.close();
    }
  },
});
