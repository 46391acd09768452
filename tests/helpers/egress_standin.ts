/**
 * Plays LiveKit egress's part where no egress service can run (it needs GStreamer/Chrome):
 * on `start` it sends a signed `egress_started` webhook, encodes real H.264/AAC HLS with
 * ffmpeg, uploads each segment and the growing playlist to S3 under the recording's prefix
 * as egress does, then sends `egress_ended` — all signed exactly as LiveKit signs them.
 */
import { EgressInfo, EgressStatus } from "livekit-server-sdk";
import { h264AacArgs, runFfmpeg, synthAvInputArgs } from "../../media/ffmpeg.ts";
import { buildMediaPlaylist, parseMediaPlaylist, type PlaylistSegment } from "../../media/hls.ts";
import type { EgressStarter } from "../../media/livekit/egress.ts";
import type { LivekitSettings } from "../../media/livekit/settings.ts";
import { signWebhook, webhookEvent } from "../../media/livekit/webhooks.ts";
import type { ObjectStore } from "../../media/s3.ts";
import { playlistKey, recordingPrefix } from "../../media/storage_keys.ts";

export class EgressStandIn implements EgressStarter {
  webhookUrl = "";
  readonly runs: Promise<void>[] = [];
  readonly webhookStatuses: number[] = [];
  #n = 0;

  constructor(
    private readonly opts: {
      objects: ObjectStore;
      settings: LivekitSettings;
      /** Seconds of media each egress produces. */
      mediaSeconds: number;
      /** Pause between segment uploads (egress uploads as segments close). */
      uploadEveryMs?: number;
    },
  ) {}

  start(roomId: string, recordingId: string, segmentSeconds: number): Promise<string> {
    const egressId = `EG_standin${++this.#n}`;
    this.runs.push(this.#run(egressId, roomId, recordingId, segmentSeconds));
    return Promise.resolve(egressId);
  }

  stop(_egressId: string): Promise<void> {
    return Promise.resolve();
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

  async #run(egressId: string, roomId: string, recordingId: string, segmentSeconds: number) {
    const startedAt = Date.now();
    const info = new EgressInfo({
      egressId,
      roomName: roomId,
      status: EgressStatus.EGRESS_STARTING,
    });
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
        `${dir}/seg_%05d.ts`,
        `${dir}/local.m3u8`,
      ]);
      const local = parseMediaPlaylist(await Deno.readTextFile(`${dir}/local.m3u8`));
      const uploaded: PlaylistSegment[] = [];
      let at = startedAt;
      for (const seg of local.segments) {
        await this.opts.objects.putFile(
          `${recordingPrefix(roomId, recordingId)}${seg.uri}`,
          `${dir}/${seg.uri}`,
          "video/mp2t",
        );
        uploaded.push({ ...seg, programDateTime: at });
        at += Math.round(seg.durationSec * 1000);
        await this.opts.objects.put(
          playlistKey(roomId, recordingId),
          buildMediaPlaylist(uploaded, { ended: false }),
        );
        await new Promise((r) => setTimeout(r, this.opts.uploadEveryMs ?? 300));
      }
      await this.opts.objects.put(
        playlistKey(roomId, recordingId),
        buildMediaPlaylist(uploaded, { ended: true }),
      );
      const ended = EgressInfo.fromJson({
        egressId,
        roomName: roomId,
        status: "EGRESS_COMPLETE",
        segmentResults: [{
          playlistName: playlistKey(roomId, recordingId),
          playlistLocation: `s3://synapse/${playlistKey(roomId, recordingId)}`,
          segmentCount: String(uploaded.length),
          duration: String(Math.round(uploaded.reduce((s, x) => s + x.durationSec, 0) * 1e9)),
        }],
      });
      await this.#webhook("egress_ended", ended);
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
}
