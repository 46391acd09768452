/**
 * The stack of the reconciliation tests (tests/media_reconcile*.test.ts): MinIO, a scratch
 * Postgres database, livekit-server whose webhooks pass through a relay the test switches
 * off while the server is down (LiveKit's deliveries in that time are lost), and a
 * registered streamer going live with a synthetic stream.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { RoomServiceClient } from "livekit-server-sdk";
import { livekitRoomName } from "../../media/livekit/settings.ts";
import { createScratchDatabase } from "./db.ts";
import type { Frame } from "./edge_client.ts";
import { startLivekit, startSyntheticStreamer } from "./livekit.ts";
import { type MinioServer, startMinio } from "./minio.ts";
import { TEST_AUTH_SECRET } from "./server.ts";
import { callJson as call } from "./http.ts";
import { waitForValue } from "./wait.ts";

export type Cleanups = (() => Promise<unknown>)[];

export const until = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000) =>
  waitForValue(what, fn, { timeoutMs, stepMs: 250, retryErrors: true });

/** LiveKit → relay → server; while `target` is unset, deliveries are swallowed (lost). */
export function webhookRelay() {
  let target: string | undefined;
  const http = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const body = await req.text();
    if (!target) return new Response("lost", { status: 200 });
    try {
      const res = await fetch(target, {
        method: "POST",
        headers: {
          authorization: req.headers.get("authorization") ?? "",
          "content-type": req.headers.get("content-type") ?? "application/webhook+json",
        },
        body,
      });
      return new Response(await res.text(), { status: res.status });
    } catch {
      return new Response("lost", { status: 200 });
    }
  });
  return {
    url: `http://127.0.0.1:${http.addr.port}/webhooks/livekit`,
    to(port: number | undefined) {
      target = port === undefined ? undefined : `http://127.0.0.1:${port}/webhooks/livekit`;
    },
    close: () => http.shutdown(),
  };
}

export async function stack(cleanups: Cleanups, bucket: string) {
  const minio: MinioServer = await startMinio();
  cleanups.push(() => minio.stop());
  const db = await createScratchDatabase();
  cleanups.push(() => db.drop());
  const relay = webhookRelay();
  cleanups.push(() => relay.close());
  const lk = await startLivekit({ webhookUrls: [relay.url] });
  cleanups.push(() => lk.stop());
  const sql = postgres(db.url, { max: 2, onnotice: () => {} });
  cleanups.push(() => sql.end({ timeout: 5 }));
  const env: Record<string, string> = {
    HOST: "127.0.0.1",
    AUTH_SECRET: TEST_AUTH_SECRET,
    ROOM_TICK_MS: "20",
    DATABASE_URL: db.url,
    S3_ENDPOINT: minio.endpoint,
    S3_ACCESS_KEY: minio.accessKey,
    S3_SECRET_KEY: minio.secretKey,
    S3_BUCKET: bucket,
    LIVEKIT_URL: lk.wsUrl,
    LIVEKIT_API_KEY: lk.apiKey,
    LIVEKIT_API_SECRET: lk.apiSecret,
    RECORDING_SEGMENT_SECONDS: "2",
    RECORDING_RECONCILE_MS: "3000",
  };
  const rooms = new RoomServiceClient(lk.httpUrl, lk.apiKey, lk.apiSecret);
  /** Identities publishing a track in the room (LiveKit's own view). */
  const publishers = async (roomId: string) => {
    const list = await rooms.listParticipants(livekitRoomName(roomId)).catch(() => []);
    return list.filter((p) => p.tracks.length > 0).map((p) => p.identity);
  };
  return { lk, relay, sql, env, publishers, minio };
}

/** A registered streamer with a room, publishing a synthetic stream into it. */
export async function goLive(cleanups: Cleanups, base: string, wsUrl: string, roomId: string) {
  const reg = await call(base, "/api/auth/register", {
    json: {
      username: `streamer_${roomId.replaceAll("-", "_")}`,
      password: "correct horse battery",
    },
  });
  assert.equal(reg.status, 201, JSON.stringify(reg.body));
  const token: string = reg.body.accessToken;
  const room = await call(base, "/api/rooms", { token, json: { id: roomId, title: "Restart" } });
  assert.equal(room.status, 201, JSON.stringify(room.body));
  const pub = await call(base, `/api/media/token?roomId=${roomId}&role=streamer`, { token });
  assert.equal(pub.status, 200, JSON.stringify(pub.body));
  const streamer = await startSyntheticStreamer(wsUrl, pub.body.token);
  cleanups.push(() => streamer.stop());
  const info = await until("live and recorded", async () => {
    const { body } = await call(base, `/api/rooms/${roomId}`);
    return body.room?.stream?.live && body.room.stream.recordingId ? body.room : undefined;
  });
  const recordingId: string = info.stream.recordingId;
  await until("a segment indexed", async () => {
    const { body } = await call(base, `/api/vod/recordings/${recordingId}`);
    return body.segments?.length >= 1 ? true : undefined;
  });
  return { streamer, recordingId, token, userId: reg.body.user.id as string };
}

export const listedLive = async (base: string, roomId: string) => {
  const { body } = await call(base, "/api/rooms");
  return body.rooms.find((r: Frame) => r.roomId === roomId)?.live as boolean | undefined;
};

export async function recordingRow(sql: postgres.Sql, id: string) {
  const rows =
    await sql`SELECT state, end_reason, resumed_by, owner FROM recordings WHERE id = ${id}`;
  return rows[0];
}
