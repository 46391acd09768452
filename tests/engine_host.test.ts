/**
 * Releasing a partition (hand-over, shutdown) while requests to its actors are on their way:
 * every request the transport had already routed to this host is answered by the actor,
 * before its passivation; none is left to wait out its timeout (issue 17, defect 3: two
 * messages "waited exactly 5.0 s and were refused room_unavailable" when an engine joined).
 */
import assert from "node:assert/strict";
import { Actor, type ActorType } from "../engine/actor.ts";
import { decodeJson, encodeJson } from "../engine/codec.ts";
import type { ActorReply } from "../engine/envelope.ts";
import { ActorHost } from "../engine/host.ts";
import { createLogger } from "../engine/log.ts";
import { actorSubject } from "../engine/partition.ts";
import { ActorSystem } from "../engine/runtime.ts";
import { DenoKvStateStore } from "../engine/state_store_denokv.ts";
import { NoRespondersError } from "../engine/transport.ts";
import { MemoryTransport } from "../engine/transport_memory.ts";

const journal: string[] = [];

class Echo extends Actor<Record<string, never>, { n: number }, number> {
  override receive(msg: { n: number }) {
    journal.push(`msg ${msg.n}`);
    return msg.n;
  }
  override onPassivate() {
    journal.push("passivate");
  }
}

const echoType: ActorType<Record<string, never>, { n: number }, number> = {
  type: "echo",
  initialState: () => ({}),
  create: (ctx, state) => new Echo(ctx, state),
};

Deno.test("a released partition answers the requests already routed to it, then passivates", async () => {
  const dir = await Deno.makeTempDir();
  const store = await DenoKvStateStore.open(`${dir}/state.kv`);
  const transport = new MemoryTransport();
  const system = new ActorSystem({
    store,
    transport,
    partitions: 1,
    log: createLogger({ test: "host" }, "error"),
  });
  system.register(echoType);
  const host = new ActorHost(system, transport, { partitions: 1 });
  host.ownAll();
  try {
    const subject = actorSubject("echo", "e1", 1);
    // Twenty requests on their way, then the hand-over starts.
    const outcomes = Array.from(
      { length: 20 },
      (_, n) =>
        transport.request(subject, encodeJson({ msg: { n } }), { timeoutMs: 10_000 }).then(
          (reply) => decodeJson<ActorReply>(reply.data),
          (err) => String(err),
        ),
    );
    const released = host.release([0]);
    const replies = await Promise.all(outcomes);
    await released;
    assert.deepEqual(replies, Array.from({ length: 20 }, (_, n) => ({ ok: true, result: n })));
    assert.deepEqual(journal, [...Array.from({ length: 20 }, (_, n) => `msg ${n}`), "passivate"]);
    // After the release nobody serves the partition here.
    await assert.rejects(
      transport.request(subject, encodeJson({ msg: { n: 99 } }), { timeoutMs: 2_000 }),
      NoRespondersError,
    );
  } finally {
    await system.close();
    await transport.close();
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
