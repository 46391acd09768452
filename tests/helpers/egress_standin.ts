/**
 * Plays LiveKit egress's part where no egress service can run (it needs GStreamer/Chrome):
 * on `start` it sends a signed `egress_started` webhook, encodes real H.264/AAC HLS with
 * ffmpeg, uploads each segment and the growing playlist to S3 under the recording's prefix
 * as egress does, then sends `egress_ended` — all signed exactly as LiveKit signs them.
 *
 * `serve()` also puts it on the wire as LiveKit's Egress Twirp API (JSON Twirp, as the
 * server SDK's EgressClient speaks it, bearer JWT with the `roomRecord` grant checked):
 * `StartRoomCompositeEgress` (its segmented output's keys and duration taken from the
 * request), `StopEgress` and `ListEgress` (filters `egressId`, `roomName`, `active`). Every
 * other Twirp call is passed on to livekit-server, so a server whose LIVEKIT_URL is the
 * stand-in's URL runs its real egress code against it.
 */
import {
  EgressInfo,
  EgressStatus,
  RoomCompositeEgressRequest,
  TokenVerifier,
} from "livekit-server-sdk";
import { h264AacArgs, runFfmpeg, synthAvInputArgs } from "../../media/ffmpeg.ts";
import { buildMediaPlaylist, parseMediaPlaylist, type PlaylistSegment } from "../../media/hls.ts";
import type { EgressStarter } from "../../media/livekit/egress.ts";
import type { LivekitSettings } from "../../media/livekit/settings.ts";
import { signWebhook, webhookEvent } from "../../media/livekit/webhooks.ts";
import type { ObjectStore } from "../../media/object_store.ts";
import { playlistKey, recordingPrefix } from "../../actors/recording/storage_keys.ts";

interface Run {
  info: EgressInfo;
  stop: boolean;
}

export class EgressStandIn implements EgressStarter {
  webhookUrl = "";
  readonly runs: Promise<void>[] = [];
  readonly webhookStatuses: number[] = [];
  /** Twirp methods called on the served API, in order. */
  readonly calls: string[] = [];
  readonly #egress = new Map<string, Run>();
  readonly #release = Promise.withResolvers<void>();
  /** Egresses waiting for `release()`. */
  held = 0;
  #n = 0;

  constructor(
    private readonly opts: {
      objects: ObjectStore;
      settings: LivekitSettings;
      /** Seconds of media each egress produces. */
      mediaSeconds: number;
      /** Pause between segment uploads (egress uploads as segments close). */
      uploadEveryMs?: number;
      /** Stop uploading after this many segments until `release()` (the egress stays active). */
      holdAfter?: number;
    },
  ) {}

  start(roomId: string, recordingId: string, segmentSeconds: number): Promise<string> {
    const prefix = recordingPrefix(roomId, recordingId);
    return Promise.resolve(
      this.#begin(roomId, `${prefix}seg`, playlistKey(roomId, recordingId), segmentSeconds)
        .egressId,
    );
  }

  stop(egressId: string): Promise<void> {
    const run = this.#egress.get(egressId);
    if (run) run.stop = true;
    return Promise.resolve();
  }

  /** Let held egresses go on uploading. */
  release(): void {
    this.#release.resolve();
  }

  /** The egress's state now, as ListEgress answers it. */
  info(egressId: string): EgressInfo | undefined {
    return this.#egress.get(egressId)?.info;
  }

  #begin(roomName: string, filenamePrefix: string, playlist: string, segmentSeconds: number) {
    const egressId = `EG_standin${++this.#n}`;
    const info = new EgressInfo({
      egressId,
      roomName,
      status: EgressStatus.EGRESS_STARTING,
      startedAt: BigInt(Date.now()) * 1_000_000n,
    });
    const run: Run = { info, stop: false };
    this.#egress.set(egressId, run);
    this.runs.push(this.#run(run, filenamePrefix, playlist, segmentSeconds));
    return info;
  }

