/**
 * Batched asks (engine/client.ts `askBatched`, engine/gather.ts, the host's batch subject):
 * messages to one actor in one window travel as one request and each caller gets its own
 * answer, in order, accepted or refused with its own code; a full batch goes at once; items
 * wait for company only after a busy window, and never past its end; a batch nobody serves (an engine without batches, an owner gone)
 * goes again message by message and meets single messages' retries and errors; a batch that
 * times out fails its own messages only; an unknown batch version is refused clearly.
 */
import assert from "node:assert/strict";
import { Actor, ActorError, type ActorType, deferReply } from "../engine/actor.ts";
import { ActorClient } from "../engine/client.ts";
import { decodeJson, encodeJson } from "../engine/codec.ts";
import type { ActorReply, ActorRequest } from "../engine/envelope.ts";
import { BUSY_ITEMS, Gather, type GatherOptions } from "../engine/gather.ts";
import { ActorHost } from "../engine/host.ts";
import { createLogger } from "../engine/log.ts";
import { actorBatchSubject, partitionPattern } from "../engine/partition.ts";
import { ActorSystem } from "../engine/runtime.ts";
import { DenoKvStateStore } from "../engine/state_store_denokv.ts";
import type { Message, RequestOptions } from "../engine/transport.ts";
import { MemoryTransport } from "../engine/transport_memory.ts";

const P = 4;

/** Numbers its messages; refuses `n < 0`, never answers `hang`. */
class Tally extends Actor<{ count: number }, { n: number; op?: string }, unknown> {
  override receive(msg: { n: number; op?: string }) {
    if (msg.op === "hang") return deferReply(new Promise(() => {}));
    if (msg.n < 0) throw new ActorError("negative", "n must not be negative", { n: msg.n });
    return { n: msg.n, seq: ++this.state.count };
  }
}

const tallyType: ActorType<{ count: number }> = {
  type: "tally",
  initialState: () => ({ count: 0 }),
  create: (ctx, state) => new Tally(ctx, state as { count: number }),
};

/** The in-process transport, keeping the subject and size of every request. */
class CountingTransport extends MemoryTransport {
  requests: { subject: string; n?: number }[] = [];
  override request(subject: string, data: Uint8Array, opts?: RequestOptions): Promise<Message> {
    const body = decodeJson<{ msgs?: unknown[] }>(data);
    this.requests.push({ subject, n: body.msgs?.length });
    return super.request(subject, data, opts);
  }
  batches(): number[] {
    return this.requests.filter((r) => r.subject.endsWith(".batch")).map((r) => r.n ?? 0);
  }
  singles(): number {
    return this.requests.filter((r) => !r.subject.endsWith(".batch")).length;
  }
}

const WINDOW: GatherOptions = { windowMs: 30, maxItems: 64, maxBytes: 64 * 1024 };

async function rig(opts: { serve?: "batches" | "singles only" | "none"; retries?: number } = {}) {
  const store = await DenoKvStateStore.open(":memory:");
  const transport = new CountingTransport();
  const system = new ActorSystem({
    store,
    transport,
    partitions: P,
    log: createLogger({ test: "batches" }, "error"),
  });
  system.register(tallyType);
  const host = new ActorHost(system, transport, { partitions: P });
  const subs: { unsubscribe(): void }[] = [];
  const serve = opts.serve ?? "batches";
  if (serve === "batches") host.ownAll();
  if (serve === "singles only") {
    // an engine of the version before batches: single requests only
    for (let k = 0; k < P; k++) {
      subs.push(transport.subscribe(partitionPattern("tally", k), async (msg) => {
        const id = msg.subject.slice(msg.subject.lastIndexOf(".") + 1);
        const req = decodeJson<ActorRequest>(msg.data);
        const reply: ActorReply = await system.ask("tally", id, req.msg).then(
          (result) => ({ ok: true, result }),
          (err: ActorError) => ({ ok: false, error: { code: err.code, message: err.message } }),
        );
        msg.respond(encodeJson(reply));
      }));
    }
  }
  const client = new ActorClient(transport, {
    partitions: P,
    timeoutMs: 300,
    retries: opts.retries ?? 8,
    batch: WINDOW,
  });
  return {
    transport,
    system,
    host,
    client,
    async close() {
      for (const s of subs) s.unsubscribe();
      await host.releaseAll();
      await system.close();
      await transport.close();
      store.close();
    },
  };
}

