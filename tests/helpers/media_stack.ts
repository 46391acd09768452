/**
 * The whole media side on real servers for a test: MinIO, optionally livekit-server (with
 * webhooks to this stack's edge), a fresh Postgres database with the migrations, an
 * embedded engine hosting the SegmentActor, the recorder, the media service and the media
 * routes served by Hono on a loopback port. Users are bearer tokens `"<userId>"` whose
 * owner rooms are given in `streamers`.
 */
import { Hono } from "hono";
import { type SegmentActorDeps, segmentActorType } from "../../actors/segment/segment_actor.ts";
import type { ActorType } from "../../engine/actor.ts";
import type { Transport } from "../../engine/transport.ts";
import { startEmbeddedEngine } from "../../engine/embedded.ts";
import { createLogger } from "../../engine/log.ts";
import { DenoKvStateStore } from "../../engine/state_store_denokv.ts";
import { type MediaAuth, type MediaRouteDeps, mediaRoutes } from "../../edge/routes/media.ts";
import { MediaError } from "../../media/errors.ts";
import { RecordingIndex } from "../../actors/recording/recording_index.ts";
import { SqlReplayGuard } from "../../media/index/sql_replay_guard.ts";
import type { EgressStarter } from "../../media/livekit/egress.ts";
import { LivekitServerApi } from "../../media/livekit/server_api.ts";
import { type LivekitSettings, livekitSettings } from "../../media/livekit/settings.ts";
import { LivekitWebhookVerifier, type StreamEvent } from "../../media/livekit/webhooks.ts";
import { MediaService } from "../../media/media_service.ts";
import { RecordingManager, type RecordingManagerOptions } from "../../media/recorder/manager.ts";
import { S3ObjectStore } from "../../media/s3.ts";
import { DirectUrlResolver } from "../../media/recorder/url_source.ts";
import { VodService } from "../../media/vod.ts";
import type { WallSpan } from "../../actors/recording/timeline.ts";
import { freshDatabase, type TestDb } from "./db.ts";
import { type LivekitServer, startLivekit } from "./livekit.ts";
import { type MinioServer, startMinio } from "./minio.ts";
import { probeSegment } from "../../media/ffmpeg.ts";
import { RecordingPlans } from "../../actors/recording/recording_plans.ts";
import { WindowCutter } from "../../media/recorder/windows.ts";
import { DanmakuArchiveReader } from "../../actors/room/danmaku_archive.ts";

export interface MediaStack {
  baseUrl: string;
  minio: MinioServer;
  livekit?: LivekitServer;
  settings: LivekitSettings;
  objects: S3ObjectStore;
  db: TestDb;
  index: RecordingIndex;
  manager: RecordingManager;
  media: MediaService;
  vod: VodService;
  /** Stream events the room actor was told about, in order. */
  roomEvents: StreamEvent[];
  /** Asks actors of the stack's embedded engine (SegmentActor). */
  actors: { ask<R>(type: string, id: string, msg: unknown): Promise<R> };
  egressStarter?: EgressStarter;
  /** Highlights the test makes the "room actor" return. */
  highlights: Map<string, WallSpan[]>;
  /** The embedded engine's transport (room batches on `rooms.out.*`). */
  transport: Transport;
  /** Windowed recordings (the Douyin document's API). */
  plans: RecordingPlans;
  windows: WindowCutter;
  close(): Promise<void>;
}

/** More actor types for the stack's engine (room, AI analysis) and SegmentActor hooks. */
export type StackExtension = (
  parts: { objects: S3ObjectStore; index: RecordingIndex; db: TestDb },
) => {
  // deno-lint-ignore no-explicit-any
  types?: ActorType<any, any, any>[];
  segment?: Partial<SegmentActorDeps>;
};

