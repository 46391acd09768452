/**
 * Guests on stage (连麦) end to end with a real livekit-server and @livekit/rtc-node
 * participants, through a started server (accounts on Postgres, media on): a streamer
 * publishes; a viewer's LiveKit token cannot publish (the attempt leaves no track); a viewer
 * who is not staff cannot accept anyone (socket and REST: `forbidden`); a signed-in viewer
 * raises a hand, the streamer sees the queue and accepts; the guest's existing LiveKit
 * connection gets publish rights by a permission update (no new token), publishes, and
 * another viewer receives its video; the guest's next token is a guest token; the stage is
 * full at `STAGE_MAX_GUESTS`; the streamer mutes the guest's microphone and picks a layout
 * everyone sees (and the LiveKit room's metadata holds, for the recorder); then removes the
 * guest, whose tracks are cut and whose rights are gone. A guest whose LiveKit connection goes
 * without `leave` keeps the spot when back within the grace period, else loses it.
 */
import assert from "node:assert/strict";
import { RoomServiceClient, TrackSource as SfuSource } from "livekit-server-sdk";
import {
  LocalVideoTrack,
  type RemoteTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
  VideoSource,
  VideoStream,
} from "@livekit/rtc-node";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { callJson as call, registerUser as register } from "./helpers/http.ts";
import { startSyntheticStreamer } from "./helpers/livekit.ts";
import { startMediaServer } from "./helpers/media_server.ts";
import { waitForValue } from "./helpers/wait.ts";
import { RoomClient } from "../actors/room/client.ts";
import { stageFromMetadata } from "../media/livekit/stage_metadata.ts";

const until = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000) =>
  waitForValue(what, fn, { timeoutMs, stepMs: 200 });

const ROOM = "stage-room";
/** A disconnected guest keeps the spot this long (`STAGE_DISCONNECT_GRACE_MS`). */
const GRACE_MS = 1_500;
const LK_ROOM = ROOM; // `livekitRoomName`

const stageEvents = (v: TestViewer) =>
  v.frames.filter((f) => f.type === "batch").flatMap((f: Frame) =>
    f.events.filter((e: Frame) => e.t === "stage")
  );

