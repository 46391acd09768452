/**
 * Tokens, webhooks and server APIs against a real livekit-server on loopback: tokens let
 * rtc-node clients join with the right permissions, webhooks arrive signed and verify,
 * forged/stale/replayed deliveries are refused, a ban removes the participant.
 */
import assert from "node:assert/strict";
import { Room, RoomEvent } from "@livekit/rtc-node";
import { createLogger } from "../engine/log.ts";
import { MediaError } from "../media/errors.ts";
import { LivekitServerApi } from "../media/livekit/server_api.ts";
import { livekitSettings } from "../media/livekit/settings.ts";
import { issueToken } from "../media/livekit/tokens.ts";
import {
  LivekitWebhookVerifier,
  MemoryReplayGuard,
  signWebhook,
  type StreamEvent,
  webhookEvent,
} from "../media/livekit/webhooks.ts";
import { startLivekit } from "./helpers/livekit.ts";
import { banEnforcement } from "../media/livekit/ban_enforcer.ts";
import { watchRoomEvents } from "../media/livekit/room_events.ts";
import { MemoryTransport } from "../engine/transport_memory.ts";
import { encodeJson } from "../engine/codec.ts";

interface Delivery {
  body: string;
  authorization: string | null;
}

/** A loopback HTTP endpoint collecting webhook deliveries. */
function webhookSink() {
  const deliveries: Delivery[] = [];
  const waiters: (() => void)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    deliveries.push({ body: await req.text(), authorization: req.headers.get("authorization") });
    waiters.splice(0).forEach((w) => w());
    return new Response("ok");
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/webhooks/livekit`,
    deliveries,
    async waitFor(pred: (d: Delivery[]) => boolean, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pred(deliveries)) {
        if (Date.now() > deadline) {
          throw new Error(`webhooks not received: ${deliveries.map((d) => d.body).join("\n")}`);
        }
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
    close: () => server.shutdown(),
  };
}

const log = createLogger({ test: "media_livekit" }, "error");

Deno.test({
  name: "livekit: tokens, signed webhooks (forged/stale/replayed refused), ban removes participant",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const sink = webhookSink();
    const lk = await startLivekit({ webhookUrls: [sink.url] });
    const settings = livekitSettings(lk.wsUrl, lk.apiKey, lk.apiSecret);
    const api = new LivekitServerApi(settings, log);
    const verifier = new LivekitWebhookVerifier({ settings, replay: new MemoryReplayGuard(), log });
    const streamer = new Room();
    const viewer = new Room();
    try {
      await streamer.connect(
        settings.wsUrl,
        await issueToken(settings, "streamer", {
          roomId: "room1",
          identity: "alice",
          name: "Alice",
        }),
        { autoSubscribe: false, dynacast: false },
      );
      await viewer.connect(
        settings.wsUrl,
        await issueToken(settings, "viewer", { roomId: "room1", identity: "bob", name: "Bob" }),
        { autoSubscribe: true, dynacast: false },
      );
      const participants = await api.listParticipants("room1");
      const perm = Object.fromEntries(participants.map((p) => [p.identity, p.permission]));
      assert.equal(perm.alice?.canPublish, true);
      assert.equal(perm.bob?.canPublish, false);
      assert.equal(perm.bob?.canPublishData, false);
      assert.equal(perm.bob?.canSubscribe, true);

      // Webhooks: room_started and both joins arrive, signed by our key, and verify.
      await sink.waitFor((d) => d.filter((x) => x.body.includes("participant_joined")).length >= 2);
      const verified: StreamEvent[] = [];
      for (const d of [...sink.deliveries]) {
        const r = await verifier.verify(d.body, d.authorization);
        assert.ok(r.ok, `delivery refused: ${JSON.stringify(r)}`);
        await r.delivery.delivered();
        verified.push(r.event);
      }
      assert.ok(verified.some((e) => e.kind === "room_started" && e.roomId === "room1"));
      const joined = verified.filter((e) => e.kind === "participant_joined").map((e) =>
        e.participant
      );
      assert.deepEqual(joined.map((p) => p?.identity).sort(), ["alice", "bob"]);
      assert.equal(joined.find((p) => p?.identity === "alice")?.role, "streamer");

      // The same delivery again: replayed.
      const first = sink.deliveries[0];
      const replay = await verifier.verify(first.body, first.authorization);
      assert.deepEqual(replay.ok ? "accepted" : replay.code, "webhook_replayed");
      // A changed body under the original signature: bad signature.
      const tampered = await verifier.verify(
        first.body.replace("room1", "room2"),
        first.authorization,
      );
      assert.equal(tampered.ok ? "accepted" : tampered.code, "webhook_bad_signature");
      // No signature at all, and one made with another secret.
      const unsigned = await verifier.verify(first.body, null);
      assert.equal(unsigned.ok ? "accepted" : unsigned.code, "webhook_bad_signature");
      const event = webhookEvent({
        id: "EV_forged",
        event: "room_started",
        room: { name: "room1" },
        createdAt: BigInt(Math.floor(Date.now() / 1000)),
      });
      const forged = await signWebhook({
        apiKey: "devkey",
        apiSecret: "not-the-secret-xxxxxxxxxxxxxxxxxx",
      }, event);
      const forgedResult = await verifier.verify(forged.body, forged.authorization);
      assert.equal(forgedResult.ok ? "accepted" : forgedResult.code, "webhook_bad_signature");
      // Correctly signed but 10 minutes old: stale.
      const old = webhookEvent({
        id: "EV_old",
        event: "room_started",
        room: { name: "room1" },
        createdAt: BigInt(Math.floor(Date.now() / 1000) - 600),
      });
      const stale = await signWebhook(settings, old);
      const staleResult = await verifier.verify(stale.body, stale.authorization);
      assert.equal(staleResult.ok ? "accepted" : staleResult.code, "webhook_stale");
      // Our signer matches LiveKit's: a fresh signed event verifies once.
      const fresh = await signWebhook(
        settings,
        webhookEvent({ ...event, event: event.event, id: "EV_fresh" }),
      );
      assert.equal((await verifier.verify(fresh.body, fresh.authorization)).ok, true);

      // Ban: the SFU removes bob; his client sees the disconnect and a webhook says he left.
      const disconnected = new Promise<void>((r) => viewer.once(RoomEvent.Disconnected, () => r()));
      assert.equal(await api.removeParticipant("room1", "bob"), true);
      await disconnected;
      await sink.waitFor((d) =>
        d.some((x) => x.body.includes("participant_left") && x.body.includes("bob"))
      );
      assert.deepEqual((await api.listParticipants("room1")).map((p) => p.identity), ["alice"]);
      assert.equal(await api.removeParticipant("room1", "nobody"), false);

      // No ingress service runs here: a clear, stable error.
      await assert.rejects(
        api.createIngress("room1", "rtmp", { identity: "alice", name: "Alice" }),
        (err) => err instanceof MediaError && err.code === "ingress_unavailable",
      );
    } finally {
      await viewer.disconnect().catch(() => {});
      await streamer.disconnect().catch(() => {});
      await lk.stop();
      await sink.close();
    }
  },
});

Deno.test({
  name: "livekit: a room ban published on rooms.out removes the user from the SFU room",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const lk = await startLivekit();
    const settings = livekitSettings(lk.wsUrl, lk.apiKey, lk.apiSecret);
    const api = new LivekitServerApi(settings, log);
    const transport = new MemoryTransport();
    const sub = watchRoomEvents(transport, "media-enforcers", {
      moderation: banEnforcement(api, log),
    });
    const mallory = new Room();
    const carol = new Room();
    try {
      await mallory.connect(
        settings.wsUrl,
        await issueToken(settings, "viewer", { roomId: "roomB", identity: "mallory" }),
      );
      await carol.connect(
        settings.wsUrl,
        await issueToken(settings, "viewer", { roomId: "roomB", identity: "carol" }),
      );
      const gone = new Promise<void>((r) => mallory.once(RoomEvent.Disconnected, () => r()));
      // A mute and another room's ban change nothing; the ban in roomB removes mallory.
      const batch = (roomId: string, action: string, target: string) =>
        encodeJson({
          roomId,
          seq: 1,
          at: Date.now(),
          viewers: 2,
          events: [{ t: "moderation", action, target, by: "owner", at: Date.now() }],
        });
      transport.publish("rooms.out.roomB", batch("roomB", "mute", "carol"));
      transport.publish("rooms.out.roomZ", batch("roomZ", "ban", "carol"));
      transport.publish("rooms.out.roomB", batch("roomB", "ban", "mallory"));
      await gone;
      const left = (await api.listParticipants("roomB")).map((p) => p.identity);
      assert.deepEqual(left, ["carol"]);
    } finally {
      sub.unsubscribe();
      await mallory.disconnect().catch(() => {});
      await carol.disconnect().catch(() => {});
      await transport.close?.();
      await lk.stop();
    }
  },
});