export async function startMediaStack(opts: {
  withLivekit?: boolean;
  streamers: Record<string, string[]>;
  admins?: string[];
  manager?: Partial<RecordingManagerOptions>;
  /** Record through this egress starter instead of the recorder agent. */
  egress?: (objects: S3ObjectStore, settings: LivekitSettings) => EgressStarter;
  extend?: StackExtension;
}): Promise<MediaStack> {
  const log = createLogger({ test: "media" }, (Deno.env.get("TEST_LOG") ?? "error") as "error");
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) {
      log.debug("cleanup", { step: fn.toString().slice(0, 60) });
      await Promise.resolve(fn()).catch(() => {});
    }
  };
  try {
    const minio = await startMinio();
    cleanups.push(() => minio.stop());
    const objects = new S3ObjectStore({
      endpoint: minio.endpoint,
      region: minio.region,
      bucket: "synapse",
      accessKeyId: minio.accessKey,
      secretAccessKey: minio.secretKey,
    });
    cleanups.push(() => objects.close());
    await objects.ensureBucket();
    const db = await freshDatabase("postgres");
    cleanups.push(() => db.close());
    const index = new RecordingIndex(db.store);
    const kvDir = await Deno.makeTempDir({ prefix: "synapse-media-kv-" });
    cleanups.push(() => Deno.remove(kvDir, { recursive: true }));
    const state = await DenoKvStateStore.open(`${kvDir}/state.kv`);
    const extra = opts.extend?.({ objects, index, db }) ?? {};
    const engine = await startEmbeddedEngine({
      store: state,
      types: [
        segmentActorType({ objects, index, probe: probeSegment, ...extra.segment }),
        ...(extra.types ?? []),
      ],
      log,
    });
    cleanups.push(async () => {
      await engine.close();
      (state as unknown as { close?: () => void }).close?.();
    });
    const workRoot = await Deno.makeTempDir({ prefix: "synapse-media-work-" });
    cleanups.push(() => Deno.remove(workRoot, { recursive: true }));

    const roomEvents: StreamEvent[] = [];
    const highlights = new Map<string, WallSpan[]>();
    const auth: MediaAuth = {
      identify(c) {
        const token = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1] ??
          c.req.query("access_token");
        if (!token) throw new MediaError("auth_required", "no token", 401);
        return Promise.resolve({
          userId: token,
          name: token,
          kind: "user",
          roles: opts.admins?.includes(token) ? ["admin"] : [],
        });
      },
      canStream(who, roomId) {
        return Promise.resolve(
          who.roles.includes("admin") || (opts.streamers[who.userId] ?? []).includes(roomId),
        );
      },
    };
    const deps: MediaRouteDeps = {
      log,
      auth,
      vod: new VodService(index, objects),
      notifyRoom: (ev) => {
        roomEvents.push(ev);
        return Promise.resolve();
      },
      highlights: (roomId) => Promise.resolve(highlights.get(roomId) ?? []),
    };
    const app = new Hono();
    app.route("/", mediaRoutes(deps));
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
    cleanups.push(() => server.shutdown());
    const baseUrl = `http://127.0.0.1:${server.addr.port}`;

    let livekit: LivekitServer | undefined;
    if (opts.withLivekit) {
      livekit = await startLivekit({ webhookUrls: [`${baseUrl}/webhooks/livekit`] });
      cleanups.push(() => livekit!.stop());
    }
    const settings = livekit
      ? livekitSettings(livekit.wsUrl, livekit.apiKey, livekit.apiSecret)
      : livekitSettings("ws://127.0.0.1:9", "devkey", "secret");
    const manager = new RecordingManager({
      store: objects,
      livekit: livekit ? settings : undefined,
      workRoot,
      segmentSeconds: 2,
      log,
      guardEveryMs: 3_600_000,
      backoffBaseMs: 200,
      // Test streams are served on loopback.
      resolver: new DirectUrlResolver({ allowPrivateHosts: true }),
      ...opts.manager,
    });
    const egressStarter = opts.egress?.(objects, settings);
    const media = new MediaService({
      objects,
      index,
      actors: engine.client,
      log,
      manager,
      egressStarter,
      egressSegmentSeconds: 2,
      egressPollMs: 300,
    });
    cleanups.push(() => media.close());
    deps.media = media;
    const plans = new RecordingPlans(db.store);
    const windows = new WindowCutter({ events: media.events, objects, plans, log });
    cleanups.push(async () => {
      await windows.settled();
      windows.close();
    });
    deps.plans = plans;
    deps.windows = windows;
    deps.objects = objects;
    deps.danmaku = new DanmakuArchiveReader(db.store);
    deps.livekit = {
      settings,
      api: new LivekitServerApi(settings, log),
      verifier: new LivekitWebhookVerifier({ settings, replay: new SqlReplayGuard(db.store), log }),
    };
    return {
      baseUrl,
      minio,
      livekit,
      settings,
      objects,
      db,
      index,
      manager,
      media,
      vod: deps.vod!,
      roomEvents,
      actors: engine.client,
      egressStarter,
      highlights,
      transport: engine.transport,
      plans,
      windows,
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** An SSE reader over fetch (EventSource is a browser API). */
export async function openSse(url: string, token: string) {
  const ctrl = new AbortController();
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${token}` },
    signal: ctrl.signal,
  });
  if (!res.ok || !res.body) throw new Error(`SSE ${res.status}: ${await res.text()}`);
  const events: { event: string; data: unknown }[] = [];
  const waiters: (() => void)[] = [];
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const pump = (async () => {
    let buf = "";
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
          waiters.splice(0).forEach((w) => w());
        }
      }
    } catch { /* aborted */ }
  })();
  return {
    events,
    async waitFor(pred: (e: typeof events) => boolean, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pred(events)) {
        if (Date.now() > deadline) {
          throw new Error(`SSE: condition not met; got ${events.map((e) => e.event).join(",")}`);
        }
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 250);
        });
      }
    },
    async close() {
      await reader.cancel().catch(() => {});
      ctrl.abort();
      await pump;
    },
  };
}
