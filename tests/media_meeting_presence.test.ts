/**
 * A meeting's attendance follows the participants' real connections (a real livekit-server
 * with its webhooks, @livekit/rtc-node participants, room sockets): a participant whose LiveKit
 * connection goes (a closed tab: `participant_left`) and does not come back within the grace
 * period (`MEETING_DISCONNECT_GRACE_MS`) leaves the meeting (`left`, reason `disconnected`) and
 * the stay's attendance row closes; a participant whose room socket is still open is still
 * there; once that socket closes too, they leave the same way. A member who left by
 * disconnecting joins again without the waiting room, as a second attendance row.
 */
import assert from "node:assert/strict";
import { RoomServiceClient } from "livekit-server-sdk";
import { Room } from "@livekit/rtc-node";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { callJson as call, registerUser as register } from "./helpers/http.ts";
import { startMediaServer } from "./helpers/media_server.ts";
import { waitForValue } from "./helpers/wait.ts";

const until = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000) =>
  waitForValue(what, fn, { timeoutMs, stepMs: 250 });

const ROOM = "meet-presence";
/** Short, so the test does not wait long; the departure is awaited, never timed. */
const GRACE_MS = 2_000;

Deno.test({
  name: "meeting: a participant who disconnects from LiveKit leaves; the attendance row closes",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const { server, lk } = await startMediaServer(cleanups, {
        bucket: "meetpresence",
        livekit: true,
        env: { MEETING_DISCONNECT_GRACE_MS: String(GRACE_MS) },
      });
      const base = server.url;
      const sfu = new RoomServiceClient(lk.httpUrl, lk.apiKey, lk.apiSecret);
      const host = await register(base, "pres_host");
      const alice = await register(base, "pres_alice");
      const bob = await register(base, "pres_bob");
      const made = await call(base, "/api/rooms", {
        token: host.token,
        json: { id: ROOM, title: "Presence", kind: "meeting" },
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const meeting = (token: string, json?: unknown) =>
        call(base, `/api/rooms/${ROOM}/meeting`, json ? { token, json } : { token });
      await meeting(host.token, { op: "join" });
      for (const who of [alice, bob]) await meeting(who.token, { op: "join" });
      const admitted = await meeting(host.token, { op: "admit_all" });
      assert.equal(admitted.body.view.members.length, 3, JSON.stringify(admitted.body));

      const hostWs = (await TestViewer.join(server.wsUrl(ROOM), ROOM, host.token)).viewer;
      cleanups.push(() => hostWs.close());
      const bobWs = (await TestViewer.join(server.wsUrl(ROOM), ROOM, bob.token)).viewer;
      cleanups.push(() => bobWs.close());

      const connect = async (token: string) => {
        const r = await call(base, `/api/media/token?roomId=${ROOM}`, { token });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const room = new Room();
        cleanups.push(() => room.disconnect());
        await room.connect(lk.wsUrl, r.body.token, { autoSubscribe: false, dynacast: false });
        return room;
      };
      const aliceRoom = await connect(alice.token);
      const bobRoom = await connect(bob.token);
      await until("both on the SFU", async () => {
        const ids = (await sfu.listParticipants(ROOM)).map((p) => p.identity);
        return ids.includes(alice.id) && ids.includes(bob.id) ? ids : undefined;
      });

      const leftEvent = (userId: string) => (f: Frame) =>
        f.type === "batch" &&
        f.events.some((e: Frame) => e.t === "meeting" && e.op === "left" && e.userId === userId);

      // Bob's LiveKit connection goes first (his socket stays), then Alice's (her only one).
      await bobRoom.disconnect();
      await until("bob gone from the SFU", async () => {
        const ids = (await sfu.listParticipants(ROOM)).map((p) => p.identity);
        return ids.includes(bob.id) ? undefined : true;
      });
      await aliceRoom.disconnect();
      const aliceLeft = await hostWs.next(leftEvent(alice.id), 90_000);
      const event = aliceLeft.events.find((e: Frame) => e.t === "meeting" && e.op === "left");
      assert.equal(event.reason, "disconnected");
      const row = event.meeting.attendance.find((a: Frame) => a.userId === alice.id);
      assert.ok(row.leftAt >= row.joinedAt, JSON.stringify(row));
      assert.ok(row.leftAt < event.at, "the stay ends when she went, not when the grace ran out");
      const members = event.meeting.members.map((m: Frame) => m.userId);
      assert.ok(!members.includes(alice.id));
      assert.ok(members.includes(bob.id), "bob's open socket keeps him in the meeting");
      assert.equal((await meeting(alice.token)).body.me, "none");

      // Bob's socket closes too: now he has no connection left and leaves the same way.
      await bobWs.close();
      const bobLeft = await hostWs.next(leftEvent(bob.id), 90_000);
      const bobEvent = bobLeft.events.find((e: Frame) => e.t === "meeting" && e.op === "left");
      assert.equal(bobEvent.reason, "disconnected");
      assert.ok(
        bobEvent.meeting.attendance.find((a: Frame) => a.userId === bob.id).leftAt > 0,
      );

      // Alice comes back: the host admitted her once, so no waiting room; a second stay.
      const back = await meeting(alice.token, { op: "join" });
      assert.equal(back.body.me, "participant", JSON.stringify(back.body));
      const rows = back.body.view.attendance.filter((a: Frame) => a.userId === alice.id);
      assert.equal(rows.length, 2);
      assert.ok(rows[0].leftAt > 0 && rows[1].leftAt === undefined);
      // connected again; the end closes every stay
      const again = await connect(alice.token);
      await until("alice on the SFU again", async () => {
        const ids = (await sfu.listParticipants(ROOM)).map((p) => p.identity);
        return ids.includes(alice.id) ? true : undefined;
      });
      const ended = await meeting(host.token, { op: "end" });
      const final = ended.body.view.attendance as Frame[];
      assert.equal(final.filter((a) => a.userId === alice.id).length, 2);
      assert.ok(final.every((a) => a.leftAt >= a.joinedAt));
      await again.disconnect();
    } finally {
      for (const c of cleanups.reverse()) await c().catch(() => {});
    }
  },
});
