/**
 * An activation's start-up (state load, claim write, alarms, the actor's own `onActivate`)
 * finishes before it handles anything: messages, timers set in `onActivate` and alarms that
 * come due while it loads wait in the mailbox (classified and bounded as usual), and the
 * gating holds through a crash in start-up, fencing during start-up and a passivation asked
 * for while loading. The actor below blocks its `onActivate` on a gate the test opens.
 */
import assert from "node:assert/strict";
import { Actor, type ActorContext, ActorError, type ActorType } from "../engine/actor.ts";
import { ActorSystem } from "../engine/runtime.ts";
import { DenoKvStateStore } from "../engine/state_store_denokv.ts";
import type { StateStore } from "../engine/state_store.ts";
import { MemoryTransport } from "../engine/transport_memory.ts";
import { createLogger } from "../engine/log.ts";

type State = { n: number };
type Msg = { op: "note"; tag: string; chat?: boolean } | { op: "save" };

/** What every activation of every gated actor did, in order. */
type Journal = string[];

interface Gates {
  /** Resolve to let `onActivate` finish; reject to make it throw. */
  next: PromiseWithResolvers<void>[];
  /** Resolved when an `onActivate` is waiting on its gate. */
  entered: PromiseWithResolvers<void>;
}

function gates(): Gates {
  return { next: [], entered: Promise.withResolvers() };
}

/** Opens the gate of the activation that is waiting (or the next one). */
function gateFor(g: Gates): PromiseWithResolvers<void> {
  const gate = Promise.withResolvers<void>();
  g.next.push(gate);
  return gate;
}

class Gated extends Actor<State, Msg, unknown> {
  readonly #tag: string;
  constructor(ctx: ActorContext, state: State, readonly journal: Journal, readonly g: Gates) {
    super(ctx, state);
    this.#tag = `a${journal.filter((e) => e.startsWith("activate")).length + 1}`;
  }
  override classify(msg: Msg) {
    return msg.op === "note" && msg.chat ? "droppable" as const : "essential" as const;
  }
  override async onActivate() {
    this.journal.push(`activate ${this.#tag}`);
    this.ctx.setTimer("soon", 0); // a timer set during start-up
    const gate = this.g.next.shift();
    this.g.entered.resolve();
    if (gate) await gate.promise;
    await this.ctx.persist(); // start-up's own write (fenced if a newer owner wrote)
    this.journal.push(`ready ${this.#tag}`);
  }
  override receive(msg: Msg) {
    if (msg.op === "save") {
      this.state.n++;
      return this.ctx.persist().then(() => this.state.n);
    }
    this.journal.push(`${msg.tag} ${this.#tag}`);
    return msg.tag;
  }
  override onTimer(name: string) {
    this.journal.push(`timer ${name} ${this.#tag}`);
  }
  override onPassivate() {
    this.journal.push(`passivate ${this.#tag}`);
  }
}

function gatedType(journal: Journal, g: Gates): ActorType<State, Msg, unknown> {
  return {
    type: "gated",
    initialState: () => ({ n: 0 }),
    create: (ctx, state) => new Gated(ctx, state, journal, g),
  };
}

const quiet = createLogger({ test: "activation" }, "error");

