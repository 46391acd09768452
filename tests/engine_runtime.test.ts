import assert from "node:assert/strict";
import {
  Actor,
  type ActorContext,
  ActorError,
  type ActorType,
  deferReply,
} from "../engine/actor.ts";
import { startEmbeddedEngine } from "../engine/embedded.ts";
import { ActorSystem } from "../engine/runtime.ts";
import { DenoKvStateStore } from "../engine/state_store_denokv.ts";
import { MemoryTransport } from "../engine/transport_memory.ts";
import { CrashBackoff } from "../engine/resilience/backoff.ts";
import { waitForValue } from "./helpers/wait.ts";

/** A counter actor: records the order of messages, can crash, sleep, and set alarms. */
type CounterState = { seen: number[]; total: number; alarmsFired: string[]; activations: number };
type CounterMsg =
  | { op: "add"; n: number; chat?: boolean }
  | { op: "get" }
  | { op: "crash" }
  | { op: "refuse" }
  | { op: "slow"; ms: number; n: number; chat?: boolean }
  | { op: "alarm"; name: string; inMs: number }
  | { op: "later"; n: number }
  | { op: "timer"; name: string; inMs: number; thenCancel?: boolean }
  | { op: "cancel"; name: string };

class Counter extends Actor<CounterState, CounterMsg, unknown> {
  static crashesOnActivate = 0;
  override classify(msg: CounterMsg) {
    return "chat" in msg && msg.chat ? "droppable" as const : "essential" as const;
  }
  override onActivate() {
    this.state.activations++;
  }
  override async receive(msg: CounterMsg) {
    switch (msg.op) {
      case "add":
        this.state.seen.push(msg.n);
        this.state.total += msg.n;
        await this.ctx.persist();
        return this.state.total;
      case "get":
        return this.state;
      case "crash":
        this.state.total = -999; // must not survive the restart
        throw new Error("boom");
      case "refuse":
        throw new ActorError("refused", "no thanks");
      case "slow":
        await new Promise((r) => setTimeout(r, msg.ms));
        this.state.seen.push(msg.n);
        return msg.n;
      case "alarm":
        this.ctx.setAlarm(msg.name, this.ctx.now() + msg.inMs);
        await this.ctx.persist();
        return "armed";
      case "later":
        return deferReply(new Promise((r) => setTimeout(() => r(msg.n * 2), 30)));
      case "timer":
        this.ctx.setTimer(msg.name, msg.inMs);
        if (msg.thenCancel) this.ctx.clearTimer(msg.name);
        return "set";
      case "cancel":
        this.ctx.clearTimer(msg.name);
        return "cancelled";
    }
  }
  override async onTimer(name: string) {
    this.state.alarmsFired.push(name);
    await this.ctx.persist();
  }
}

const counterType = (idleMs?: number): ActorType<CounterState, CounterMsg, unknown> => ({
  type: "counters",
  idleMs,
  initialState: () => ({ seen: [], total: 0, alarmsFired: [], activations: 0 }),
  create: (ctx: ActorContext, state: CounterState) => new Counter(ctx, state),
});

