/**
 * RoomActor through the real runtime: embedded engine, MemoryTransport, Deno KV on a temp
 * file. Time seen by the room comes from a test clock (so rate limits, mutes and presence
 * expiry are exact); the tick timer is real (short).
 */
import assert from "node:assert/strict";
import { ActorError } from "../engine/actor.ts";
import { decodeJson } from "../engine/codec.ts";
import { type EmbeddedEngine, startEmbeddedEngine } from "../engine/embedded.ts";
import { DenoKvStateStore } from "../engine/state_store_denokv.ts";
import type { Transport } from "../engine/transport.ts";
import {
  type Actor,
  type GiftOutcome,
  type HighlightSpan,
  type JoinReply,
  type ModerateReply,
  type RoomBatch,
  type RoomInfo,
  roomOutSubject,
  type RoomStatus,
  roomStatusSubject,
  type SayReply,
  type StatsReply,
} from "../actors/room/contract.ts";
import { type GiftLedger, type GiftRequest } from "../actors/room/ports.ts";
import {
  ROOM_ACTOR_TYPE,
  type RoomActorOptions,
  roomActorType,
} from "../actors/room/room_actor.ts";

const ROOM = "r1";
const user = (id: string, roles: string[] = []): Actor => ({
  userId: id,
  name: `name-${id}`,
  kind: "user",
  roles,
});
const PLATFORM_ADMIN = user("root", ["admin"]);

class TestClock {
  now = 1_700_000_000_000;
  advance(ms: number) {
    this.now += ms;
  }
  read = () => this.now;
}

/** Collects every JSON message published on `subject`. */
function collect<T>(transport: Transport, subject: string) {
  const items: T[] = [];
  const sub = transport.subscribe(subject, (m) => {
    items.push(decodeJson<T>(m.data));
  });
  return { items, stop: () => sub.unsubscribe() };
}

