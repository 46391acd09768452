/**
 * A started Synapse server with media on: real MinIO, a scratch Postgres database, and
 * (optionally) a real livekit-server whose webhooks point at the server. Every piece is
 * registered on the test's `cleanups` list (run in reverse order by the test).
 */
import type { RoomActorOptions } from "../../actors/room/room_actor.ts";
import { createScratchDatabase } from "./db.ts";
import { freeTcpPort } from "./go_tools.ts";
import { startLivekit } from "./livekit.ts";
import { startMinio } from "./minio.ts";
import { startTestServer, type TestServer } from "./server.ts";
import type { StartServerOptions } from "../../edge/wiring/options.ts";

interface MediaServerOptions {
  bucket: string;
  livekit: boolean;
  env?: Record<string, string>;
  roomOptions?: Partial<RoomActorOptions>;
  /** URL recordings resolve with this (a loopback test stream: see StartServerOptions). */
  urlResolver?: StartServerOptions["urlResolver"];
}

type Livekit = Awaited<ReturnType<typeof startLivekit>>;

interface MediaServer {
  server: TestServer;
  minio: Awaited<ReturnType<typeof startMinio>>;
  db: Awaited<ReturnType<typeof createScratchDatabase>>;
  lk?: Livekit;
}

export function startMediaServer(
  cleanups: (() => Promise<unknown>)[],
  opts: MediaServerOptions & { livekit: true },
): Promise<MediaServer & { lk: Livekit }>;
export function startMediaServer(
  cleanups: (() => Promise<unknown>)[],
  opts: MediaServerOptions & { livekit: false },
): Promise<MediaServer>;
export async function startMediaServer(
  cleanups: (() => Promise<unknown>)[],
  opts: MediaServerOptions,
): Promise<MediaServer> {
  const minio = await startMinio();
  cleanups.push(() => minio.stop());
  const db = await createScratchDatabase();
  cleanups.push(() => db.drop());
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    S3_ENDPOINT: minio.endpoint,
    S3_ACCESS_KEY: minio.accessKey,
    S3_SECRET_KEY: minio.secretKey,
    S3_BUCKET: opts.bucket,
    ...opts.env,
  };
  let lk: Livekit | undefined;
  if (opts.livekit) {
    // The edge's port is chosen first: LiveKit posts its webhooks there.
    const port = freeTcpPort();
    lk = await startLivekit({ webhookUrls: [`http://127.0.0.1:${port}/webhooks/livekit`] });
    cleanups.push(() => lk!.stop());
    Object.assign(env, {
      PORT: String(port),
      LIVEKIT_URL: lk.wsUrl,
      LIVEKIT_API_KEY: lk.apiKey,
      LIVEKIT_API_SECRET: lk.apiSecret,
    });
  }
  const server: TestServer = await startTestServer({
    accounts: true,
    env,
    roomOptions: opts.roomOptions,
    urlResolver: opts.urlResolver,
  });
  cleanups.push(() => server.close());
  return { server, minio, db, lk };
}