/** Settles each promise, recording the order in which they settled. */
function settleInOrder<T>(promises: Promise<T>[]) {
  const order: number[] = [];
  return {
    order,
    all: Promise.allSettled(
      promises.map((p, i) =>
        p.finally(() => {
          order.push(i);
        })
      ),
    ),
  };
}

const code = (r: PromiseSettledResult<unknown>) =>
  r.status === "rejected" ? (r.reason as ActorError).code : "ok";

Deno.test("batched asks: one request per window; each caller gets its own answer, in order", async () => {
  const r = await rig();
  try {
    const ns = [1, 2, -3, 4, -5];
    const { order, all } = settleInOrder(ns.map((n) => r.client.askBatched("tally", "t1", { n })));
    const other = r.client.askBatched("tally", "t2", { n: 9 }); // another actor: its own batch
    const results = await all;
    assert.deepEqual(results.map(code), ["ok", "ok", "negative", "ok", "negative"]);
    assert.deepEqual(
      results.filter((x) => x.status === "fulfilled").map((x) => x.value),
      [{ n: 1, seq: 1 }, { n: 2, seq: 2 }, { n: 4, seq: 3 }],
    );
    const refused = results[2] as PromiseRejectedResult;
    assert.ok(refused.reason instanceof ActorError);
    assert.deepEqual(refused.reason.details, { n: -3 }, "a refusal keeps its own details");
    assert.deepEqual(order, [0, 1, 2, 3, 4], "answers arrive in the order asked");
    assert.deepEqual(await other, { n: 9, seq: 1 });
    assert.deepEqual(r.transport.batches(), [5, 1]);
    assert.equal(r.transport.singles(), 0);
    assert.equal(
      r.transport.requests[0].subject,
      actorBatchSubject("tally", "t1", P),
      "tally.p{k}.t1.batch",
    );
  } finally {
    await r.close();
  }
});

Deno.test("batched asks: a full batch goes at once", async () => {
  const r = await rig();
  try {
    const client = new ActorClient(r.transport, {
      partitions: P,
      batch: { ...WINDOW, maxItems: 3 },
    });
    const asks = Array.from({ length: 7 }, (_, n) => client.askBatched("tally", "t1", { n }));
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    // 3 and 3 went when full, the 7th on the next microtask (the actor is not busy yet)
    assert.deepEqual(r.transport.batches(), [3, 3, 1]);
    const answers = await Promise.all(asks);
    assert.deepEqual(answers.map((a) => (a as { seq: number }).seq), [1, 2, 3, 4, 5, 6, 7]);
  } finally {
    await r.close();
  }
});

Deno.test("gather: items wait for the window's end only after a busy window", async () => {
  const windows: (() => void)[] = [];
  const sent: string[][] = [];
  const g = new Gather<string>(
    { windowMs: 20, maxItems: 64, maxBytes: 10 },
    (_key, items) => void sent.push(items),
    (fn) => void windows.push(fn),
  );
  const turn = () => new Promise<void>((resolve) => queueMicrotask(resolve));
  const endWindow = () => windows.shift()!();
  // quiet: each goes at once, with what joined it in the same turn
  g.add("k", "a", 1);
  g.add("k", "b", 1);
  await turn();
  g.add("k", "c", 1);
  await turn();
  assert.deepEqual(sent, [["a", "b"], ["c"]]);
  g.add("k", "d", 1); // the window's 4th (BUSY_ITEMS)
  await turn();
  assert.equal(BUSY_ITEMS, 4);
  endWindow(); // a busy window: the next one gathers
  for (const x of ["e", "f", "g"]) g.add("k", x, 1);
  await turn();
  assert.deepEqual(sent.length, 3, "busy: they wait for the window's end");
  g.add("k", "h", 8); // 3 + 8 bytes > 10: what waits goes first
  assert.deepEqual(sent.slice(3), [["e", "f", "g"]]);
  endWindow(); // sends h; 4 items seen: still busy
  assert.deepEqual(sent.slice(4), [["h"]]);
  g.add("k", "i", 1);
  await turn();
  assert.equal(sent.length, 5);
  endWindow(); // sends i; one item seen: not busy any more
  assert.deepEqual(sent.slice(5), [["i"]]);
  g.add("k", "j", 1);
  await turn();
  assert.deepEqual(sent.slice(6), [["j"]], "quiet again: at once");
  endWindow();
  assert.equal(g.keys, 1);
  endWindow(); // a window without items: the key is forgotten
  assert.equal(g.keys, 0);
  assert.equal(windows.length, 0);
});

