/**
 * Reconciliation of egress recordings after a restart (media/livekit/reconcile.ts) against
 * real services: livekit-server, MinIO, Postgres, the whole server with
 * RECORDING_VIA_EGRESS. Egress itself cannot run here (GStreamer/Chrome): the stand-in
 * (tests/helpers/egress_standin.ts) plays it on the wire — the server's LIVEKIT_URL is the
 * stand-in, which serves LiveKit's Egress Twirp API (Start, Stop, ListEgress) itself and
 * passes every other call on to livekit-server — so the server's real EgressClient code
 * starts the egress and, after the restart, asks `ListEgress` about it.
 *
 * 1. The egress ends while the server is down (its `egress_ended` webhook is lost): after
 *    the restart the recording is closed from what is in S3 — every segment the egress
 *    wrote is in the VOD, and it ends where its last segment ends.
 * 2. The server restarts while the egress still runs: the recording is watched again, the
 *    segments written meanwhile and later are indexed, and `egress_ended` closes it.
 */
import assert from "node:assert/strict";
import { parseConfig } from "../edge/wiring/config.ts";
import { type RunningServer, startServer } from "../edge/wiring/process.ts";
import { livekitSettings } from "../media/livekit/settings.ts";
import { S3ObjectStore } from "../media/s3.ts";
import { parseMediaPlaylist } from "../media/hls.ts";
import { playlistKey } from "../actors/recording/storage_keys.ts";
import { EgressStatus } from "livekit-server-sdk";
import { EgressStandIn } from "./helpers/egress_standin.ts";
import { freeTcpPort } from "./helpers/go_tools.ts";
import { callJson as call } from "./helpers/http.ts";
import { type Cleanups, goLive, recordingRow, stack, until } from "./helpers/reconcile_stack.ts";

async function egressStack(cleanups: Cleanups, bucket: string, mediaSeconds: number) {
  // every egress holds after its first segment until the test releases it
  const s = await stack(cleanups, bucket);
  const objects = new S3ObjectStore({
    endpoint: s.minio.endpoint,
    region: s.minio.region,
    bucket,
    accessKeyId: s.minio.accessKey,
    secretAccessKey: s.minio.secretKey,
  });
  cleanups.push(() => Promise.resolve(objects.close()));
  await objects.ensureBucket();
  const standIn = new EgressStandIn({
    objects,
    settings: livekitSettings(s.lk.wsUrl, s.lk.apiKey, s.lk.apiSecret),
    mediaSeconds,
    uploadEveryMs: 500,
    holdAfter: 1,
  });
  standIn.webhookUrl = s.relay.url; // lost while the server is down, like LiveKit's own
  const api = standIn.serve(s.lk.httpUrl);
  cleanups.push(() => api.close());
  cleanups.push(() => (standIn.release(), Promise.allSettled(standIn.runs)));
  const dataDir = await Deno.makeTempDir({ prefix: "synapse-reconcile-egress-" });
  cleanups.push(() => Deno.remove(dataDir, { recursive: true }));
  const port = freeTcpPort();
  const boot = () =>
    startServer(
      parseConfig({
        ...s.env,
        LIVEKIT_URL: api.url, // the stand-in in front of livekit-server
        RECORDING_VIA_EGRESS: "true",
        PORT: String(port),
        DATA_DIR: dataDir,
        LOG_LEVEL: "error",
      }),
      { accounts: true },
    );
  return { ...s, objects, standIn, boot, port };
}

/** The stack with the server booted and `roomId` live, recorded by an egress. `down()` closes
 * the server with webhooks cut off (LiveKit's deliveries meanwhile are lost); `up()` starts it
 * again on the same port and lets webhooks through. */
async function liveOnEgress(
  cleanups: Cleanups,
  bucket: string,
  mediaSeconds: number,
  roomId: string,
) {
  const s = await egressStack(cleanups, bucket, mediaSeconds);
  let server: RunningServer = await s.boot();
  cleanups.push(() => server.close());
  s.relay.to(s.port);
  const base = server.url;
  const { recordingId } = await goLive(cleanups, base, s.lk.wsUrl, roomId);
  return {
    ...s,
    base,
    recordingId,
    async down() {
      s.relay.to(undefined);
      await server.close();
    },
    async up() {
      server = await s.boot();
      s.relay.to(s.port);
    },
  };
}

/** The recording's egress id (`source_ref`) and owner. */
async function egressRow(sql: Awaited<ReturnType<typeof stack>>["sql"], id: string) {
  const rows = await sql`SELECT source_ref, owner, state FROM recordings WHERE id = ${id}`;
  return rows[0] as { source_ref: string | null; owner: string | null; state: string };
}

/** The segments the egress wrote, from its playlist in S3. */
async function writtenSegments(objects: S3ObjectStore, roomId: string, recordingId: string) {
  const text = await objects.getText(playlistKey(roomId, recordingId));
  return text === undefined ? [] : parseMediaPlaylist(text).segments;
}