async function setup(opts: { mailboxCapacity?: number } = {}) {
  const dir = await Deno.makeTempDir();
  const store = await DenoKvStateStore.open(`${dir}/state.kv`);
  const systems: ActorSystem[] = [];
  const open = (journal: Journal, g: Gates, s: StateStore = store) => {
    const system = new ActorSystem({
      store: s,
      transport: new MemoryTransport(),
      partitions: 4,
      log: quiet,
      mailboxCapacity: opts.mailboxCapacity,
    });
    system.register(gatedType(journal, g));
    systems.push(system);
    return system;
  };
  return {
    store,
    open,
    async cleanup() {
      for (const s of systems) await s.close();
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Lets pending timers and microtasks run (not a wait for anything in particular). */
const turn = () => new Promise((r) => setTimeout(r, 0));

/** Waits until `cond` holds (bounded; never a measure of time). */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await turn();
  }
}

Deno.test("no message or timer is handled before onActivate has finished", async () => {
  const env = await setup();
  const journal: Journal = [];
  const g = gates();
  const gate = gateFor(g);
  const system = env.open(journal, g);
  try {
    const replies = ["m1", "m2", "m3"].map((tag) => system.ask("gated", "x", { op: "note", tag }));
    let settled = 0;
    for (const r of replies) r.then(() => settled++, () => settled++);
    await g.entered.promise;
    // Everything has reached the mailbox: the three messages and the start-up's timer.
    await until(() => system.stats().mailboxDepth === 4, "messages and timer queued");
    await turn();
    assert.deepEqual(journal, ["activate a1"], "nothing handled while onActivate awaits");
    assert.equal(system.stats().processed, 0);
    assert.equal(settled, 0, "no sender got an answer yet");
    assert.equal(system.stats().activations, 0, "not counted as active before start-up ends");

    gate.resolve();
    assert.deepEqual(await Promise.all(replies), ["m1", "m2", "m3"]);
    await until(() => journal.includes("timer soon a1"), "the start-up timer fired");
    assert.deepEqual(journal, [
      "activate a1",
      "ready a1",
      "m1 a1",
      "m2 a1",
      "m3 a1",
      "timer soon a1",
    ]);
  } finally {
    await env.cleanup();
  }
});

Deno.test("messages queued during start-up are classified and bounded as usual", async () => {
  const env = await setup({ mailboxCapacity: 3 });
  const journal: Journal = [];
  const g = gates();
  const gate = gateFor(g);
  const system = env.open(journal, g);
  try {
    const outcome = (p: Promise<unknown>) => p.then(() => "ok", (e: ActorError) => e.code);
    const first = outcome(system.ask("gated", "y", { op: "note", tag: "first" }));
    await g.entered.promise; // the actor exists and is in its start-up
    const chats = Array.from(
      { length: 10 },
      (_, i) => outcome(system.ask("gated", "y", { op: "note", tag: `c${i}`, chat: true })),
    );
    const commands = Array.from(
      { length: 5 },
      (_, i) => outcome(system.ask("gated", "y", { op: "note", tag: `k${i}` })),
    );
    // The mailbox bound refuses chat at once, while start-up is still waiting.
    let refusedEarly = 0;
    for (const c of chats) c.then((r) => r === "mailbox_full" && refusedEarly++);
    await until(() => refusedEarly === 7, "chat past the bound refused during start-up");
    assert.ok(!journal.includes("ready a1"));

    gate.resolve();
    assert.equal(await first, "ok");
    const chatResults = await Promise.all(chats);
    assert.equal(chatResults.filter((r) => r === "ok").length, 3);
    assert.deepEqual(await Promise.all(commands), Array(5).fill("ok"));
    assert.equal(system.stats().dropped, 7);
  } finally {
    await env.cleanup();
  }
});

Deno.test("a crash in start-up restarts it; waiting messages are handled once, after it", async () => {
  const env = await setup();
  const journal: Journal = [];
  const g = gates();
  const failing = gateFor(g);
  const system = env.open(journal, g);
  try {
    const replies = ["m1", "m2"].map((tag) => system.ask("gated", "z", { op: "note", tag }));
    await g.entered.promise;
    g.entered = Promise.withResolvers();
    const second = gateFor(g);
    failing.reject(new Error("settings unreachable"));
    await g.entered.promise; // the restarted start-up waits again
    await turn();
    assert.deepEqual(journal, ["activate a1", "activate a2"]);
    assert.equal(system.stats().processed, 0);
    second.resolve();
    assert.deepEqual(await Promise.all(replies), ["m1", "m2"]);
    assert.deepEqual(journal.filter((e) => e.startsWith("m")), ["m1 a2", "m2 a2"]);
    assert.equal(system.stats().restarts, 1);
  } finally {
    await env.cleanup();
  }
});

Deno.test("fenced during start-up: no message handled, senders told to retry, timers dropped", async () => {
  const env = await setup();
  const journalA: Journal = [];
  const ga = gates();
  const a = env.open(journalA, ga);
  const journalB: Journal = [];
  const b = env.open(journalB, gates()); // never gated
  try {
    assert.equal(await b.ask("gated", "f", { op: "save" }), 1); // the state exists
    await b.passivate("gated", "f");
    const gate = gateFor(ga);
    const queued = a.ask("gated", "f", { op: "note", tag: "m1" });
    await ga.entered.promise; // a loaded and claimed; its onActivate waits
    // A newer owner takes the actor over meanwhile (claims and writes).
    assert.equal(await b.ask("gated", "f", { op: "save" }), 2);
    gate.resolve(); // a's start-up write is refused: fenced
    await assert.rejects(
      queued,
      (e: unknown) => e instanceof ActorError && e.code === "stale_activation",
    );
    assert.equal(a.stats().fenced, 1);
    await turn();
    assert.deepEqual(journalA, ["activate a1"], "neither the message nor the timer ran");
    assert.equal(a.stats().processed, 0);
    assert.equal(a.isActive("gated", "f"), false);
  } finally {
    await env.cleanup();
  }
});

Deno.test("a passivation asked for during start-up runs after it and after earlier messages", async () => {
  const env = await setup();
  const journal: Journal = [];
  const g = gates();
  const gate = gateFor(g);
  const system = env.open(journal, g);
  try {
    const before = system.ask("gated", "p", { op: "note", tag: "before" });
    await g.entered.promise;
    const passivated = system.passivate("gated", "p");
    // Arrives after the request: goes to a fresh activation once this one has stopped.
    const after = system.ask("gated", "p", { op: "note", tag: "after" });
    await turn();
    assert.deepEqual(journal, ["activate a1"]);
    gate.resolve();
    assert.equal(await before, "before");
    await passivated;
    assert.equal(await after, "after");
    const at = (e: string) => journal.indexOf(e);
    assert.deepEqual(journal.slice(0, 3), ["activate a1", "ready a1", "before a1"]);
    assert.ok(at("passivate a1") > at("before a1"));
    assert.ok(at("activate a2") > at("passivate a1"), "the successor waited for the stop");
    assert.ok(at("after a2") > at("ready a2"));
  } finally {
    await env.cleanup();
  }
});

Deno.test("an alarm that comes due during start-up fires after it", async () => {
  const env = await setup();
  const journal: Journal = [];
  const g = gates();
  const gate = gateFor(g);
  // A stored actor with an alarm already due (as after a restart).
  await env.store.set(["actor", "gated", "al"], { state: { n: 0 }, alarms: { due: 1 } }, null);
  const system = env.open(journal, g);
  try {
    const reply = system.ask("gated", "al", { op: "note", tag: "m1" });
    await g.entered.promise;
    // The message, the start-up timer and the due alarm are all waiting.
    await until(() => system.stats().mailboxDepth === 3, "alarm queued");
    await turn();
    assert.deepEqual(journal, ["activate a1"]);
    gate.resolve();
    assert.equal(await reply, "m1");
    await until(() => journal.includes("timer due a1"), "the alarm fired");
    assert.ok(journal.indexOf("timer due a1") > journal.indexOf("ready a1"));
  } finally {
    await env.cleanup();
  }
});