Deno.test("batched asks: an engine without batches gets the messages one by one", async () => {
  const r = await rig({ serve: "singles only" });
  try {
    const results = await Promise.allSettled(
      [1, -2, 3].map((n) => r.client.askBatched("tally", "t1", { n })),
    );
    assert.deepEqual(results.map(code), ["ok", "negative", "ok"]);
    assert.deepEqual(
      results.filter((x) => x.status === "fulfilled").map((x) => x.value),
      [{ n: 1, seq: 1 }, { n: 3, seq: 2 }],
      "in the order asked",
    );
    assert.deepEqual(r.transport.batches(), [3], "one batch: no responders");
    assert.equal(r.transport.singles(), 3);
  } finally {
    await r.close();
  }
});

Deno.test("batched asks: while no engine owns the actor, they are retried as single asks are", async () => {
  const r = await rig({ serve: "none" });
  try {
    const pending = [1, 2, 3].map((n) => r.client.askBatched("tally", "t1", { n }));
    await new Promise((resolve) => setTimeout(resolve, 150));
    r.host.ownAll(); // the new owner takes the partition
    const answers = (await Promise.all(pending)) as { n: number; seq: number }[];
    assert.deepEqual(answers.map((a) => a.n), [1, 2, 3]);
    assert.deepEqual(answers.map((a) => a.seq).sort(), [1, 2, 3]);
  } finally {
    await r.close();
  }
  const gone = await rig({ serve: "none", retries: 1 });
  try {
    const results = await Promise.allSettled(
      [1, 2].map((n) => gone.client.askBatched("tally", "t1", { n })),
    );
    const single = await gone.client.ask("tally", "t1", { n: 3 }).catch((e) => e);
    assert.deepEqual(results.map(code), ["unavailable", "unavailable"]);
    assert.equal((single as ActorError).code, "unavailable", "the same error as a single ask");
  } finally {
    await gone.close();
  }
});

Deno.test("batched asks: a batch that times out fails its own messages only", async () => {
  const r = await rig();
  try {
    const stuck = [{ n: 1 }, { n: 2, op: "hang" }].map((m) =>
      r.client.askBatched("tally", "t1", m)
    );
    const fine = r.client.askBatched("tally", "t2", { n: 5 });
    const results = await Promise.allSettled(stuck);
    assert.deepEqual(results.map(code), ["timeout", "timeout"]);
    const single = await r.client.ask("tally", "t3", { n: 1, op: "hang" }).catch((e) => e);
    assert.equal((single as ActorError).code, "timeout", "the same error as a single ask");
    assert.deepEqual(await fine, { n: 5, seq: 1 });
  } finally {
    await r.close();
  }
});

Deno.test("batched asks: the engine refuses a batch it cannot read with bad_batch", async () => {
  const r = await rig();
  try {
    const ask = async (body: unknown) =>
      decodeJson<ActorReply>(
        (await r.transport.request(actorBatchSubject("tally", "t1", P), encodeJson(body))).data,
      );
    for (const body of [{ v: 2, msgs: [{ n: 1 }] }, { v: 1 }, { msg: { n: 1 } }]) {
      const reply = await ask(body);
      assert.equal(reply.ok, false);
      assert.equal(!reply.ok && reply.error.code, "bad_batch", JSON.stringify(body));
    }
    // none of them reached the actor
    assert.deepEqual(await r.client.ask("tally", "t1", { n: 1 }), { n: 1, seq: 1 });
  } finally {
    await r.close();
  }
});
