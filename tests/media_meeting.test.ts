/**
 * A meeting room end to end with a real livekit-server and @livekit/rtc-node participants,
 * through a started server (accounts on Postgres, media on): a member who joins before the
 * host waits, gets no LiveKit token and cannot open the room's socket; the host's join starts
 * the meeting; a forged admit (by a non-host) is refused; the host admits; the admitted
 * participant publishes camera, microphone and a screen share that the host receives; an
 * account that was never admitted gets no token (as participant or streamer), so it cannot
 * publish; an invite link lets a guest session in (a tampered link is refused, a revoked one
 * too); the host mutes a microphone (muted on the SFU), a hand goes up, chat flows between
 * members only; the host removes a participant (disconnected from the SFU, token refused);
 * end: attendance with joined/left for everyone and a summary labelled `local`.
 */
import assert from "node:assert/strict";
import { RoomServiceClient, TrackSource as SfuSource } from "livekit-server-sdk";
import {
  LocalVideoTrack,
  type RemoteTrack,
  Room,
  RoomEvent,
  TrackPublishOptions,
  TrackSource,
  VideoBufferType,
  VideoFrame,
  VideoSource,
  VideoStream,
} from "@livekit/rtc-node";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { callJson as call, registerUser as register } from "./helpers/http.ts";
import { startSyntheticStreamer } from "./helpers/livekit.ts";
import { startMediaServer } from "./helpers/media_server.ts";
import { waitForValue } from "./helpers/wait.ts";

const until = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000) =>
  waitForValue(what, fn, { timeoutMs, stepMs: 250 });

const ROOM = "meet-room";