  /**
   * Serve the Egress Twirp API on loopback; other Twirp calls go to `livekitHttpUrl`.
   * Returns the URL to use as the server's LIVEKIT_URL.
   */
  serve(livekitHttpUrl: string): { url: string; close(): Promise<void> } {
    const verifier = new TokenVerifier(this.opts.settings.apiKey, this.opts.settings.apiSecret);
    const twirpError = (status: number, code: string, msg: string) =>
      Response.json({ code, msg }, { status });
    const http = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen: () => {} },
      async (req) => {
        const url = new URL(req.url);
        const method = /^\/twirp\/livekit\.Egress\/(\w+)$/.exec(url.pathname)?.[1];
        if (method === undefined) {
          // not egress: livekit-server answers
          const res = await fetch(new URL(url.pathname + url.search, livekitHttpUrl), {
            method: req.method,
            headers: req.headers,
            body: req.method === "GET" || req.method === "HEAD"
              ? undefined
              : await req.arrayBuffer(),
          });
          return new Response(res.body, { status: res.status, headers: res.headers });
        }
        if (req.method !== "POST") return twirpError(405, "bad_route", "POST only");
        const jwt = /^Bearer (.+)$/.exec(req.headers.get("authorization") ?? "")?.[1];
        const grants = jwt ? await verifier.verify(jwt).catch(() => undefined) : undefined;
        if (!grants) return twirpError(401, "unauthenticated", "invalid token");
        if (!grants.video?.roomRecord) {
          return twirpError(403, "permission_denied", "no permissions to access the room");
        }
        let body: Record<string, unknown>;
        try {
          body = await req.json();
        } catch {
          return twirpError(400, "malformed", "body is not JSON");
        }
        this.calls.push(method);
        switch (method) {
          case "StartRoomCompositeEgress": {
            const r = RoomCompositeEgressRequest.fromJson(body as never, {
              ignoreUnknownFields: true,
            });
            const seg = r.segmentOutputs[0] ??
              (r.output.case === "segments" ? r.output.value : undefined);
            if (!seg?.filenamePrefix || !seg.playlistName) {
              return twirpError(400, "invalid_argument", "a segmented output is required");
            }
            const info = this.#begin(
              r.roomName,
              seg.filenamePrefix,
              seg.playlistName,
              seg.segmentDuration || 6,
            );
            return Response.json(info.toJson());
          }
          case "StopEgress": {
            const run = this.#egress.get(String(body.egressId ?? ""));
            if (!run) return twirpError(404, "not_found", "egress does not exist");
            if (run.info.status === EgressStatus.EGRESS_ACTIVE) run.stop = true;
            else if (run.info.status !== EgressStatus.EGRESS_STARTING) {
              return twirpError(412, "failed_precondition", "egress is not active");
            }
            run.stop = true;
            return Response.json(run.info.toJson());
          }
          case "ListEgress": {
            const items = [...this.#egress.values()].map((r) => r.info).filter((i) =>
              (!body.egressId || i.egressId === body.egressId) &&
              (!body.roomName || i.roomName === body.roomName) &&
              (!body.active || i.status === EgressStatus.EGRESS_STARTING ||
                i.status === EgressStatus.EGRESS_ACTIVE)
            );
            return Response.json({ items: items.map((i) => i.toJson()) });
          }
          default:
            return twirpError(404, "bad_route", `no method ${method}`);
        }
      },
    );
    return {
      url: `http://127.0.0.1:${http.addr.port}`,
      close: () => http.shutdown(),
    };
  }

  async #webhook(event: "egress_started" | "egress_updated" | "egress_ended", info: EgressInfo) {
    const signed = await signWebhook(
      this.opts.settings,
      webhookEvent({
        id: `EV_${info.egressId}_${event}`,
        event,
        egressInfo: info,
        createdAt: BigInt(Math.floor(Date.now() / 1000)),
      }),
    );
    const res = await fetch(this.webhookUrl, {
      method: "POST",
      headers: { authorization: signed.authorization, "content-type": "application/webhook+json" },
      body: signed.body,
    });
    await res.body?.cancel();
    this.webhookStatuses.push(res.status);
  }

  async #run(run: Run, filenamePrefix: string, playlist: string, segmentSeconds: number) {
    const startedAt = Date.now();
    const info = run.info;
    const egressId = info.egressId;
    const roomId = info.roomName;
    const prefix = filenamePrefix.slice(0, filenamePrefix.lastIndexOf("/") + 1);
    const base = filenamePrefix.slice(prefix.length);
    await new Promise((r) => setTimeout(r, 50)); // after start() returned, as in LiveKit
    info.status = EgressStatus.EGRESS_ACTIVE;
    await this.#webhook("egress_started", info);
    const dir = await Deno.makeTempDir({ prefix: "synapse-egress-" });
    try {
      await runFfmpeg([
        ...synthAvInputArgs(this.opts.mediaSeconds),
        ...h264AacArgs(segmentSeconds),
        "-f",
        "hls",
        "-hls_time",
        String(segmentSeconds),
        "-hls_list_size",
        "0",
        "-hls_segment_filename",
        `${dir}/${base}_%05d.ts`,
        `${dir}/local.m3u8`,
      ]);
      const local = parseMediaPlaylist(await Deno.readTextFile(`${dir}/local.m3u8`));
      const uploaded: PlaylistSegment[] = [];
      let at = startedAt;
      for (const seg of local.segments) {
        if (uploaded.length === this.opts.holdAfter) {
          this.held++;
          await this.#release.promise;
          this.held--;
        }
        if (run.stop) break;
        await this.opts.objects.putFile(`${prefix}${seg.uri}`, `${dir}/${seg.uri}`, "video/mp2t");
        uploaded.push({ ...seg, programDateTime: at });
        at += Math.round(seg.durationSec * 1000);
        await this.opts.objects.put(playlist, buildMediaPlaylist(uploaded, { ended: false }));
        await new Promise((r) => setTimeout(r, this.opts.uploadEveryMs ?? 300));
      }
      info.status = EgressStatus.EGRESS_ENDING;
      await this.opts.objects.put(playlist, buildMediaPlaylist(uploaded, { ended: true }));
      const ended = EgressInfo.fromJson({
        egressId,
        roomName: roomId,
        status: "EGRESS_COMPLETE",
        startedAt: String(startedAt * 1_000_000),
        endedAt: String(at * 1_000_000),
        segmentResults: [{
          playlistName: playlist,
          playlistLocation: `s3://synapse/${playlist}`,
          segmentCount: String(uploaded.length),
          duration: String(Math.round(uploaded.reduce((s, x) => s + x.durationSec, 0) * 1e9)),
        }],
      });
      run.info = ended;
      await this.#webhook("egress_ended", ended);
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
}
