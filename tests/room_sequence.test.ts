/**
 * A room's batch sequence across owners: strictly increasing after a crash (never reusing a
 * number the dead owner may have published), without a gap after a clean hand-over, and
 * never published before the block it comes from is stored. Messages are sent while the new
 * owner's start-up is still reading the room's settings (the race behind issue 17): they
 * wait for the start-up, so they cannot be published with a number from before it.
 */
import assert from "node:assert/strict";
import { decodeJson } from "../engine/codec.ts";
import { type EmbeddedEngine, startEmbeddedEngine } from "../engine/embedded.ts";
import { DenoKvStateStore } from "../engine/state_store_denokv.ts";
import type { StateKey, StateStore, Version } from "../engine/state_store.ts";
import { MemoryTransport } from "../engine/transport_memory.ts";
import type { PublishOptions } from "../engine/transport.ts";
import {
  type Actor,
  type RoomBatch,
  roomOutSubject,
  type RoomSettings,
  type SayReply,
} from "../actors/room/contract.ts";
import { ROOM_ACTOR_TYPE, roomActorType } from "../actors/room/room_actor.ts";

const ROOM = "seq-room";
const user = (id: string): Actor => ({ userId: id, name: id, kind: "user", roles: [] });

/** The highest `seqReserved` the store has acknowledged for the room. */
class ReservationWatch implements StateStore {
  readonly kind = "denokv";
  durable = 0;
  /** Writes after this many more are held (a store that stops answering); `null`: none. */
  #holdAfter: number | null = null;
  #held = Promise.withResolvers<void>();
  waiting = 0;
  constructor(readonly inner: StateStore) {}
  holdAfter(writes: number): void {
    this.#holdAfter = writes;
  }
  releaseHeld(): void {
    this.#holdAfter = null;
    this.#held.resolve();
  }
  get<T>(key: StateKey) {
    return this.inner.get<T>(key);
  }
  async set<T>(key: StateKey, value: T, expected: Version | null) {
    if (this.#holdAfter !== null && this.#holdAfter-- <= 0) {
      this.waiting++;
      await this.#held.promise;
    }
    const version = await this.inner.set(key, value, expected);
    const reserved = (value as { state?: { seqReserved?: number } }).state?.seqReserved;
    if (version !== null && key[2] === ROOM && typeof reserved === "number") {
      this.durable = reserved;
    }
    return version;
  }
  delete(key: StateKey, expected: Version) {
    return this.inner.delete(key, expected);
  }
  list<T>(prefix: StateKey) {
    return this.inner.list<T>(prefix);
  }
  close() {
    return this.inner.close();
  }
}

/** Records each batch with the durable reservation at the moment it was published. */
class WatchedTransport extends MemoryTransport {
  published: { batch: RoomBatch; durable: number }[] = [];
  constructor(public watch: { durable: number }) {
    super();
  }
  override publish(subject: string, data: Uint8Array, opts?: PublishOptions): void {
    if (subject === roomOutSubject(ROOM)) {
      this.published.push({ batch: decodeJson<RoomBatch>(data), durable: this.watch.durable });
    }
    super.publish(subject, data, opts);
  }
}

/** Settings read at activation; `hold()` makes the next read wait until released. */
class SlowSettings {
  #held: PromiseWithResolvers<void> | undefined;
  reading = Promise.withResolvers<void>();
  hold(): () => void {
    const gate = Promise.withResolvers<void>();
    this.#held = gate;
    this.reading = Promise.withResolvers();
    return () => gate.resolve();
  }
  async load(): Promise<RoomSettings | null> {
    const gate = this.#held;
    this.#held = undefined;
    this.reading.resolve();
    if (gate) await gate.promise;
    return null;
  }
}