/** The recording's timeline once it is stopped with `segments` segments indexed. */
function stoppedWith(what: string, base: string, recordingId: string, segments: number) {
  return until(what, async () => {
    const { body } = await call(base, `/api/vod/recordings/${recordingId}`);
    return body.recording?.state === "stopped" && body.segments?.length === segments
      ? body
      : undefined;
  });
}

Deno.test({
  name: "reconcile egress: egress ended while the server was down → closed from S3 after restart",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cleanups: Cleanups = [];
    try {
      const roomId = "egress-missed";
      const { sql, objects, standIn, base, recordingId, down, up } = await liveOnEgress(
        cleanups,
        "reconcile-egress-a",
        10,
        roomId,
      );
      assert.deepEqual(standIn.calls, ["StartRoomCompositeEgress"]);
      const egressId = (await egressRow(sql, recordingId)).source_ref!;
      assert.equal(egressId, "EG_standin1");

      // The server goes away; the egress goes on and ends, its egress_ended is lost.
      await down();
      assert.equal((await recordingRow(sql, recordingId)).state, "recording");
      const indexedBefore = (await sql`SELECT count(*)::int AS n FROM recording_segments
        WHERE recording_id = ${recordingId}`)[0].n as number;
      standIn.release();
      await Promise.all(standIn.runs);
      assert.equal(standIn.info(egressId)?.status, EgressStatus.EGRESS_COMPLETE);
      const written = await writtenSegments(objects, roomId, recordingId);
      assert.ok(written.length > indexedBefore, `${written.length} > ${indexedBefore}`);
      assert.equal((await recordingRow(sql, recordingId)).state, "recording");

      // After the restart LiveKit (the stand-in) is asked, and the recording is closed.
      await up();
      const timeline = await stoppedWith(
        "the egress recording closed",
        base,
        recordingId,
        written.length,
      );
      assert.ok(standIn.calls.includes("ListEgress"), standIn.calls.join(","));
      assert.equal(timeline.recording.endReason, "stream_ended");
      assert.deepEqual(
        timeline.segments.map((s: { seq: number }) => s.seq),
        written.map((_, i) => i),
      );
      assert.equal(timeline.recording.endedAt, timeline.segments.at(-1).endAt);
      // The VOD plays every segment the egress wrote.
      const playlist = await fetch(`${base}/api/vod/recordings/${recordingId}/playlist.m3u8`);
      assert.equal(playlist.status, 200);
      const played = parseMediaPlaylist(await playlist.text());
      assert.equal(played.segments.length, written.length);
      assert.ok(played.ended);
      // Finished once: later passes leave it alone.
      await new Promise((r) => setTimeout(r, 4_000));
      const row = await recordingRow(sql, recordingId);
      assert.equal(row.state, "stopped");
      assert.equal(standIn.runs.length, 1, "no second egress");
    } finally {
      for (const fn of cleanups.reverse()) await fn().catch(() => {});
    }
  },
});

Deno.test({
  name: "reconcile egress: restart while the egress runs → watched again, closed by egress_ended",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cleanups: Cleanups = [];
    try {
      const roomId = "egress-running";
      const { sql, objects, standIn, base, recordingId, down, up } = await liveOnEgress(
        cleanups,
        "reconcile-egress-b",
        16,
        roomId,
      );

      const { source_ref: egressId, owner: before } = await egressRow(sql, recordingId);
      assert.ok(egressId);

      await down();
      await up();
      // LiveKit says the egress is active: this process takes the recording over.
      const adopted = await until("the recording adopted", async () => {
        const row = await egressRow(sql, recordingId);
        return row.owner !== null && row.owner !== before && standIn.calls.includes("ListEgress")
          ? row
          : undefined;
      });
      assert.equal(adopted.state, "recording");
      assert.equal(standIn.info(egressId)?.status, EgressStatus.EGRESS_ACTIVE);
      assert.equal(standIn.held, 1);
      // The egress goes on: its new segments are indexed as they come, then egress_ended
      // (delivered: the server is up) closes the recording.
      standIn.release();
      await until("more segments indexed while recording", async () => {
        const { body } = await call(base, `/api/vod/recordings/${recordingId}`);
        return body.segments?.length >= 2 ? true : undefined;
      });
      await Promise.all(standIn.runs);
      const written = await writtenSegments(objects, roomId, recordingId);
      const timeline = await stoppedWith(
        "closed by egress_ended",
        base,
        recordingId,
        written.length,
      );
      assert.equal(timeline.recording.endReason, "stream_ended");
      assert.equal(standIn.webhookStatuses.at(-1), 200);
      const room = (await call(base, `/api/rooms/${roomId}`)).body.room;
      assert.equal(room.stream.recordingId, recordingId);
    } finally {
      for (const fn of cleanups.reverse()) await fn().catch(() => {});
    }
  },
});
