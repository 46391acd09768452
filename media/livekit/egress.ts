/**
 * Starting recordings through LiveKit egress (cluster mode): a room-composite egress writing
 * segmented HLS (`seg_*.ts` + `index.m3u8`) straight to S3 under the recording's prefix.
 * `EgressStarter` is the seam: where no egress service is deployed, another starter (the
 * test stand-in) plays its part. `EgressLister` asks LiveKit what became of an egress
 * (`ListEgress`), for the reconciler after a restart (media/livekit/reconcile.ts).
 */
import { EgressClient, EgressStatus, S3Upload, SegmentedFileOutput } from "livekit-server-sdk";
import { MediaError } from "../errors.ts";
import type { S3Settings } from "../s3_settings.ts";
import { recordingPrefix } from "../../actors/recording/storage_keys.ts";
import { livekitRoomName, type LivekitSettings } from "./settings.ts";

export interface EgressStarter {
  /** Start recording `roomId` into `recordings/{roomId}/{recordingId}/`; returns the egress id. */
  start(roomId: string, recordingId: string, segmentSeconds: number): Promise<string>;
  stop(egressId: string): Promise<void>;
}

/** What LiveKit says of an egress. */
export interface EgressState {
  /** Still recording (starting, active or ending: more segments may come). */
  active: boolean;
  /** Ended with an error (failed, aborted). */
  failed: boolean;
  /** When it ended (ms since the epoch), when LiveKit says. */
  endedAt?: number;
  status: string;
}

export interface EgressLister {
  /** The egress's state, or null: LiveKit does not know it. Throws if LiveKit fails. */
  egressState(egressId: string): Promise<EgressState | null>;
}

const ACTIVE = new Set([
  EgressStatus.EGRESS_STARTING,
  EgressStatus.EGRESS_ACTIVE,
  EgressStatus.EGRESS_ENDING,
]);
const FAILED = new Set([EgressStatus.EGRESS_FAILED, EgressStatus.EGRESS_ABORTED]);

export class LivekitEgressStarter implements EgressStarter, EgressLister {
  readonly #client: EgressClient;

  constructor(settings: LivekitSettings, private readonly s3: S3Settings) {
    this.#client = new EgressClient(settings.httpUrl, settings.apiKey, settings.apiSecret);
  }

  async start(roomId: string, recordingId: string, segmentSeconds: number): Promise<string> {
    const output = new SegmentedFileOutput({
      filenamePrefix: `${recordingPrefix(roomId, recordingId)}seg`,
      playlistName: `${recordingPrefix(roomId, recordingId)}index.m3u8`,
      segmentDuration: segmentSeconds,
      output: {
        case: "s3",
        value: new S3Upload({
          accessKey: this.s3.accessKeyId,
          secret: this.s3.secretAccessKey,
          region: this.s3.region,
          endpoint: this.s3.endpoint ?? "",
          bucket: this.s3.bucket,
          forcePathStyle: this.s3.endpoint !== undefined,
        }),
      },
    });
    try {
      const info = await this.#client.startRoomCompositeEgress(livekitRoomName(roomId), output, {
        layout: "speaker",
      });
      return info.egressId;
    } catch (err) {
      throw new MediaError(
        "egress_unavailable",
        `LiveKit egress is not available: ${err instanceof Error ? err.message : String(err)}`,
        503,
      );
    }
  }

  async stop(egressId: string): Promise<void> {
    try {
      await this.#client.stopEgress(egressId);
    } catch (err) {
      throw new MediaError(
        "egress_unavailable",
        `could not stop egress: ${(err as Error).message}`,
        503,
      );
    }
  }

  async egressState(egressId: string): Promise<EgressState | null> {
    const items = await this.#client.listEgress({ egressId });
    const info = items.find((i) => i.egressId === egressId);
    if (!info) return null;
    const state: EgressState = {
      active: ACTIVE.has(info.status),
      failed: FAILED.has(info.status) || (!ACTIVE.has(info.status) && info.error !== ""),
      status: EgressStatus[info.status] ?? String(info.status),
    };
    const endedNs = Number(info.endedAt ?? 0n);
    if (!state.active && endedNs > 0) state.endedAt = Math.round(endedNs / 1e6);
    return state;
  }
}