async function waitFor(what: string, pred: () => boolean, timeoutMs = 5_000): Promise<void> {
  for (let waited = 0; !pred(); waited += 10) {
    if (waited >= timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<ActorError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ActorError, `expected ActorError ${code}, got ${err}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected refusal ${code}`);
}

const danmakuOf = (batches: RoomBatch[]) =>
  batches.flatMap((b) => b.events.flatMap((e) => e.t === "danmaku" ? [e.d] : []));

interface Harness {
  engine: EmbeddedEngine;
  clock: TestClock;
  say(actor: Actor, text: string): Promise<SayReply>;
  ask<R>(msg: unknown): Promise<R>;
  restart(opts?: Partial<RoomActorOptions>): Promise<void>;
  close(): Promise<void>;
}

async function harness(opts: Partial<RoomActorOptions> = {}): Promise<Harness> {
  const dir = await Deno.makeTempDir({ prefix: "room_actor_" });
  const path = `${dir}/state.kv`;
  const clock = new TestClock();
  let store = await DenoKvStateStore.open(path);
  const start = (o: Partial<RoomActorOptions>) =>
    startEmbeddedEngine({
      store,
      clock: clock.read,
      persistIntervalMs: 50,
      idleMs: o.idleMs,
      types: [roomActorType({ tickMs: 10, ...o })],
    });
  const h: Harness = {
    engine: await start(opts),
    clock,
    say: (actor, text) => h.ask<SayReply>({ kind: "say", actor, text }),
    ask: <R>(msg: unknown) => h.engine.client.ask<R>(ROOM_ACTOR_TYPE, ROOM, msg),
    /** A process restart: close the engine and the store, open both again. */
    async restart(o = opts) {
      await h.engine.close();
      await store.close();
      store = await DenoKvStateStore.open(path);
      h.engine = await start(o);
    },
    async close() {
      await h.engine.close();
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
  return h;
}

Deno.test("room: chat goes out in ordered, coalesced batches with consecutive sequences", async () => {
  const h = await harness({ rateLimit: { burst: 100 } });
  const out = collect<RoomBatch>(h.engine.transport, roomOutSubject(ROOM));
  try {
    const texts = Array.from({ length: 60 }, (_, i) => `message number ${i}`);
    const replies = await Promise.all(texts.map((t, i) => h.say(user(`u${i % 6}`), t)));
    assert.ok(replies.every((r) => r.ok && typeof r.id === "string"));
    assert.equal(new Set(replies.map((r) => r.id)).size, 60, "ids are unique");
    await waitFor("all danmaku", () => danmakuOf(out.items).length === 60);
    assert.deepEqual(danmakuOf(out.items).map((d) => d.text), texts, "in the order received");
    assert.deepEqual(
      out.items.map((b) => b.seq),
      out.items.map((_, i) => i + 1),
      "one sequence per batch, no holes",
    );
    assert.ok(out.items.length < texts.length, "messages of one tick share a batch");
    assert.ok(out.items.every((b) => b.roomId === ROOM && b.events.length > 0));
    const d = danmakuOf(out.items)[7];
    assert.deepEqual(
      { userId: d.userId, name: d.name, at: d.at },
      { userId: "u1", name: "name-u1", at: h.clock.now },
    );
    const info = await h.ask<RoomInfo>({ kind: "info" });
    assert.equal(info.seq, out.items.length);
    assert.equal(info.rate, 6, "60 messages over the last 10 s");
  } finally {
    out.stop();
    await h.close();
  }
});

Deno.test("room: intake refuses bad commands, empty/long text, floods and duplicates", async () => {
  const h = await harness({ flood: { floodCap: 3 } });
  const out = collect<RoomBatch>(h.engine.transport, roomOutSubject(ROOM));
  try {
    await rejectsWith(h.ask({ kind: "nope" }), "bad_command");
    await rejectsWith(h.ask({ kind: "say", actor: user("a"), text: 42 }), "bad_command");
    await rejectsWith(h.ask({ kind: "say", actor: { userId: "" }, text: "hi" }), "bad_command");
    await rejectsWith(h.ask("garbage"), "bad_command");
    await rejectsWith(h.say(user("a"), " \u202E\u200B "), "empty");
    await rejectsWith(h.say(user("a"), "x".repeat(101)), "too_long");
    assert.equal((await h.ask<RoomInfo>({ kind: "info" })).seq, 0, "nothing changed");

    const ok = await h.say(user("a"), "  hello\u202E  world ");
    assert.equal(ok.ok, true);
    await rejectsWith(h.say(user("a"), "HELLO world"), "duplicate");
    // A wave of identical text from many users: capped, counted, not an error.
    const wave = [];
    for (let i = 0; i < 6; i++) wave.push(await h.say(user(`w${i}`), "666"));
    assert.deepEqual(wave.map((r) => r.suppressed), [
      undefined,
      undefined,
      undefined,
      "flood",
      "flood",
      "flood",
    ]);
    await waitFor("batch", () => danmakuOf(out.items).length === 4);
    assert.deepEqual(danmakuOf(out.items).map((d) => d.text), [
      "hello world",
      "666",
      "666",
      "666",
    ]);
    assert.equal((await h.ask<RoomInfo>({ kind: "info" })).rate, 0.7, "all 7 were counted");
  } finally {
    out.stop();
    await h.close();
  }
});

Deno.test("room: per-user rate limit with burst and refill", async () => {
  const h = await harness({ rateLimit: { burst: 3, refillPerSec: 1 } });
  try {
    for (let i = 0; i < 3; i++) await h.say(user("fast"), `m${i}`);
    const err = await rejectsWith(h.say(user("fast"), "m3"), "rate_limited");
    assert.deepEqual(err.details, { retryAfterMs: 1000 });
    await h.say(user("other"), "I am not limited");
    h.clock.advance(1000);
    await h.say(user("fast"), "m4");
    await rejectsWith(h.say(user("fast"), "m5"), "rate_limited");
  } finally {
    await h.close();
  }
});

Deno.test("room: moderation by owner/admins only; mutes expire; bans hold", async () => {
  const h = await harness();
  const out = collect<RoomBatch>(h.engine.transport, roomOutSubject(ROOM));
  const mod = (actor: Actor, action: string, target: string, seconds?: number) =>
    h.ask<ModerateReply>({ kind: "moderate", actor, action, target, seconds });
  try {
    // Nobody but a platform admin can set up a fresh room.
    await rejectsWith(mod(user("bob"), "admin_add", "bob"), "forbidden");
    await rejectsWith(mod(user("bob"), "mute", "carol"), "forbidden");
    await mod(PLATFORM_ADMIN, "admin_add", "alice"); // first admin: the owner
    await mod(user("alice"), "admin_add", "eve");
    assert.deepEqual((await h.ask<RoomInfo>({ kind: "info" })).admins, ["alice", "eve"]);
    await rejectsWith(mod(user("eve"), "admin_add", "mallory"), "forbidden");
    await rejectsWith(mod(user("eve"), "ban", "alice"), "forbidden");
    await rejectsWith(mod(user("bob"), "ban", "dave"), "forbidden");

    const muted = await mod(user("eve"), "mute", "carol", 60);
    assert.equal(muted.until, h.clock.now + 60_000);
    const err = await rejectsWith(h.say(user("carol"), "hi"), "muted");
    assert.deepEqual(err.details, { until: muted.until, source: "admin" });
    assert.match(err.message, /for 60 s more \(by a room admin\)/);
    await h.say(user("dave"), "spam from dave");
    await waitFor("dave's message", () => danmakuOf(out.items).some((d) => d.userId === "dave"));
    // Sent together: both are in the mailbox before the next tick can run.
    await Promise.all([
      h.say(user("dave"), "more spam, same tick as the ban"),
      mod(user("alice"), "ban", "dave"),
    ]);
    await rejectsWith(h.say(user("dave"), "hi"), "banned");

    const join = await h.ask<JoinReply>({ kind: "join", edgeId: "e1", actor: user("carol") });
    assert.deepEqual(join.self, { muted: { until: muted.until, source: "admin" } });
    assert.deepEqual(join.history.filter((d) => d.userId === "dave"), [], "a ban purges history");
    await waitFor(
      "ban published",
      () => out.items.some((b) => b.events.some((e) => e.t === "moderation" && e.action === "ban")),
    );
    assert.deepEqual(
      danmakuOf(out.items).filter((d) => d.userId === "dave").map((d) => d.text),
      ["spam from dave"],
      "dave's unpublished message was dropped from the batch",
    );

    h.clock.advance(61_000);
    assert.equal((await h.say(user("carol"), "back")).ok, true, "the mute ended");
    await rejectsWith(h.say(user("dave"), "still?"), "banned");
    await mod(user("eve"), "unban", "dave");
    assert.equal((await h.say(user("dave"), "thanks")).ok, true);

    await waitFor(
      "moderation events",
      () => out.items.flatMap((b) => b.events).filter((e) => e.t === "moderation").length === 5,
    );
    const events = out.items.flatMap((b) => b.events).filter((e) => e.t === "moderation");
    assert.deepEqual(
      events.map((e) => e.t === "moderation" && [e.action, e.target, e.by]),
      [
        ["admin_add", "alice", "root"],
        ["admin_add", "eve", "alice"],
        ["mute", "carol", "eve"],
        ["ban", "dave", "alice"],
        ["unban", "dave", "eve"],
      ],
    );
  } finally {
    out.stop();
    await h.close();
  }
});

Deno.test("room: bans, admins, window and sequence survive passivation and a restart", async () => {
  const h = await harness({ idleMs: 200 });
  try {
    await h.ask({ kind: "moderate", actor: PLATFORM_ADMIN, action: "admin_add", target: "alice" });
    await h.ask({ kind: "moderate", actor: user("alice"), action: "ban", target: "dave" });
    for (let i = 0; i < 5; i++) await h.say(user(`u${i}`), `before passivation ${i}`);
    // Idle: nobody there, nothing pending → the room passivates by itself.
    h.clock.advance(1_000);
    await waitFor(
      "idle passivation",
      () => !h.engine.system.isActive(ROOM_ACTOR_TYPE, ROOM),
      10_000,
    );
    await rejectsWith(h.say(user("dave"), "am I free?"), "banned");
    const join = await h.ask<JoinReply>({ kind: "join", edgeId: "e1", actor: user("zoe") });
    assert.deepEqual(
      join.history.map((d) => d.text),
      [0, 1, 2, 3, 4].map((i) => `before passivation ${i}`),
    );
    assert.ok(join.info.seq >= 1);
    assert.deepEqual(join.info.admins, ["alice"]);

    // A process restart (store closed and reopened) keeps all of it too.
    await h.say(user("u9"), "after re-activation");
    const seqBefore = (await h.ask<RoomInfo>({ kind: "info" })).seq;
    await h.restart();
    await rejectsWith(h.say(user("dave"), "and now?"), "banned");
    const info = await h.ask<RoomInfo>({ kind: "info" });
    assert.ok(info.seq >= seqBefore, "sequence never goes back");
    const again = await h.ask<JoinReply>({ kind: "join", edgeId: "e1", actor: user("zoe") });
    assert.equal(again.history.at(-1)?.text, "after re-activation");
    assert.equal(again.history.length, 6);
  } finally {
    await h.close();
  }
});

Deno.test("room: resume returns missed batches; what the room no longer holds is a gap", async () => {
  const h = await harness({ resume: { maxBatches: 3 } });
  const out = collect<RoomBatch>(h.engine.transport, roomOutSubject(ROOM));
  try {
    for (let i = 1; i <= 6; i++) {
      await h.say(user(`u${i}`), `batch ${i}`);
      await waitFor(`batch ${i}`, () => out.items.length === i);
    }
    const recent = await h.ask<JoinReply>({
      kind: "join",
      edgeId: "e1",
      actor: user("v"),
      resumeFrom: 4,
    });
    assert.deepEqual(recent.missed.map((b) => b.seq), [5, 6]);
    assert.deepEqual(recent.missed, out.items.slice(4), "the very batches that were published");
    assert.equal(recent.gap, undefined);
    assert.deepEqual(recent.history, [], "nothing lost: no history needed");

    const old = await h.ask<JoinReply>({
      kind: "join",
      edgeId: "e1",
      actor: user("v"),
      resumeFrom: 1,
    });
    assert.deepEqual(old.missed.map((b) => b.seq), [4, 5, 6]);
    assert.deepEqual(old.gap, { from: 2, to: 3 });
    assert.equal(old.history.length, 6, "a gap comes with history");

    const upToDate = await h.ask<JoinReply>({
      kind: "join",
      edgeId: "e1",
      actor: user("v"),
      resumeFrom: 6,
    });
    assert.deepEqual([upToDate.missed, upToDate.gap, upToDate.history], [[], undefined, []]);

    // After a restart the room holds no batches: everything since is a gap.
    await h.restart({ resume: { maxBatches: 3 } });
    const afterRestart = await h.ask<JoinReply>({
      kind: "join",
      edgeId: "e1",
      actor: user("v"),
      resumeFrom: 4,
    });
    assert.deepEqual(afterRestart.missed, []);
    assert.deepEqual(afterRestart.gap, { from: 5, to: 6 });
    assert.equal(afterRestart.info.seq, 6);
  } finally {
    out.stop();
    await h.close();
  }
});

Deno.test("room: after an unclean stop sequences continue above anything published", async () => {
  const h = await harness();
  try {
    await h.say(user("a"), "first");
    await h.engine.close(); // clean: persisted seq 1, nothing reserved beyond it
    // What a crash leaves behind: seq persisted at 3, but up to 1003 reserved (maybe published).
    const dir = await Deno.makeTempDir();
    const crashed = await DenoKvStateStore.open(`${dir}/s.kv`);
    await crashed.set(["actor", ROOM_ACTOR_TYPE, ROOM], {
      state: { seq: 3, seqReserved: 1003, window: [] },
      alarms: {},
    }, null);
    const engine = await startEmbeddedEngine({
      store: crashed,
      types: [roomActorType({ tickMs: 10 })],
    });
    try {
      const join = await engine.client.ask<JoinReply>(ROOM_ACTOR_TYPE, ROOM, {
        kind: "join",
        edgeId: "e",
        actor: user("v"),
        resumeFrom: 3,
      });
      assert.equal(join.info.seq, 1003);
      assert.deepEqual(join.gap, { from: 4, to: 1003 });
    } finally {
      await engine.close();
      await crashed.close();
      await Deno.remove(dir, { recursive: true });
    }
    await h.restart();
    assert.equal((await h.ask<RoomInfo>({ kind: "info" })).seq, 1, "a clean stop skips nothing");
  } finally {
    await h.close();
  }
});

/** A GiftLedger test double: records each batch, prices gifts at 100 units, refuses "poor". */
class FakeLedger implements GiftLedger {
  batches: GiftRequest[][] = [];
  #seen = new Map<string, GiftOutcome>();
  commitBatch(gifts: GiftRequest[]): Promise<GiftOutcome[]> {
    this.batches.push(gifts);
    return Promise.resolve(gifts.map((g) => {
      const key = `${g.senderId}/${g.idempotencyKey}`; // keys are per sender, as in the real ledger
      const first = this.#seen.get(key);
      if (first) return first.ok ? { ...first, replayed: true } : first;
      const outcome: GiftOutcome = g.senderId === "poor"
        ? { ok: false, code: "insufficient_funds", message: "not enough coins" }
        : {
          ok: true,
          amount: String(BigInt(g.count) * 100n),
          senderBalance: "1000",
          giftName: `gift ${g.giftId}`,
          replayed: false,
        };
      this.#seen.set(key, outcome);
      return outcome;
    }));
  }
}

Deno.test("room: the first message after a quiet tick goes out at once, later ones are coalesced", async () => {
  // A tick far longer than the test: a message waiting for it would never be seen here.
  const h = await harness({ tickMs: 60_000, rateLimit: { burst: 100 } });
  const out = collect<RoomBatch>(h.engine.transport, roomOutSubject(ROOM));
  try {
    await h.say(user("a"), "first after a quiet spell");
    await waitFor("the leading batch", () => out.items.length === 1);
    assert.deepEqual(danmakuOf(out.items).map((d) => d.text), ["first after a quiet spell"]);
    await h.say(user("b"), "second");
    await h.say(user("c"), "third");
    await h.ask({ kind: "info" }); // a round trip through the mailbox after both
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(out.items.length, 1, "within a tick of the last batch, events wait for the next");
    await h.engine.system.passivate(ROOM_ACTOR_TYPE, ROOM); // publishes what is pending
    await waitFor("the coalesced batch", () => out.items.length === 2);
    assert.deepEqual(out.items[1].events.map((e) => e.t === "danmaku" && e.d.text), [
      "second",
      "third",
    ]);
    assert.equal(out.items[1].seq, 2);
  } finally {
    out.stop();
    await h.close();
  }
});

Deno.test("room: gifts of one tick are committed in one ledger call and acked each", async () => {
  const ledger = new FakeLedger();
  const h = await harness({ giftLedger: ledger, tickMs: 30 });
  const out = collect<RoomBatch>(h.engine.transport, roomOutSubject(ROOM));
  const gift = (from: string, key: string, count = 1) =>
    h.ask<GiftOutcome>({
      kind: "gift",
      actor: user(from),
      giftId: "rose",
      count,
      idempotencyKey: key,
    });
  try {
    await h.ask({ kind: "info" }); // activated, so the gifts below arrive in one go
    const outcomes = await Promise.all([
      gift("a", "key-aaaa-1", 2),
      gift("b", "key-bbbb-1"),
      gift("poor", "key-poor-1"),
      gift("c", "key-cccc-1", 3),
      gift("c", "key-cccc-1", 3), // a retry while the first is still queued
      gift("c", "key-cccc-1", 5), // the same key for a different gift
      gift("d", "key-cccc-1", 1), // keys are per sender: another user may pick the same one
    ]);
    assert.equal(ledger.batches.length, 1, "one commitBatch for the tick");
    assert.deepEqual(ledger.batches[0].map((g) => [g.senderId, g.idempotencyKey]), [
      ["a", "key-aaaa-1"],
      ["b", "key-bbbb-1"],
      ["poor", "key-poor-1"],
      ["c", "key-cccc-1"],
      ["d", "key-cccc-1"],
    ]);
    assert.deepEqual(ledger.batches[0][0], {
      idempotencyKey: "key-aaaa-1",
      roomId: ROOM,
      senderId: "a",
      senderName: "name-a",
      giftId: "rose",
      count: 2,
    });
    assert.deepEqual(outcomes.map((o) => o.ok ? o.amount : o.code), [
      "200",
      "100",
      "insufficient_funds",
      "300",
      "300",
      "idempotency_conflict",
      "100",
    ]);
    await waitFor("gift events", () => out.items.some((b) => b.events.some((e) => e.t === "gift")));
    const gifts = out.items.flatMap((b) => b.events.flatMap((e) => e.t === "gift" ? [e.g] : []));
    assert.deepEqual(gifts.map((g) => [g.userId, g.giftName, g.count, g.amount]), [
      ["a", "gift rose", 2, "200"],
      ["b", "gift rose", 1, "100"],
      ["c", "gift rose", 3, "300"],
      ["d", "gift rose", 1, "100"],
    ]);

    // A later retry is answered by the ledger as a replay and is not broadcast again.
    const replay = await gift("a", "key-aaaa-1", 2);
    assert.equal(replay.ok && replay.replayed, true);
    assert.equal(ledger.batches.length, 2);
  } finally {
    out.stop();
    await h.close();
  }
  const none = await harness();
  try {
    await rejectsWith(
      none.ask({
        kind: "gift",
        actor: user("a"),
        giftId: "rose",
        count: 1,
        idempotencyKey: "k-123456",
      }),
      "gifts_unavailable",
    );
  } finally {
    await none.close();
  }
});

Deno.test("room: viewers are counted per edge and expire when an edge goes quiet", async () => {
  const h = await harness({ presenceTtlMs: 15_000 });
  const status = collect<RoomStatus>(h.engine.transport, roomStatusSubject(ROOM));
  try {
    await h.ask({ kind: "presence", edgeId: "edge-a", viewers: 3 });
    const r = await h.ask<{ viewers: number }>({ kind: "presence", edgeId: "edge-b", viewers: 4 });
    assert.equal(r.viewers, 7);
    await waitFor("status with 7 viewers", () => status.items.some((s) => s.viewers === 7));
    h.clock.advance(10_000);
    await h.ask({ kind: "presence", edgeId: "edge-b", viewers: 5 });
    h.clock.advance(6_000); // edge-a last reported 16 s ago
    assert.equal((await h.ask<RoomInfo>({ kind: "info" })).viewers, 5);
    await h.ask({ kind: "presence", edgeId: "edge-b", viewers: 0 });
    assert.equal((await h.ask<RoomInfo>({ kind: "info" })).viewers, 0);
    await h.engine.system.passivate(ROOM_ACTOR_TYPE, ROOM);
    assert.deepEqual(
      status.items.at(-1) &&
        { active: status.items.at(-1)!.active, roomId: status.items.at(-1)!.roomId },
      { active: false, roomId: ROOM },
    );
  } finally {
    status.stop();
    await h.close();
  }
});

Deno.test("room: a burst of chat becomes a persisted, broadcast highlight", async () => {
  const h = await harness({
    rateLimit: { burst: 1000, refillPerSec: 100 },
    highlights: { warmupSec: 10, quietSec: 2 },
  });
  const out = collect<RoomBatch>(h.engine.transport, roomOutSubject(ROOM));
  try {
    const start = h.clock.now - (h.clock.now % 1000);
    h.clock.now = start;
    for (let s = 0; s < 20; s++) {
      for (let i = 0; i < 2; i++) await h.say(user(`steady${i}`), `chatting ${s}`);
      h.clock.advance(1000);
    }
    for (let i = 0; i < 40; i++) await h.say(user(`fan${i}`), i % 4 === 0 ? "哈哈哈哈" : "666");
    h.clock.advance(1000);
    for (let s = 0; s < 3; s++) {
      await h.say(user("steady0"), `calm again ${s}`);
      h.clock.advance(1000);
    }
    await waitFor(
      "highlight event",
      () => out.items.some((b) => b.events.some((e) => e.t === "highlight")),
    );
    const event = out.items.flatMap((b) => b.events).find((e) => e.t === "highlight");
    assert.ok(event?.t === "highlight");
    const span = event.h;
    assert.equal(span.startAt, start + 20_000);
    assert.equal(span.endAt, start + 21_000);
    assert.equal(span.reason, "rate_spike+burst_phrase");
    assert.equal(span.peakRate, 40);
    assert.deepEqual(span.topPhrases, [{ phrase: "666", count: 30 }, {
      phrase: "哈哈哈",
      count: 10,
    }]);
    assert.deepEqual(await h.ask<HighlightSpan[]>({ kind: "highlights" }), [span]);

    await h.restart();
    assert.deepEqual(await h.ask<HighlightSpan[]>({ kind: "highlights" }), [span], "persisted");
    const join = await h.ask<JoinReply>({ kind: "join", edgeId: "e", actor: user("late") });
    assert.deepEqual(join.highlights, [span]);
  } finally {
    out.stop();
    await h.close();
  }
});

Deno.test("room: stats give viewers, chat and gifts per 10 s bucket, oldest first", async () => {
  const ledger = new FakeLedger();
  const h = await harness({ giftLedger: ledger, tickMs: 30, rateLimit: { burst: 100 } });
  const status = collect<RoomStatus>(h.engine.transport, roomStatusSubject(ROOM));
  /** The room counts viewers on its tick: wait until it published the count. */
  const viewers = async (n: number) => {
    await h.ask({ kind: "presence", edgeId: "edge-a", viewers: n });
    await waitFor(`${n} viewers`, () => status.items.at(-1)?.viewers === n);
  };
  try {
    await viewers(3);
    await h.say(user("a"), "one");
    await h.say(user("b"), "two");
    await h.ask({
      kind: "gift",
      actor: user("a"),
      giftId: "rose",
      count: 2,
      idempotencyKey: "key-stat-1",
    });
    h.clock.advance(10_000);
    await viewers(7);
    await h.say(user("c"), "three");
    h.clock.advance(20_000); // one empty bucket between
    const s = await h.ask<StatsReply>({ kind: "stats" });
    assert.equal(s.bucketMs, 10_000);
    assert.deepEqual(
      s.points.map((p) => [p.viewers, p.danmaku, p.gifts, p.coins]),
      [[3, 2, 2, "200"], [7, 1, 0, "0"], [7, 0, 0, "0"]],
    );
    assert.deepEqual(s.points.map((p) => p.t - s.points[0].t), [0, 10_000, 20_000]);
    assert.equal(s.current.t, s.points[0].t + 30_000);
    assert.equal(s.current.danmaku, 0);
  } finally {
    status.stop();
    await h.close();
  }
});