async function rig(opts: { tickMs?: number; settingsTimeoutMs?: number } = {}) {
  const dir = await Deno.makeTempDir({ prefix: "room_seq_" });
  const watch = new ReservationWatch(await DenoKvStateStore.open(`${dir}/a.kv`));
  const transport = new WatchedTransport(watch);
  const settings = new SlowSettings();
  const engines: EmbeddedEngine[] = [];
  const start = (store: StateStore) =>
    startEmbeddedEngine({
      store,
      transport,
      // Dirty state is written late: what a crash loses is the published `seq`.
      persistIntervalMs: 60_000,
      types: [
        roomActorType({
          tickMs: opts.tickMs ?? 10,
          settings,
          settingsTimeoutMs: opts.settingsTimeoutMs,
          rateLimit: { burst: 50 },
        }),
      ],
    }).then((e) => (engines.push(e), e));
  const say = (e: EmbeddedEngine, who: string, text: string) =>
    e.client.ask<SayReply>(ROOM_ACTOR_TYPE, ROOM, { kind: "say", actor: user(who), text });
  const batches = () => transport.published.map((p) => p.batch);
  const texts = () =>
    batches().flatMap((b) => b.events.flatMap((e) => e.t === "danmaku" ? [e.d.text] : []));
  return {
    dir,
    watch,
    transport,
    settings,
    start,
    say,
    batches,
    texts,
    async until(what: string, cond: () => boolean) {
      for (let i = 0; !cond(); i++) {
        if (i > 1000) throw new Error(`timed out waiting for: ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async cleanup() {
      for (const e of engines) await e.close().catch(() => {});
      await watch.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/**
 * The first text activates the room; the others are sent while its start-up is reading the
 * settings. Returns once all of them were queued (or, without the gating, handled).
 */
async function sayDuringStartUp(
  r: Awaited<ReturnType<typeof rig>>,
  engine: EmbeddedEngine,
  texts: string[],
): Promise<Promise<SayReply>[]> {
  const replies = [r.say(engine, `u-${texts[0]}`, texts[0])];
  await r.settings.reading.promise;
  for (const t of texts.slice(1)) replies.push(r.say(engine, `u-${t}`, t));
  let answered = 0;
  for (const p of replies) p.then(() => answered++, () => answered++);
  await r.until(
    "the says reached the room",
    () => engine.system.stats().mailboxDepth >= texts.length || answered === texts.length,
  );
  return replies;
}

/** Every batch was published below a reservation the store had already acknowledged. */
function assertPersistBeforePublish(published: { batch: RoomBatch; durable: number }[]) {
  for (const { batch, durable } of published) {
    assert.ok(batch.seq < durable, `batch ${batch.seq} published with ${durable} stored`);
  }
}

Deno.test("room: after a crash, batches continue above every number the dead owner could use", async () => {
  const r = await rig();
  try {
    const first = await r.start(r.watch);
    for (const t of ["one", "two", "three"]) await r.say(first, `u-${t}`, t);
    await r.until("three published", () => r.texts().length === 3);
    const lastBefore = r.batches().at(-1)!.seq;
    // The crash: the next owner finds what the store held at this moment (the published
    // `seq` was never written: dirty state waits for the persist interval).
    const snapshot = await r.watch.get(["actor", ROOM_ACTOR_TYPE, ROOM]);
    assert.ok(snapshot);
    const crashed = new ReservationWatch(await DenoKvStateStore.open(`${r.dir}/b.kv`));
    await crashed.set(["actor", ROOM_ACTOR_TYPE, ROOM], snapshot.value, null);
    await first.close();
    r.transport.published = [];
    r.transport.watch = crashed;

    const release = r.settings.hold();
    const next = await r.start(crashed);
    const during = await sayDuringStartUp(r, next, ["four", "five"]);
    release();
    await Promise.all(during);
    await r.say(next, "u-six", "six");
    await r.until("the new owner's batches", () => r.texts().length === 3);
    const seqs = r.batches().map((b) => b.seq);
    assert.ok(seqs[0] > lastBefore, `first batch ${seqs[0]} reuses nothing up to ${lastBefore}`);
    assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]), `increasing: ${seqs}`);
    assert.deepEqual(r.texts(), ["four", "five", "six"]);
    assertPersistBeforePublish(r.transport.published);
    await next.close();
    await crashed.close();
  } finally {
    await r.cleanup();
  }
});

Deno.test("room: a clean hand-over passes the next number on, even with messages during start-up", async () => {
  const r = await rig();
  try {
    const first = await r.start(r.watch);
    for (const t of ["one", "two", "three"]) await r.say(first, `u-${t}`, t);
    await r.until("three published", () => r.texts().length === 3);
    await first.close(); // clean: passivated, persisted
    const lastBefore = r.batches().at(-1)!.seq;

    const release = r.settings.hold();
    const next = await r.start(r.watch);
    const during = await sayDuringStartUp(r, next, ["four", "five"]);
    release();
    await Promise.all(during);
    await r.until("four and five published", () => r.texts().length === 5);
    await r.say(next, "u-six", "six");
    await r.until("six published", () => r.texts().length === 6);
    const after = r.batches().map((b) => b.seq).filter((s) => s > lastBefore);
    assert.deepEqual(
      after,
      after.map((_, i) => lastBefore + 1 + i),
      `no gap and no reuse after ${lastBefore}: ${r.batches().map((b) => b.seq)}`,
    );
    assertPersistBeforePublish(r.transport.published);
  } finally {
    await r.cleanup();
  }
});

Deno.test("room: a say acked but never published before a crash falls inside the gap viewers get", async () => {
  // A long tick: the first say goes out at once, the next waits for the tick (it is acked now).
  const r = await rig({ tickMs: 60_000 });
  try {
    const first = await r.start(r.watch);
    await r.say(first, "u-one", "one");
    await r.until("one published", () => r.texts().length === 1);
    const seen = r.batches().at(-1)!.seq; // what a viewer has
    const acked = await r.say(first, "u-two", "two");
    assert.equal(acked.ok, true);
    assert.deepEqual(r.texts(), ["one"], "acked, waiting for the next batch");
    // The owner dies now: the next one finds what the store holds.
    const snapshot = await r.watch.get(["actor", ROOM_ACTOR_TYPE, ROOM]);
    assert.ok(snapshot);
    const crashed = new ReservationWatch(await DenoKvStateStore.open(`${r.dir}/c.kv`));
    await crashed.set(["actor", ROOM_ACTOR_TYPE, ROOM], snapshot.value, null);
    await first.close(); // (a real crash would not publish "two" at all)
    r.transport.published = [];
    r.transport.watch = crashed;

    const next = await r.start(crashed);
    await r.say(next, "u-three", "three");
    await r.until("three published", () => r.texts().length === 1);
    const resumed = r.batches()[0].seq;
    // The viewer's next batch skips from `seen`: the gap (seen+1 .. resumed-1) holds the
    // number "two" would have had (seen + 1): the viewer is told it may have missed it.
    assert.ok(resumed > seen + 1, `gap after ${seen}: next batch ${resumed}`);
    assert.deepEqual(r.texts(), ["three"]);
    assertPersistBeforePublish(r.transport.published);
    await next.close();
    await crashed.close();
  } finally {
    await r.cleanup();
  }
});

Deno.test("room: nothing is acked before start-up has durably reserved its sequence numbers", async () => {
  const r = await rig();
  try {
    const first = await r.start(r.watch);
    await r.say(first, "u-zero", "zero");
    await r.until("zero published", () => r.texts().length === 1);
    await first.close(); // clean: the next owner continues right after this batch
    const seen = r.batches().at(-1)!.seq;

    // The next owner's claim write lands; the store stops answering after it (the owner is
    // about to die): whatever it reserves from now on is not durable.
    r.watch.holdAfter(1);
    const next = await r.start(r.watch);
    let acked = false;
    r.say(next, "u-one", "one").then(() => acked = true, () => {});
    await r.until("a write is held", () => r.watch.waiting > 0);
    for (let i = 0; i < 10; i++) await new Promise((res) => setTimeout(res, 0));
    // Had "one" been acked now, a crash would lose it with no gap: the durable state says the
    // next batch is seen + 1, and the next owner would publish exactly that number.
    assert.equal(acked, false, "acked before its sequence number was reserved durably");

    const snapshot = await r.watch.inner.get(["actor", ROOM_ACTOR_TYPE, ROOM]);
    assert.ok(snapshot);
    const crashed = new ReservationWatch(await DenoKvStateStore.open(`${r.dir}/d.kv`));
    await crashed.set(["actor", ROOM_ACTOR_TYPE, ROOM], snapshot.value, null);
    r.watch.releaseHeld();
    await next.close();
    r.transport.published = [];
    r.transport.watch = crashed;
    const third = await r.start(crashed);
    await r.say(third, "u-two", "two");
    await r.until("two published", () => r.texts().includes("two"));
    assert.ok(r.batches()[0].seq > seen, "no number reused");
    await third.close();
    await crashed.close();
  } finally {
    r.watch.releaseHeld();
    await r.cleanup();
  }
});

Deno.test("room: a settings read that never answers holds the start-up only up to its bound", async () => {
  const r = await rig({ settingsTimeoutMs: 100 });
  try {
    r.settings.hold(); // never released: the database does not answer
    const engine = await r.start(r.watch);
    const reply = await r.say(engine, "u-one", "one");
    assert.equal(reply.ok, true, "the room started with its last known settings");
    await r.until("one published", () => r.texts().includes("one"));
  } finally {
    await r.cleanup();
  }
});
