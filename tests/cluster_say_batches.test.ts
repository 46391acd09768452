/**
 * Chat gathered into batches between an edge and an engine process (engine/client.ts
 * `askBatched`): says of several senders to one room travel in one NATS request and each
 * sender gets exactly what it would get alone — its acks and refusals (`duplicate`,
 * `rate_limited`) in the order it sent them — and the room shows the accepted ones in that
 * order. (The room is made busy first: a quiet room's says go at once, each alone.) With
 * ACTOR_BATCH_MS=0 the edge sends each say alone, as before batches.
 */
import assert from "node:assert/strict";
import { createLogger } from "../engine/log.ts";
import { NatsTransport } from "../engine/transport_nats.ts";
import { startTestCluster, until } from "./helpers/cluster.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";

/** What a sender got for each clientId: "ack" or the error's code. */
function answers(v: TestViewer, ids: string[]): string[] {
  return ids.map((id) => {
    const f = v.frames.find((f: Frame) =>
      f.clientId === id && (f.type === "ack" || f.type === "error")
    );
    return f ? (f.type === "ack" ? "ack" : String(f.code)) : "none";
  });
}

/** The order in which a sender's answers arrived. */
function answerOrder(v: TestViewer): string[] {
  return v.frames.filter((f: Frame) => f.type === "ack" || f.type === "error").map((f) =>
    String(f.clientId)
  );
}

// A long window: the burst below lands in the window after the warm-up's busy one.
const WINDOW_MS = 2_000;

for (const windowMs of [String(WINDOW_MS), "0"]) {
  Deno.test({
    name:
      `cluster: says in one batch (ACTOR_BATCH_MS=${windowMs}) get each sender's own answers, in order`,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const c = await startTestCluster({ leaseTtlMs: 10_000 });
      const viewers: TestViewer[] = [];
      const tap = await NatsTransport.connect({
        servers: c.nats.url,
        name: "batch-tap",
        log: createLogger({ test: "batch-tap" }, "error"),
      });
      try {
        const [, edge] = await Promise.all([
          c.start("engine", "e1"),
          c.start("edge", "edge-1", { ACTOR_BATCH_MS: windowMs }),
        ]);
        const admin = await c.admin();
        await admin.settled(1, 30_000, "the engine owns every partition");
        const sizes: number[] = [];
        let singles = 0;
        tap.subscribe("rooms.*.*.batch", (m) => {
          sizes.push(
            (JSON.parse(new TextDecoder().decode(m.data)) as { msgs: unknown[] }).msgs.length,
          );
        });
        tap.subscribe("rooms.*.*", (m) => { // rooms.p{k}.{id}, not rooms.out.* or rooms.status.*
          if (/^rooms\.p\d+\./.test(m.subject)) singles++;
        });
        await tap.flush();
        const room = "batched1";
        const join = async (name: string) => {
          const token = await c.mintToken(name, name);
          const { viewer } = await TestViewer.join(c.wsUrl(edge, room), room, token);
          viewers.push(viewer);
          return viewer;
        };
        const [watcher, alice, bob, carol, dave] = await Promise.all(
          ["watcher", "alice", "bob", "carol", "dave"].map(join),
        );
        const singlesBefore = singles;
        // warm-up: 4 says in one window make the room busy on this edge; the next window gathers
        const warm = ["d1", "d2", "d3", "d4"];
        warm.forEach((text) => dave.send({ type: "say", text, clientId: text }));
        const warmedAt = Date.now();
        for (const id of warm) {
          await dave.next((f) => f.clientId === id && f.type === "ack", 10_000);
        }
        await new Promise((r) =>
          setTimeout(r, Math.max(0, warmedAt + WINDOW_MS * 1.15 - Date.now()))
        );
        // alice: a duplicate, then past her burst of 5; bob and carol: one each
        const aliceSays = ["a1", "a1", "a2", "a3", "a4", "a5", "a6"];
        const aliceIds = aliceSays.map((_, i) => `alice-${i}`);
        aliceSays.forEach((text, i) => alice.send({ type: "say", text, clientId: aliceIds[i] }));
        bob.send({ type: "say", text: "b1", clientId: "bob-0" });
        carol.send({ type: "say", text: "c1", clientId: "carol-0" });
        await until(
          () => answers(alice, aliceIds).every((a) => a !== "none"),
          15_000,
          "alice has all her answers",
        );
        await bob.next((f) => f.clientId === "bob-0" && f.type === "ack", 10_000);
        await carol.next((f) => f.clientId === "carol-0" && f.type === "ack", 10_000);
        const got = answers(alice, aliceIds);
        assert.deepEqual(got.slice(0, 5), ["ack", "duplicate", "ack", "ack", "ack"]);
        // past the burst of 5 tokens (refilled at 1/s: on a slow machine one may be back)
        assert.ok(got.slice(5).every((a) => a === "rate_limited" || a === "ack"), String(got));
        assert.ok(got.slice(5).includes("rate_limited"), String(got));
        assert.deepEqual(answerOrder(alice), aliceIds, "answers come in the order sent");
        const accepted = aliceSays.filter((_, i) => got[i] === "ack");
        await until(
          () => watcher.danmakuTexts().length >= accepted.length + 2 + warm.length,
          10_000,
          "the watcher sees every accepted say",
        );
        const shown = watcher.danmakuTexts().filter((t) => t.startsWith("a"));
        assert.deepEqual(shown, accepted, "the room shows alice's lines in her order");
        if (windowMs === "0") {
          assert.deepEqual(sizes, [], "no batches when they are off");
          assert.ok(singles - singlesBefore >= aliceSays.length + 2 + warm.length);
        } else {
          assert.ok(Math.max(...sizes) >= 2, `batches of ${sizes}`);
          assert.equal(sizes.reduce((a, b) => a + b, 0), aliceSays.length + 2 + warm.length);
          assert.ok(singles - singlesBefore < aliceSays.length + 2, "the says went in batches");
        }
      } finally {
        await Promise.all(viewers.map((v) => v.close()));
        await tap.close();
        await c.close();
      }
    },
  });
}
