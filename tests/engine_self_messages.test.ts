/**
 * `ctx.self`: an actor's message to itself stays in the process and is applied in mailbox
 * order (behind what is already queued); a message of an actor instance that crashed and
 * restarted meanwhile is dropped, and after the activation stopped `self` says false.
 */
import assert from "node:assert/strict";
import { Actor, type ActorType } from "../engine/actor.ts";
import { startEmbeddedEngine } from "../engine/embedded.ts";
import { DenoKvStateStore } from "../engine/state_store_denokv.ts";
import { waitForValue } from "./helpers/wait.ts";

type Msg =
  | { op: "log"; n: number }
  | { op: "later"; n: number; gate: string }
  | { op: "crash" }
  | { op: "get" };

/** Gates opened by the test (the work "beside the mailbox" finishes when it says so). */
const gates = new Map<string, () => void>();
const selfResults: boolean[] = [];

class Echo extends Actor<{ log: string[] }, Msg, unknown> {
  override receive(msg: Msg) {
    switch (msg.op) {
      case "log":
        this.state.log.push(`msg ${msg.n}`);
        return this.state.log.length;
      case "later":
        new Promise<void>((r) => gates.set(msg.gate, r))
          .then(() => selfResults.push(this.ctx.self({ n: msg.n })));
        return "started";
      case "crash":
        throw new Error("boom");
      case "get":
        return this.state.log;
    }
  }
  override receiveSelf(msg: unknown) {
    this.state.log.push(`self ${(msg as { n: number }).n}`);
  }
}

const echoType: ActorType<{ log: string[] }, Msg, unknown> = {
  type: "echo",
  initialState: () => ({ log: [] }),
  create: (ctx, state) => new Echo(ctx, state),
};

Deno.test("engine: self messages stay in process, in mailbox order, for their instance", async () => {
  const dir = await Deno.makeTempDir({ prefix: "engine_self_" });
  const store = await DenoKvStateStore.open(`${dir}/state.kv`);
  const engine = await startEmbeddedEngine({ store, types: [echoType] });
  const ask = <R>(msg: Msg) => engine.client.ask<R>("echo", "a", msg);
  try {
    await ask({ op: "later", n: 1, gate: "g1" });
    await ask({ op: "log", n: 1 });
    gates.get("g1")!();
    await ask({ op: "log", n: 2 });
    const log = await waitForValue("the self message applied", async () => {
      const l = await ask<string[]>({ op: "get" });
      return l.includes("self 1") ? l : undefined;
    });
    assert.deepEqual(log.slice(0, 2), ["msg 1", "self 1"]);
    assert.deepEqual(selfResults, [true]);

    // an instance that crashed: its late self message is not applied to the new instance
    await ask({ op: "later", n: 2, gate: "g2" });
    await assert.rejects(ask({ op: "crash" }));
    await ask({ op: "log", n: 3 }); // the restarted instance answers
    gates.get("g2")!();
    await waitForValue(
      "self answered",
      () => Promise.resolve(selfResults.length === 2 || undefined),
    );
    assert.equal(selfResults[1], false);
    await ask({ op: "log", n: 4 });
    assert.ok(!(await ask<string[]>({ op: "get" })).includes("self 2"));

    // after the activation stopped, self says false
    await ask({ op: "later", n: 3, gate: "g3" });
    await engine.system.passivateWhere(() => true);
    gates.get("g3")!();
    await waitForValue(
      "self answered",
      () => Promise.resolve(selfResults.length === 3 || undefined),
    );
    assert.equal(selfResults[2], false);
  } finally {
    await engine.close();
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
