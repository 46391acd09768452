/**
 * The `ack` frame carries everything the room's `say` reply tells its sender (PROTOCOL.md):
 * through the real server and real WebSockets, a room-wide flood wave is acked with
 * `suppressed: "flood"` and never reaches the batch.
 */
import assert from "node:assert/strict";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { startTestServer } from "./helpers/server.ts";

Deno.test("edge: the ack of a flood-suppressed say carries suppressed: flood", async () => {
  const srv = await startTestServer({ roomOptions: { flood: { floodCap: 2 } } });
  const viewers: TestViewer[] = [];
  try {
    const room = "ackflood";
    for (const name of ["ann", "ben", "cat"]) {
      const g = await srv.guest(name);
      viewers.push((await TestViewer.join(srv.wsUrl(room), room, g.token)).viewer);
    }
    const acks: Frame[] = [];
    for (const [i, v] of viewers.entries()) {
      v.send({ type: "say", text: "666 wave", clientId: `w${i}` });
      acks.push(await v.next((f) => f.type === "ack" && f.clientId === `w${i}`));
    }
    assert.deepEqual(acks.map((a) => a.suppressed), [undefined, undefined, "flood"]);
    assert.equal(typeof acks[2].id, "string");
    // the third one is not broadcast: a later message arrives, the wave stays at two
    viewers[0].send({ type: "say", text: "after the wave", clientId: "after" });
    await viewers[1].next((f) =>
      f.type === "batch" &&
      f.events.some((e: Frame) => e.t === "danmaku" && e.d.text === "after the wave")
    );
    assert.equal(viewers[1].danmakuTexts().filter((t) => t === "666 wave").length, 2);
  } finally {
    for (const v of viewers) await v.close();
    await srv.close();
  }
});