async function tempStore() {
  const dir = await Deno.makeTempDir();
  const store = await DenoKvStateStore.open(`${dir}/state.kv`);
  return {
    store,
    path: `${dir}/state.kv`,
    async cleanup() {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("messages to one actor are handled one at a time, in order", async () => {
  const { store, cleanup } = await tempStore();
  const engine = await startEmbeddedEngine({ store, types: [counterType()] });
  try {
    const replies = await Promise.all(
      [5, 1, 4, 2, 3].map((n, i) =>
        engine.client.ask("counters", "a", { op: "slow", ms: 10 * n, n: i })
      ),
    );
    assert.deepEqual(replies, [0, 1, 2, 3, 4]);
    const state = await engine.client.ask<CounterState>("counters", "a", { op: "get" });
    assert.deepEqual(state.seen, [0, 1, 2, 3, 4]);
  } finally {
    await engine.close();
    await cleanup();
  }
});

Deno.test("an idle actor is passivated and re-activated from its persisted state", async () => {
  const { store, cleanup } = await tempStore();
  const engine = await startEmbeddedEngine({ store, types: [counterType(100)], idleMs: 100 });
  try {
    await engine.client.ask("counters", "b", { op: "add", n: 7 });
    assert.equal(engine.system.isActive("counters", "b"), true);
    await waitForValue(
      "the idle actor is passivated",
      () => Promise.resolve(engine.system.isActive("counters", "b") ? undefined : true),
      { timeoutMs: 10_000, stepMs: 20 },
    );
    assert.equal(await engine.client.ask("counters", "b", { op: "add", n: 3 }), 10);
    const s = await engine.client.ask<CounterState>("counters", "b", { op: "get" });
    assert.equal(s.activations, 2);
    assert.ok(engine.system.stats().passivations >= 1);
  } finally {
    await engine.close();
    await cleanup();
  }
});

Deno.test("state survives a process restart (new system, same store file)", async () => {
  const { store, path, cleanup } = await tempStore();
  let engine = await startEmbeddedEngine({ store, types: [counterType()] });
  await engine.client.ask("counters", "c", { op: "add", n: 2 });
  await engine.close();
  await store.close();
  const reopened = await DenoKvStateStore.open(path);
  engine = await startEmbeddedEngine({ store: reopened, types: [counterType()] });
  try {
    assert.equal(await engine.client.ask("counters", "c", { op: "add", n: 40 }), 42);
  } finally {
    await engine.close();
    await reopened.close();
    await cleanup().catch(() => {});
  }
});

Deno.test("a crash restarts only that actor, from its last persisted state", async () => {
  const { store, cleanup } = await tempStore();
  const engine = await startEmbeddedEngine({ store, types: [counterType()] });
  try {
    await engine.client.ask("counters", "d", { op: "add", n: 5 });
    await engine.client.ask("counters", "other", { op: "add", n: 1 });
    await assert.rejects(
      engine.client.ask("counters", "d", { op: "crash" }),
      (e: unknown) => e instanceof ActorError && e.code === "actor_crashed",
    );
    // The next message sees the persisted total, not the half-written -999.
    assert.equal(await engine.client.ask("counters", "d", { op: "add", n: 1 }), 6);
    const other = await engine.client.ask<CounterState>("counters", "other", { op: "get" });
    assert.equal(other.activations, 1, "the neighbour was not restarted");
    assert.equal(engine.system.stats().restarts, 1);
    // A refusal with a code is not a crash.
    await assert.rejects(
      engine.client.ask("counters", "d", { op: "refuse" }),
      (e: unknown) => e instanceof ActorError && e.code === "refused",
    );
    assert.equal(engine.system.stats().restarts, 1);
  } finally {
    await engine.close();
    await cleanup();
  }
});

/** The restart delays the runtime asked for and waited, in order. */
class RecordedBackoff extends CrashBackoff {
  readonly delays: number[] = [];
  override next(key: string, now: number): number {
    const delay = super.next(key, now);
    this.delays.push(delay);
    return delay;
  }
}

Deno.test("crash loops back off: later restarts wait longer", async () => {
  const { store, cleanup } = await tempStore();
  const backoff = new RecordedBackoff(100, 30_000, 60_000);
  const engine = await startEmbeddedEngine({
    store,
    types: [counterType()],
    crashBackoff: backoff,
  });
  try {
    for (let i = 0; i < 4; i++) {
      await assert.rejects(engine.client.ask("counters", "e", { op: "crash" }));
    }
    // The message after the fourth crash waits out that restart's delay, then is answered.
    assert.equal((await engine.client.ask<CounterState>("counters", "e", { op: "get" })).total, 0);
    assert.deepEqual(backoff.delays, [0, 100, 200, 400], "each restart of the loop waits longer");
    assert.equal(engine.system.stats().restarts, 4);
  } finally {
    await engine.close();
    await cleanup();
  }
});

Deno.test("a stale activation cannot overwrite newer state (fencing)", async () => {
  const { store, cleanup } = await tempStore();
  const a = await startEmbeddedEngine({ store, types: [counterType()] });
  const b = await startEmbeddedEngine({ store, types: [counterType()] });
  try {
    await a.client.ask("counters", "f", { op: "add", n: 1 }); // a reads+writes v1
    await b.client.ask("counters", "f", { op: "add", n: 10 }); // b activates from v1, writes v2
    await assert.rejects(
      a.system.ask("counters", "f", { op: "add", n: 100 }),
      (e: unknown) => e instanceof ActorError && e.code === "stale_activation",
    );
    assert.equal(a.system.stats().fenced, 1);
    const stored = await store.get<{ state: CounterState }>(["actor", "counters", "f"]);
    assert.equal(stored?.value.state.total, 11, "the stale write did not land");
    // The client retries "stale_activation": a fresh activation reads the newer state.
    assert.equal(await a.client.ask("counters", "f", { op: "add", n: 100 }), 111);
  } finally {
    await a.close();
    await b.close();
    await cleanup();
  }
});

Deno.test("a full mailbox drops chat with a reason but never commands", async () => {
  const { store, cleanup } = await tempStore();
  const engine = await startEmbeddedEngine({ store, types: [counterType()], mailboxCapacity: 5 });
  try {
    const blocker = engine.system.ask("counters", "g", { op: "slow", ms: 100, n: -1 });
    const chats = Array.from(
      { length: 20 },
      (_, i) =>
        engine.system.ask("counters", "g", { op: "slow", ms: 0, n: i, chat: true }).then(
          () => "ok",
          (e: ActorError) => e.code,
        ),
    );
    const commands = Array.from(
      { length: 20 },
      (_, i) =>
        engine.system.ask("counters", "g", { op: "add", n: 1000 + i }).then(
          () => "ok",
          (e: ActorError) => e.code,
        ),
    );
    await blocker;
    const chatResults = await Promise.all(chats);
    const commandResults = await Promise.all(commands);
    assert.equal(chatResults.filter((r) => r === "ok").length, 5);
    assert.equal(chatResults.filter((r) => r === "mailbox_full").length, 15);
    assert.deepEqual(commandResults, Array(20).fill("ok"));
    assert.equal(engine.system.stats().dropped, 15);
  } finally {
    await engine.close();
    await cleanup();
  }
});

Deno.test("chat that waited past shedStale.ms behind a backlog is refused when its turn comes; fresh chat, commands and a short backlog are handled", async () => {
  const { store, cleanup } = await tempStore();
  let now = Date.now();
  const engine = await startEmbeddedEngine({
    store,
    clock: () => now,
    types: [{ ...counterType(), shedStale: { ms: 100, backlog: 4 } }],
  });
  const outcome = (p: Promise<unknown>) => p.then(() => "ok", (e: ActorError) => e.code);
  const ask = (msg: CounterMsg) => outcome(engine.system.ask("counters", "q", msg));
  try {
    await ask({ op: "add", n: 1 }); // running: start-up is not part of any wait
    const blocker = ask({ op: "slow", ms: 50, n: -1 });
    const stale = Array.from({ length: 5 }, (_, i) => ask({ op: "slow", ms: 0, n: i, chat: true }));
    const command = ask({ op: "add", n: 2 });
    now += 101; // the backlog is now older than the bound ...
    const fresh = Array.from(
      { length: 3 },
      (_, i) => ask({ op: "slow", ms: 0, n: 10 + i, chat: true }),
    );
    assert.equal(await blocker, "ok");
    assert.deepEqual(await Promise.all(stale), Array(5).fill("mailbox_full"));
    assert.equal(await command, "ok", "commands are never shed");
    assert.deepEqual(await Promise.all(fresh), Array(3).fill("ok"));
    const state = await engine.system.ask<CounterState>("counters", "q", { op: "get" });
    assert.deepEqual(state.seen, [1, -1, 2, 10, 11, 12], "the stale chat was never handled");
    assert.equal(engine.system.stats().dropped, 5);

    // a short backlog (2 chats, fewer than 4) waits just as long and is still handled
    const blocker2 = ask({ op: "slow", ms: 50, n: -2 });
    const few = Array.from(
      { length: 2 },
      (_, i) => ask({ op: "slow", ms: 0, n: 20 + i, chat: true }),
    );
    now += 101;
    assert.equal(await blocker2, "ok");
    assert.deepEqual(await Promise.all(few), ["ok", "ok"]);
    assert.equal(engine.system.stats().dropped, 5);
  } finally {
    await engine.close();
    await cleanup();
  }
});

Deno.test("a durable alarm wakes a passivated actor, and survives a restart", async () => {
  const { store, path, cleanup } = await tempStore();
  let engine = await startEmbeddedEngine({ store, types: [counterType(50)], idleMs: 50 });
  await engine.client.ask("counters", "h", { op: "alarm", name: "soon", inMs: 300 });
  await engine.client.ask("counters", "h", { op: "alarm", name: "later", inMs: 900 });
  await engine.close(); // process "dies" before either alarm is due
  await store.close();
  const reopened = await DenoKvStateStore.open(path);
  engine = await startEmbeddedEngine({ store: reopened, types: [counterType(50)], idleMs: 50 });
  try {
    const fired = await waitForValue("both alarms fired", async () => {
      const stored = await reopened.get<{ state: CounterState }>(["actor", "counters", "h"]);
      const names = stored?.value.state.alarmsFired ?? [];
      return names.length >= 2 ? names : undefined;
    }, { timeoutMs: 10_000, stepMs: 30 });
    assert.deepEqual(fired, ["soon", "later"]);
  } finally {
    await engine.close();
    await reopened.close();
    await cleanup().catch(() => {});
  }
});

Deno.test("a one-shot timer fires once through the mailbox; re-setting replaces it, clearing cancels it", async () => {
  const { store, cleanup } = await tempStore();
  const engine = await startEmbeddedEngine({ store, types: [counterType()] });
  const ask = (msg: CounterMsg) => engine.client.ask("counters", "t", msg);
  const fired = async () => ((await ask({ op: "get" })) as CounterState).alarmsFired;
  try {
    await ask({ op: "timer", name: "now", inMs: 0 });
    await ask({ op: "timer", name: "gone", inMs: 0, thenCancel: true });
    await ask({ op: "timer", name: "twice", inMs: 30 });
    await ask({ op: "timer", name: "twice", inMs: 60 }); // replaces the first
    await ask({ op: "timer", name: "never", inMs: 30 });
    await ask({ op: "cancel", name: "never" });
    // Due after every other timer: once it has fired, a repeat or a cancelled one would have.
    await ask({ op: "timer", name: "last", inMs: 150 });
    await waitForValue(
      "the last timer fired",
      async () => (await fired()).includes("last") ? true : undefined,
      { timeoutMs: 10_000, stepMs: 10 },
    );
    const state = (await ask({ op: "get" })) as CounterState;
    assert.deepEqual(state.alarmsFired, ["now", "twice", "last"]);
    const stored = await store.get<{ alarms: Record<string, number> }>(["actor", "counters", "t"]);
    assert.deepEqual(stored?.value.alarms ?? {}, {}, "one-shot timers are not durable alarms");
  } finally {
    await engine.close();
    await cleanup();
  }
});

Deno.test("deferred replies let the actor go on with the next message", async () => {
  const { store, cleanup } = await tempStore();
  const engine = await startEmbeddedEngine({ store, types: [counterType()] });
  try {
    const later = engine.client.ask("counters", "i", { op: "later", n: 21 });
    const quick = await engine.client.ask("counters", "i", { op: "add", n: 1 });
    assert.equal(quick, 1, "the add ran while the deferred reply was pending");
    assert.equal(await later, 42);
  } finally {
    await engine.close();
    await cleanup();
  }
});

Deno.test("unknown actor types and closed systems answer with codes", async () => {
  const { store, cleanup } = await tempStore();
  const system = new ActorSystem({ store, transport: new MemoryTransport(), partitions: 4 });
  try {
    await assert.rejects(
      system.ask("nope", "x", {}),
      (e: unknown) => e instanceof ActorError && e.code === "unknown_actor_type",
    );
    await system.close();
    await assert.rejects(
      system.ask("nope", "x", {}),
      (e: unknown) => e instanceof ActorError && e.code === "system_closed",
    );
  } finally {
    await cleanup();
  }
});

Deno.test("a newer activation fences the older one on load, before changing anything", async () => {
  const { store, cleanup } = await tempStore();
  const a = await startEmbeddedEngine({ store, types: [counterType()] });
  const b = await startEmbeddedEngine({ store, types: [counterType()] });
  try {
    await a.client.ask("counters", "k", { op: "add", n: 1 }); // state exists
    await a.system.passivate("counters", "k");
    await a.client.ask("counters", "k", { op: "get" }); // a re-activates: reads and claims
    await b.client.ask("counters", "k", { op: "get" }); // b activates later: only reads
    await assert.rejects(
      a.system.ask("counters", "k", { op: "add", n: 100 }),
      (e: unknown) => e instanceof ActorError && e.code === "stale_activation",
    );
    assert.equal(await b.client.ask("counters", "k", { op: "add", n: 10 }), 11);
  } finally {
    await a.close();
    await b.close();
    await cleanup();
  }
});
