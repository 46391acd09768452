/**
 * The embedded engine's client asks its own actors without the transport (engine/client.ts,
 * `LocalActors`), yet what crosses is what the wire would carry: the actor and the sender each
 * get their own copy (plain JSON), a refusal arrives as the same ActorError, a handler that
 * never answers times out as a request does, and a partition no longer served here goes back
 * to the transport. FixedDeadlines (one timer for all of a client's timeouts) on its own too.
 */
import assert from "node:assert/strict";
import { Actor, ActorError, type ActorType, deferReply } from "../engine/actor.ts";
import { ActorClient } from "../engine/client.ts";
import { startEmbeddedEngine } from "../engine/embedded.ts";
import { FixedDeadlines } from "../engine/fixed_deadlines.ts";
import { createLogger } from "../engine/log.ts";
import { DenoKvStateStore } from "../engine/state_store_denokv.ts";
import type { Message, RequestOptions } from "../engine/transport.ts";
import { MemoryTransport } from "../engine/transport_memory.ts";

interface Kept {
  items: { n: number; tag?: string }[];
}

/** Keeps what it is sent, hands its state back, refuses `n < 0`, never answers `hang`. */
class Keeper extends Actor<Kept, Record<string, unknown>, unknown> {
  override receive(msg: Record<string, unknown>) {
    if (msg.op === "hang") return deferReply(new Promise(() => {}));
    if (msg.op === "state") return this.state;
    const item = msg.item as { n: number; tag?: string };
    if (item.n < 0) throw new ActorError("negative", "n must not be negative", { n: item.n });
    this.state.items.push(item);
    item.tag = "kept"; // the sender's object must not change
    return { kept: this.state.items.length, at: new Date(0), gone: undefined };
  }
}

const keeperType: ActorType<Kept> = {
  type: "keeper",
  initialState: () => ({ items: [] }),
  create: (ctx, state) => new Keeper(ctx, state as Kept),
};

/** The in-process transport, counting the requests that go through it. */
class CountingTransport extends MemoryTransport {
  requests = 0;
  override request(subject: string, data: Uint8Array, opts?: RequestOptions): Promise<Message> {
    this.requests++;
    return super.request(subject, data, opts);
  }
}

async function rig() {
  const dir = await Deno.makeTempDir({ prefix: "engine_local_" });
  const store = await DenoKvStateStore.open(`${dir}/state.kv`);
  const transport = new CountingTransport();
  const engine = await startEmbeddedEngine({
    store,
    transport,
    partitions: 4,
    log: createLogger({ test: "local" }, "error"),
    types: [keeperType],
  });
  // a client of another process: no local actors, everything over the transport
  const remote = new ActorClient(transport, { partitions: 4, retries: 0 });
  return {
    engine,
    transport,
    remote,
    async close() {
      await engine.close();
      await transport.close();
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("a local ask skips the transport and carries what the wire would", async () => {
  const r = await rig();
  try {
    const item = { n: 1 };
    const local = await r.engine.client.ask("keeper", "k1", { op: "keep", item });
    assert.equal(r.transport.requests, 0, "served here: no transport request");
    assert.deepEqual(item, { n: 1 }, "the actor's change to its copy does not reach the sender");
    item.n = 99; // nor does the sender's later change reach the actor
    const viaWire = await r.remote.ask("keeper", "k1", { op: "keep", item: { n: 2 } });
    assert.equal(r.transport.requests, 1);
    // JSON's rules on both paths: a Date arrives as text, an undefined field is left out
    assert.deepEqual(local, { kept: 1, at: new Date(0).toISOString() });
    assert.deepEqual(viaWire, { kept: 2, at: new Date(0).toISOString() });

    const state = await r.engine.client.ask<Kept>("keeper", "k1", { op: "state" });
    assert.deepEqual(state.items, [{ n: 1, tag: "kept" }, { n: 2, tag: "kept" }]);
    state.items.length = 0; // the reply is the sender's own copy
    const again = await r.engine.client.ask<Kept>("keeper", "k1", { op: "state" });
    assert.equal(again.items.length, 2);

    // a refusal: the same ActorError (code, message, details) on both paths
    const refusal = (p: Promise<unknown>) =>
      p.then(() => assert.fail("refused expected"), (e) => e as ActorError);
    const a = await refusal(r.engine.client.ask("keeper", "k1", { op: "keep", item: { n: -1 } }));
    const b = await refusal(r.remote.ask("keeper", "k1", { op: "keep", item: { n: -2 } }));
    assert.ok(a instanceof ActorError && b instanceof ActorError);
    assert.deepEqual([a.code, a.message, a.details], ["negative", b.message, { n: -1 }]);
    // an id no subject can carry is refused on the local path too
    await assert.rejects(r.engine.client.ask("keeper", "a b", { op: "state" }), /invalid subject/);
    assert.equal(r.transport.requests, 2);
  } finally {
    await r.close();
  }
});

Deno.test("a local ask that is never answered times out like a request", async () => {
  const dir = await Deno.makeTempDir({ prefix: "engine_local_" });
  const store = await DenoKvStateStore.open(`${dir}/state.kv`);
  const engine = await startEmbeddedEngine({
    store,
    log: createLogger({ test: "local" }, "error"),
    types: [keeperType],
  });
  // the embedded engine's own client, with a short timeout
  const client = new ActorClient(engine.transport, {
    partitions: 64,
    timeoutMs: 200,
    local: { serves: () => true, ask: (t, id, m) => engine.system.ask(t, id, m) },
  });
  try {
    const err = await client.ask("keeper", "k2", { op: "hang" }).catch((e) => e);
    assert.ok(err instanceof ActorError);
    assert.equal(err.code, "timeout");
    // the actor goes on with its next message
    assert.deepEqual(await client.ask("keeper", "k2", { op: "keep", item: { n: 3 } }), {
      kept: 1,
      at: new Date(0).toISOString(),
    });
  } finally {
    await engine.close();
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a partition this process no longer serves is asked over the transport", async () => {
  const r = await rig();
  try {
    await r.engine.client.ask("keeper", "k3", { op: "state" });
    assert.equal(r.transport.requests, 0);
    await r.engine.host.releaseAll();
    const err = await new ActorClient(r.engine.transport, {
      partitions: 4,
      retries: 0,
      local: {
        serves: (type, id) => r.engine.host.serves(type, id),
        ask: (t, id, m) => r.engine.system.ask(t, id, m),
      },
    }).ask("keeper", "k3", { op: "state" }).catch((e) => e);
    assert.equal(r.transport.requests, 1, "not served here: over the transport");
    assert.equal((err as ActorError).code, "unavailable");
  } finally {
    await r.close();
  }
});

Deno.test("fixed deadlines fire in order, once, and not when cancelled", async () => {
  const deadlines = new FixedDeadlines(30);
  const fired: string[] = [];
  const a = deadlines.add(() => fired.push("a"));
  const b = deadlines.add(() => fired.push("b"));
  deadlines.add(() => fired.push("c"));
  a.cancel();
  assert.equal(deadlines.size, 2);
  const done = Promise.withResolvers<void>();
  deadlines.add(() => done.resolve());
  await done.promise;
  b.cancel(); // too late: already fired, nothing happens
  assert.deepEqual(fired, ["b", "c"]);
  assert.equal(deadlines.size, 0);
  // all answered in time: nothing fires and no timer is left behind (the test sanitizer)
  const x = deadlines.add(() => fired.push("x"));
  const y = deadlines.add(() => fired.push("y"));
  y.cancel();
  x.cancel();
  assert.equal(deadlines.size, 0);
  assert.deepEqual(fired, ["b", "c"]);
});
