/**
 * Media's variables: what runs embedded, LiveKit, object storage, recording, speech
 * recognition and live captions.
 * Validated at start-up with every other part's (edge/wiring/config.ts) and listed in the
 * README's configuration table.
 */
import { z } from "zod";
import { bool, int, opt, type Variables } from "../engine/config.ts";
import { isTimeZone } from "./recorder/window_names.ts";

export const MEDIA_VARIABLES = {
  /**
   * `auto`: in embedded mode, whatever is not configured runs here (livekit-server, Redis and
   * the ingress as supervised child processes; recordings on the local disk under DATA_DIR);
   * `external`: only what LIVEKIT_* / S3_* configure; `off`: no media at all.
   */
  MEDIA: z.enum(["auto", "external", "off"]).default("auto"),
  /** RTMP port of the embedded ingress, where OBS pushes (0: any free port). */
  MEDIA_RTMP_PORT: int(1935, 0).pipe(z.number().max(65_535)),
  /** The ingress transcodes OBS's stream into three simulcast layers (more CPU) instead of one. */
  INGRESS_SIMULCAST: bool.default(false),
  /** Where the Go media servers are built once (default ~/.cache/synapse-live/tools). */
  SYNAPSE_TOOLS_DIR: opt,
  LIVEKIT_URL: opt,
  LIVEKIT_API_KEY: opt,
  LIVEKIT_API_SECRET: opt,
  S3_ENDPOINT: opt,
  S3_REGION: z.string().default("us-east-1"),
  S3_BUCKET: z.string().default("synapse"),
  S3_ACCESS_KEY: opt,
  S3_SECRET_KEY: opt,
  /** Seconds per recorded HLS segment (recorder agent and egress). */
  RECORDING_SEGMENT_SECONDS: int(6, 1),
  /** Recordings one process runs at once (recorder agent); more are refused. */
  RECORDING_MAX_CONCURRENT: int(4, 1),
  /** Recordings pause while free disk under DATA_DIR is below this many MiB. */
  RECORDING_MIN_FREE_DISK_MB: int(512, 0),
  /** Recordings pause while the bucket's `recordings/` holds more MiB than this (0: no quota). */
  RECORDING_BUCKET_QUOTA_MB: int(0, 0),
  /**
   * Time zone (IANA) of the dates and times in windowed recordings' MP4 names
   * (`{anchor}_{YYYYmmdd_HHMMSS}_{seq}.mp4`, the Douyin document's API).
   */
  RECORDING_NAME_TZ: z.string().default("UTC").refine(isTimeZone, "not a time zone Intl knows"),
  /** Record through LiveKit egress (cluster) instead of the in-process recorder agent. */
  RECORDING_VIA_EGRESS: bool.default(false),
  /** How often (ms) live rooms and recordings are reconciled with LiveKit after a restart (0: off). */
  RECORDING_RECONCILE_MS: int(30_000, 0),
  /** Speech recogniser: `auto` (remote if ASR_BASE_URL set, else local pocketsphinx if
   * installed), `remote`, `local`, or `off`. */
  ASR_ENGINE: z.enum(["auto", "remote", "local", "off"]).default("auto"),
  ASR_BASE_URL: opt,
  ASR_API_KEY: opt,
  ASR_MODEL: opt,
  /**
   * Noise suppression (RNNoise) of the streamer's audio before VAD and recognition, live and
   * per segment: at most this many dB of noise removed (100: RNNoise's full output; 0: off).
   */
  AUDIO_DENOISE_DB: int(100, 0).pipe(z.number().max(100)),
  /** Live captions: longest utterance (ms) before it is cut without a pause and recognised. */
  CAPTION_MAX_UTTERANCE_MS: int(4_000, 1_000).pipe(z.number().max(30_000)),
  /**
   * Liveness check while live: sample each recorded participant's picture this often (ms)
   * for frozen pictures, repeating loops and the antispoof/liveness models (0: off).
   */
  LIVE_FRAME_SAMPLE_MS: int(2_000, 0),
  /** A picture unchanged this long (seconds) is flagged as possibly not a live camera. */
  LIVENESS_FROZEN_S: int(20, 2),
};

export type MediaConfig = Variables<typeof MEDIA_VARIABLES>;