Deno.test({
  name: "stage: raise → accept → publish rights by permission update → seen → mute → removed",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const { server, lk } = await startMediaServer(cleanups, {
        bucket: "stage",
        livekit: true,
        env: { STAGE_MAX_GUESTS: "1", STAGE_DISCONNECT_GRACE_MS: String(GRACE_MS) },
      });
      const base = server.url;
      const sfu = new RoomServiceClient(lk.httpUrl, lk.apiKey, lk.apiSecret);
      const host = await register(base, "stage_host");
      assert.equal(
        (await call(base, "/api/rooms", { token: host.token, json: { id: ROOM, title: "连麦" } }))
          .status,
        201,
      );
      const gina = await register(base, "stage_gina");
      const eve = await register(base, "stage_eve");
      const vic = await register(base, "stage_vic");
      const lkToken = async (token: string) => {
        const r = await call(base, `/api/media/token?roomId=${ROOM}`, { token });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return r.body as { token: string; role: string };
      };

      // The streamer is live; a viewer (vic) watches over LiveKit, subscribing to everything.
      const pub = await call(base, `/api/media/token?roomId=${ROOM}&role=streamer`, {
        token: host.token,
      });
      const streamer = await startSyntheticStreamer(lk.wsUrl, pub.body.token);
      cleanups.push(() => streamer.stop());
      const watcher = new Room();
      cleanups.push(() => watcher.disconnect());
      const seen: { identity: string; track: RemoteTrack }[] = [];
      const unpublished: string[] = [];
      const muted: string[] = [];
      watcher.on(RoomEvent.TrackSubscribed, (track, _pub, p) => {
        seen.push({ identity: p.identity, track });
      }).on(RoomEvent.TrackUnpublished, (_pub, p) => unpublished.push(p.identity))
        .on(RoomEvent.TrackMuted, (pub, p) => muted.push(`${p.identity}:${pub.source}`));
      await watcher.connect(lk.wsUrl, (await lkToken(vic.token)).token, {
        autoSubscribe: true,
        dynacast: false,
      });
      await until(
        "the watcher sees the streamer",
        () => Promise.resolve(seen.find((s) => s.identity === host.id)),
      );

      // Gina joins LiveKit as a viewer: her token cannot publish.
      const ginaToken = await lkToken(gina.token);
      assert.equal(ginaToken.role, "viewer");
      const guestRoom = new Room();
      cleanups.push(() => guestRoom.disconnect());
      await guestRoom.connect(lk.wsUrl, ginaToken.token, { autoSubscribe: false, dynacast: false });
      const forged = new VideoSource(160, 120);
      const attempt = guestRoom.localParticipant!.publishTrack(
        LocalVideoTrack.createVideoTrack("forged", forged),
        new TrackPublishOptions({ source: TrackSource.SOURCE_CAMERA }),
      ).then(() => "published", () => "refused");
      const outcome = await Promise.race([
        attempt,
        new Promise<string>((r) => setTimeout(() => r("no answer"), 15_000)),
      ]);
      assert.notEqual(outcome, "published");
      assert.equal((await sfu.getParticipant(LK_ROOM, gina.id)).tracks.length, 0);
      assert.equal((await sfu.getParticipant(LK_ROOM, gina.id)).permission?.canPublish, false);

      // Sockets: the streamer, gina, eve.
      const join = async (token: string) => {
        const { viewer } = await TestViewer.join(server.wsUrl(ROOM), ROOM, token);
        cleanups.push(() => Promise.resolve(viewer.socket.close()));
        return viewer;
      };
      const hostWs = await join(host.token);
      const ginaWs = await join(gina.token);
      const eveWs = await join(eve.token);

      // Hands go up (socket and REST); a guest session cannot.
      ginaWs.send({ type: "stage", cmd: { op: "raise", media: "both" }, clientId: "r1" });
      const raised = await ginaWs.next((f) => f.type === "stage_ok" && f.clientId === "r1");
      assert.deepEqual(raised.stage.queue.map((e: Frame) => e.userId), [gina.id]);
      const eveRaise = await call(base, `/api/rooms/${ROOM}/stage`, {
        token: eve.token,
        json: { op: "raise", media: "mic" },
      });
      assert.equal(eveRaise.status, 200, JSON.stringify(eveRaise.body));
      const anon = await server.guest("lurker");
      const anonRaise = await call(base, `/api/rooms/${ROOM}/stage`, {
        token: anon.token,
        json: { op: "raise" },
      });
      assert.equal(anonRaise.status, 401);
      assert.equal(anonRaise.body.error.code, "login_required");
      // The streamer sees the queue.
      await hostWs.next((f) =>
        f.type === "batch" &&
        f.events.some((e: Frame) => e.t === "stage" && e.stage.queue.length === 2), 10_000);

      // Forged accepts: eve is a viewer; the room refuses (socket and REST); nothing changes.
      eveWs.send({ type: "stage", cmd: { op: "accept", userId: eve.id }, clientId: "f1" });
      const forbidden = await eveWs.next((f) => f.type === "error" && f.clientId === "f1");
      assert.equal(forbidden.code, "forbidden");
      const restForged = await call(base, `/api/rooms/${ROOM}/stage`, {
        token: eve.token,
        json: { op: "accept", userId: gina.id },
      });
      assert.equal(restForged.status, 403);
      eveWs.send({ type: "stage", cmd: { op: "accept", userId: "x".repeat(65) }, clientId: "f2" });
      assert.equal(
        (await eveWs.next((f) => f.type === "error" && f.clientId === "f2")).code,
        "bad_frame",
      );
      assert.deepEqual((await call(base, `/api/rooms/${ROOM}/stage`)).body.guests, []);

      // The streamer accepts gina; the stage is full for eve.
      hostWs.send({ type: "stage", cmd: { op: "accept", userId: gina.id }, clientId: "a1" });
      const accepted = await hostWs.next((f) => f.type === "stage_ok" && f.clientId === "a1");
      assert.deepEqual(accepted.stage.guests.map((e: Frame) => [e.userId, e.media]), [
        [gina.id, "both"],
      ]);
      hostWs.send({ type: "stage", cmd: { op: "accept", userId: eve.id }, clientId: "a2" });
      assert.equal(
        (await hostWs.next((f) => f.type === "error" && f.clientId === "a2")).code,
        "stage_full",
      );
      await ginaWs.next((f) =>
        f.type === "batch" &&
        f.events.some((e: Frame) => e.t === "stage" && e.op === "accepted" && e.userId === gina.id)
      );

      // Gina's existing connection gets publish rights (permission update, no new token).
      const perm = await until("gina may publish", async () => {
        const p = await sfu.getParticipant(LK_ROOM, gina.id);
        return p.permission?.canPublish ? p.permission : undefined;
      });
      assert.deepEqual(
        [...perm.canPublishSources].sort(),
        [
          TrackSource.SOURCE_CAMERA,
          TrackSource.SOURCE_MICROPHONE,
        ].sort(),
      );
      assert.equal((await lkToken(gina.token)).role, "guest"); // a reconnect keeps the rights
      const guestPub = await startSyntheticStreamer(lk.wsUrl, "", { room: guestRoom });
      cleanups.push(() => guestPub.stop());

      // The watcher receives gina's video frames.
      const ginaVideo = await until("the watcher subscribes to gina's video", () =>
        Promise.resolve(
          seen.find((s) => s.identity === gina.id && s.track.kind === TrackKind.KIND_VIDEO),
        ));
      let width = 0;
      for await (const ev of new VideoStream(ginaVideo.track)) {
        width = ev.frame.width;
        break;
      }
      assert.ok(width > 0);

      // The streamer mutes gina's microphone and picks picture-in-picture.
      const mute = await call(base, `/api/rooms/${ROOM}/stage`, {
        token: host.token,
        json: { op: "mute", userId: gina.id, source: "mic" },
      });
      assert.equal(mute.status, 200, JSON.stringify(mute.body));
      await until("gina's microphone muted", async () => {
        const p = await sfu.getParticipant(LK_ROOM, gina.id);
        const mic = p.tracks.find((t) => t.source === SfuSource.MICROPHONE);
        return mic?.muted ? mic : undefined;
      });
      await until(
        "the watcher sees the mute",
        () => Promise.resolve(muted.find((m) => m.startsWith(`${gina.id}:`))),
      );
      const layout = await call(base, `/api/rooms/${ROOM}/stage`, {
        token: host.token,
        json: { op: "layout", layout: "pip" },
      });
      assert.equal(layout.body.layout, "pip");
      await eveWs.next((f) =>
        f.type === "batch" &&
        f.events.some((e: Frame) =>
          e.t === "stage" && e.op === "layout" && e.stage.layout === "pip"
        )
      );
      // The recorder learns the layout and the guests from the LiveKit room's metadata.
      await until("the layout in the LiveKit room's metadata", async () => {
        const [lkRoom] = await sfu.listRooms([LK_ROOM]);
        const hint = stageFromMetadata(lkRoom?.metadata);
        return hint?.layout === "pip" && hint.guests.join() === gina.id ? hint : undefined;
      });

      // Removed: gina's tracks are cut and her rights are gone.
      const removed = await call(base, `/api/rooms/${ROOM}/stage`, {
        token: host.token,
        json: { op: "remove", userId: gina.id },
      });
      assert.equal(removed.status, 200, JSON.stringify(removed.body));
      assert.deepEqual(removed.body.guests, []);
      await until("gina may no longer publish", async () => {
        const p = await sfu.getParticipant(LK_ROOM, gina.id);
        return !p.permission?.canPublish && p.tracks.length === 0 ? p : undefined;
      });
      await until(
        "the watcher saw gina's tracks go",
        () => Promise.resolve(unpublished.filter((id) => id === gina.id).length >= 2 || undefined),
      );
      assert.equal((await lkToken(gina.token)).role, "viewer");
      // The streamer's own tracks were never touched.
      assert.equal((await sfu.getParticipant(LK_ROOM, host.id)).tracks.length, 2);
      // Everyone saw the same story.
      assert.deepEqual(
        stageEvents(eveWs).map((e: Frame) => e.op).filter((op: string) => op !== "raised"),
        ["accepted", "muted", "layout", "removed"],
      );
      // The stage survives with the room's state: a second REST read agrees.
      const after = await call(base, `/api/rooms/${ROOM}/stage`);
      assert.deepEqual(after.body.queue.map((e: Frame) => e.userId), [eve.id]);
      assert.equal(after.body.maxGuests, 1);

      // A guest whose LiveKit connection goes without `leave`: back within the grace period,
      // nothing happens (the webhook's commands, sent in order); away past it, off the stage.
      const onStage = async () =>
        (await call(base, `/api/rooms/${ROOM}/stage`)).body.guests.map((e: Frame) => e.userId);
      const acceptEve = await call(base, `/api/rooms/${ROOM}/stage`, {
        token: host.token,
        json: { op: "accept", userId: eve.id },
      });
      assert.equal(acceptEve.status, 200, JSON.stringify(acceptEve.body));
      const rooms = new RoomClient(server.server.actors);
      await rooms.stagePresence(ROOM, eve.id, false);
      // viewers see her as reconnecting meanwhile, and back again
      const away = await until("eve shown reconnecting", () =>
        Promise.resolve(
          stageEvents(hostWs).find((e: Frame) => e.op === "away" && e.userId === eve.id),
        ));
      assert.deepEqual(away.stage.away, [eve.id]);
      await rooms.stagePresence(ROOM, eve.id, true);
      const back = await until("eve back", () =>
        Promise.resolve(
          stageEvents(hostWs).find((e: Frame) => e.op === "back" && e.userId === eve.id),
        ));
      assert.equal(back.stage.away, undefined);
      await new Promise((r) => setTimeout(r, 2 * GRACE_MS)); // past the grace: still there
      assert.deepEqual(await onStage(), [eve.id]);
      const eveToken = await lkToken(eve.token);
      assert.equal(eveToken.role, "guest");
      const eveRoom = new Room();
      cleanups.push(() => eveRoom.disconnect());
      await eveRoom.connect(lk.wsUrl, eveToken.token, { autoSubscribe: false, dynacast: false });
      await eveRoom.disconnect(); // gone from LiveKit, no `leave` to the room
      const dropped = await until("eve loses the spot", () =>
        Promise.resolve(
          stageEvents(hostWs).find((e: Frame) =>
            e.op === "left" && e.userId === eve.id && e.reason === "disconnected"
          ),
        ), 60_000);
      assert.deepEqual(dropped.stage.guests, []);
      assert.equal(dropped.stage.away, undefined);
      const wentAway = stageEvents(hostWs).filter((e: Frame) =>
        e.op === "away" && e.userId === eve.id
      );
      assert.equal(wentAway.length, 2, "shown reconnecting before losing the spot");
      assert.deepEqual(wentAway[1].stage.away, [eve.id]);
      assert.deepEqual(await onStage(), []);
    } finally {
      for (const c of cleanups.reverse()) await c().catch(() => {});
    }
  },
});