Deno.test({
  name: "meeting: waiting room → admit → publish + screen share → invite → mute → remove → end",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const { server, lk } = await startMediaServer(cleanups, { bucket: "meet", livekit: true });
      const base = server.url;
      const sfu = new RoomServiceClient(lk.httpUrl, lk.apiKey, lk.apiSecret);
      const host = await register(base, "meet_host");
      const made = await call(base, "/api/rooms", {
        token: host.token,
        json: { id: ROOM, title: "Standup", kind: "meeting" },
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const alice = await register(base, "meet_alice");
      const bob = await register(base, "meet_bob");
      const meeting = (token: string, json?: unknown) =>
        call(base, `/api/rooms/${ROOM}/meeting`, json ? { token, json } : { token });
      const lkToken = (token: string, role = "viewer") =>
        call(base, `/api/media/token?roomId=${ROOM}&role=${role}`, { token });

      // Alice comes early: she waits for the host, with no token and no socket.
      const early = await meeting(alice.token, { op: "join" });
      assert.equal(early.status, 200, JSON.stringify(early.body));
      assert.equal(early.body.me, "waiting");
      assert.equal(early.body.view.members, undefined, "a waiting person sees no members");
      const refused = await lkToken(alice.token);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, "not_admitted");
      const peek = await TestViewer.open(server.wsUrl(ROOM));
      cleanups.push(() => Promise.resolve(peek.socket.close()));
      peek.send({ type: "hello", v: 1, token: alice.token, room: ROOM });
      const shut = await peek.next((f) => f.type === "error" || f.type === "welcome", 20_000);
      assert.equal(shut.code, "not_admitted");

      // The host's join starts the meeting; the host's LiveKit token is a participant's.
      const started = await meeting(host.token, { op: "join" });
      assert.equal(started.body.me, "host");
      assert.equal(started.body.view.status, "running");
      assert.deepEqual(started.body.view.waiting.map((w: Frame) => w.userId), [alice.id]);
      const hostLk = await lkToken(host.token, "streamer");
      assert.equal(hostLk.status, 200, JSON.stringify(hostLk.body));
      assert.equal(hostLk.body.role, "participant");
      const hostRoom = new Room();
      cleanups.push(() => hostRoom.disconnect());
      const got: { identity: string; source: TrackSource; track: RemoteTrack }[] = [];
      hostRoom.on(RoomEvent.TrackSubscribed, (track, pub, p) => {
        got.push({ identity: p.identity, source: pub.source!, track });
      });
      await hostRoom.connect(lk.wsUrl, hostLk.body.token, { autoSubscribe: true, dynacast: false });
      const hostPub = await startSyntheticStreamer(lk.wsUrl, "", {
        room: hostRoom,
        width: 160,
        height: 120,
        fps: 8,
      });
      cleanups.push(() => hostPub.stop());

      // Forged admits: bob (not admitted, not host) and alice herself are refused.
      for (const who of [bob, alice]) {
        const forged = await meeting(who.token, { op: "admit", userId: alice.id });
        assert.equal(forged.status, 403, JSON.stringify(forged.body));
        assert.equal(forged.body.error.code, "forbidden");
      }
      assert.equal((await lkToken(alice.token)).status, 403);

      // Admitted: alice's token now publishes camera, microphone and a screen share.
      const admitted = await meeting(host.token, { op: "admit", userId: alice.id });
      assert.deepEqual(admitted.body.view.members.map((m: Frame) => [m.userId, m.role]), [
        [host.id, "host"],
        [alice.id, "participant"],
      ]);
      const aliceLk = await lkToken(alice.token);
      assert.equal(aliceLk.status, 200, JSON.stringify(aliceLk.body));
      const alicePub = await startSyntheticStreamer(lk.wsUrl, aliceLk.body.token, {
        width: 160,
        height: 120,
        fps: 8,
      });
      cleanups.push(() => alicePub.stop());
      const screen = new VideoSource(320, 180);
      await alicePub.room.localParticipant!.publishTrack(
        LocalVideoTrack.createVideoTrack("screen", screen),
        new TrackPublishOptions({ source: TrackSource.SOURCE_SCREENSHARE }),
      );
      const shot = new Uint8Array(320 * 180 * 3 / 2).fill(200);
      const screenTimer = setInterval(
        () => screen.captureFrame(new VideoFrame(shot, 320, 180, VideoBufferType.I420)),
        200,
      );
      cleanups.push(() => Promise.resolve(clearInterval(screenTimer)));
      const share = await until("the host receives alice's screen share", () =>
        Promise.resolve(
          got.find((g) => g.identity === alice.id && g.source === TrackSource.SOURCE_SCREENSHARE),
        ));
      for await (const ev of new VideoStream(share.track)) {
        assert.ok(ev.frame.width > 0);
        break;
      }

      // Bob was never admitted: no token of any role, so nothing to publish with.
      for (const role of ["viewer", "streamer"]) {
        const r = await lkToken(bob.token, role);
        assert.equal(r.status, 403, `${role}: ${JSON.stringify(r.body)}`);
      }
      assert.ok((await sfu.listParticipants(ROOM)).every((p) => p.identity !== bob.id));

      // Invite links: a guest session joins with one; tampered and missing ones are refused.
      const inv = await meeting(host.token, { op: "invite", minutes: 30 });
      assert.equal(inv.status, 200, JSON.stringify(inv.body));
      const link = inv.body.invite.token as string;
      const carol = await server.guest("carol");
      const noInvite = await meeting(carol.token, { op: "join" });
      assert.equal(noInvite.body.error.code, "login_required");
      const tampered = link.slice(0, -2) + (link.endsWith("AA") ? "BB" : "AA");
      const bad = await meeting(carol.token, { op: "join", invite: tampered });
      assert.equal(bad.body.error.code, "invite_invalid");
      const viaLink = await meeting(carol.token, { op: "join", invite: link });
      assert.equal(viaLink.body.me, "waiting");
      const all = await meeting(host.token, { op: "admit_all" });
      const carolRow = all.body.view.members.find((m: Frame) => m.userId === carol.identity.userId);
      assert.equal(carolRow?.invited, true);
      assert.equal((await lkToken(carol.token)).status, 200);
      await meeting(host.token, { op: "revoke", inviteId: inv.body.invite.inviteId });
      const dave = await server.guest("dave");
      const revoked = await meeting(dave.token, { op: "join", invite: link });
      assert.equal(revoked.body.error.code, "invite_revoked");

      // Chat between members over the socket; a raised hand; the host mutes alice's mic.
      const hostWs = (await TestViewer.join(server.wsUrl(ROOM), ROOM, host.token)).viewer;
      cleanups.push(() => Promise.resolve(hostWs.socket.close()));
      const aliceWs = (await TestViewer.join(server.wsUrl(ROOM), ROOM, alice.token)).viewer;
      cleanups.push(() => Promise.resolve(aliceWs.socket.close()));
      aliceWs.send({ type: "say", text: "I will send the notes by Friday", clientId: "s1" });
      await hostWs.next((f) =>
        f.type === "batch" &&
        f.events.some((e: Frame) => e.t === "danmaku" && e.d.userId === alice.id)
      );
      aliceWs.send({ type: "meeting", cmd: { op: "hand", up: true }, clientId: "h1" });
      const hand = await aliceWs.next((f) => f.type === "meeting_ok" && f.clientId === "h1");
      assert.ok(
        hand.result.view.members.find((m: Frame) => m.userId === alice.id).handAt > 0,
      );
      await hostWs.next((f) =>
        f.type === "batch" &&
        f.events.some((e: Frame) => e.t === "meeting" && e.op === "hand" && e.userId === alice.id)
      );
      hostWs.send({
        type: "meeting",
        cmd: { op: "mute", userId: alice.id, source: "mic" },
        clientId: "m1",
      });
      await hostWs.next((f) => f.type === "meeting_ok" && f.clientId === "m1");
      await until("alice's microphone muted on the SFU", async () => {
        const p = await sfu.getParticipant(ROOM, alice.id);
        const mic = p.tracks.find((t) => t.source === SfuSource.MICROPHONE);
        return mic?.muted ? mic : undefined;
      });

      // Removed: carol is disconnected from the SFU and refused from then on.
      await until("carol can connect", async () => {
        const r = await lkToken(carol.token);
        return r.status === 200 ? r : undefined;
      }).then(async (r) => {
        const room = new Room();
        cleanups.push(() => room.disconnect());
        await room.connect(lk.wsUrl, r.body.token, { autoSubscribe: false, dynacast: false });
      });
      const removed = await meeting(host.token, { op: "remove", userId: carol.identity.userId });
      assert.equal(removed.status, 200, JSON.stringify(removed.body));
      await until("carol is gone from the SFU", async () => {
        const ps = await sfu.listParticipants(ROOM);
        return ps.every((p) => p.identity !== carol.identity.userId) ? true : undefined;
      });
      assert.equal((await lkToken(carol.token)).status, 403);
      const back = await meeting(carol.token, { op: "join", invite: link });
      assert.equal(back.body.error.code, "meeting_removed");

      // End: everyone is disconnected; attendance and a local summary.
      const ended = await meeting(host.token, { op: "end" });
      assert.equal(ended.body.view.status, "ended");
      const summary = await until("the summary", async () => {
        const r = await meeting(alice.token);
        return r.body.view.summary;
      });
      assert.equal(summary.source, "local");
      assert.deepEqual(summary.actionItems.map((a: Frame) => a.owner), ["meet_alice"]);
      const done = await meeting(alice.token);
      const rows = done.body.view.attendance as Frame[];
      assert.deepEqual(
        rows.map((r) => r.userId).sort(),
        [host.id, alice.id, carol.identity.userId].sort(),
      );
      assert.ok(rows.every((r) => r.leftAt >= r.joinedAt));
      await until("the SFU room is empty", async () => {
        const ps = await sfu.listParticipants(ROOM);
        return ps.length === 0 ? true : undefined;
      });
    } finally {
      for (const c of cleanups.reverse()) await c().catch(() => {});
    }
  },
});
