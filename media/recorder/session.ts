/**
 * One recording: runs the segmenter over a source, uploads each finished segment to S3
 * under `recordings/{roomId}/{recordingId}/`, keeps the stored playlist current, emits
 * `segment_ready`; restarts a dying ffmpeg with backoff (the gap is recorded and marked
 * as a discontinuity), and pauses/resumes on request (disk or quota guard).
 */
import { CrashBackoff } from "../../engine/resilience/backoff.ts";
import type { Logger } from "../../engine/log.ts";
import { buildMediaPlaylist, type PlaylistSegment } from "../hls.ts";
import type { ObjectStore } from "../object_store.ts";
import { playlistKey, segmentKey } from "../../actors/recording/storage_keys.ts";
import type { RecordingEvent, RecordingEventHub } from "./events.ts";
import { type LocalSegment, type SegmenterInput, SegmenterRun } from "./segmenter.ts";

/** Where media comes from; `open` is called for every ffmpeg run (first, restarts, resumes). */
export interface RecordingSource {
  readonly kind: "livekit" | "url";
  /** A short description for status (never secrets). */
  readonly describe: string;
  open(dir: string): Promise<SegmenterInput>;
  /**
   * Asked when ffmpeg exits on its own: true when the stream is over (the streamer left,
   * the HLS playlist has ENDLIST) — the recording stops instead of restarting ffmpeg.
   */
  ended(): Promise<boolean>;
  /**
   * Why it is over, when the source knows more than "the stream ended": `media_server_lost`
   * when the media server went away under the stream (the recording is then interrupted,
   * to be resumed when the streamer is back: media/livekit/reconcile.ts).
   */
  endReason?(): typeof MEDIA_SERVER_LOST | undefined;
  close(): Promise<void>;
}

export type RecordingState = "recording" | "paused" | "stopped" | "failed";

/** A recording's end reason when the media server went away under a live stream. */
export const MEDIA_SERVER_LOST = "media_server_lost" as const;

export interface RecordingStatus {
  recordingId: string;
  roomId: string;
  source: "livekit" | "url";
  describe: string;
  state: RecordingState;
  startedAt: number;
  stoppedAt?: number;
  segments: number;
  bytes: number;
  restarts: number;
  gaps: { from: number; to: number; reason: string }[];
  pauseReason?: string;
}

export interface SessionOptions {
  recordingId: string;
  roomId: string;
  source: RecordingSource;
  store: ObjectStore;
  events: RecordingEventHub;
  workDir: string;
  segmentSeconds: number;
  log: Logger;
  /** Restarts allowed within `restartWindowMs` before the recording is given up. */
  maxRestarts?: number;
  restartWindowMs?: number;
  backoffBaseMs?: number;
  clock?: () => number;
}

export class RecordingSession {
  readonly #status: RecordingStatus;
  readonly #segments: PlaylistSegment[] = [];
  readonly #backoff: CrashBackoff;
  readonly #clock: () => number;
  #run?: SegmenterRun;
  #nextSeq = 0;
  #pendingDiscontinuity = false;
  /** End of media before the current hole (crash, pause), to record the gap. */
  #holeFrom?: { at: number; reason: "encoder_restart" | "paused" | "source_lost" };
  #uploads: Promise<void> = Promise.resolve();
  #finished: Promise<void>;
  #finish!: () => void;
  #restartTimer?: ReturnType<typeof setTimeout>;

  constructor(private readonly opts: SessionOptions) {
    this.#clock = opts.clock ?? Date.now;
    this.#backoff = new CrashBackoff(
      opts.backoffBaseMs ?? 500,
      30_000,
      opts.restartWindowMs ?? 60_000,
    );
    this.#status = {
      recordingId: opts.recordingId,
      roomId: opts.roomId,
      source: opts.source.kind,
      describe: opts.source.describe,
      state: "recording",
      startedAt: this.#clock(),
      segments: 0,
      bytes: 0,
      restarts: 0,
      gaps: [],
    };
    this.#finished = new Promise((r) => (this.#finish = r));
  }

  get id(): string {
    return this.opts.recordingId;
  }

  status(): RecordingStatus {
    return structuredClone(this.#status);
  }

  /** Resolves when the recording is stopped or failed and every upload is done. */
  get finished(): Promise<void> {
    return this.#finished;
  }

  async start(): Promise<void> {
    this.#emit({
      type: "recording_started",
      recordingId: this.id,
      roomId: this.opts.roomId,
      source: this.opts.source.kind,
      // The status' start: the index, the analysis windows and the status all count from it.
      at: this.#status.startedAt,
    });
    await this.#startRun();
  }

  async #startRun(): Promise<void> {
    if (this.#status.state !== "recording") return;
    const dir = `${this.opts.workDir}/run_${this.#nextSeq}_${this.#status.restarts}`;
    await Deno.mkdir(dir, { recursive: true });
    const input = await this.opts.source.open(dir);
    if (this.#status.state !== "recording") {
      await input.close?.();
      return;
    }
    const run = new SegmenterRun({
      dir,
      segmentSeconds: this.opts.segmentSeconds,
      firstSeq: this.#nextSeq,
      input,
      log: this.opts.log,
      clock: this.#clock,
      onSegment: (seg) => this.#onSegment(seg),
    });
    this.#run = run;
    void run.exited.then((exit) =>
      this.#onRunExit(run, exit.code, exit.requested, exit.stderrTail)
    );
  }

  #onSegment(seg: LocalSegment): Promise<void> {
    this.#nextSeq = seg.seq + 1;
    if (seg.durationSec < 0.05) {
      // ffmpeg closes an empty segment when its input ends before any frame: skip it.
      return Deno.remove(seg.path).catch(() => {});
    }
    if (this.#holeFrom) {
      const gap = {
        from: this.#holeFrom.at,
        to: Math.max(this.#holeFrom.at, seg.startAt),
        reason: this.#holeFrom.reason,
      };
      this.#holeFrom = undefined;
      this.#status.gaps.push(gap);
      this.#emit({ type: "recording_gap", recordingId: this.id, roomId: this.opts.roomId, ...gap });
    }
    const discontinuity = this.#pendingDiscontinuity;
    this.#pendingDiscontinuity = false;
    this.#uploads = this.#uploads.then(() => this.#upload(seg, discontinuity));
    return this.#uploads;
  }

  async #upload(seg: LocalSegment, discontinuity: boolean): Promise<void> {
    const key = segmentKey(this.opts.roomId, this.id, seg.seq);
    try {
      const bytes = await this.opts.store.putFile(key, seg.path, "video/mp2t");
      this.#segments.push({
        uri: key.slice(key.lastIndexOf("/") + 1),
        durationSec: seg.durationSec,
        programDateTime: seg.startAt,
        discontinuity,
      });
      await this.#writePlaylist(false);
      this.#status.segments++;
      this.#status.bytes += bytes;
      await Deno.remove(seg.path).catch(() => {});
      this.#emit({
        type: "segment_ready",
        recordingId: this.id,
        roomId: this.opts.roomId,
        seq: seg.seq,
        key,
        startAt: seg.startAt,
        endAt: seg.endAt,
        durationSec: seg.durationSec,
        bytes,
      });
    } catch (err) {
      // The segment stays on disk; the playlist skips it (a gap viewers can see).
      this.opts.log.error("segment upload failed", {
        recordingId: this.id,
        seq: seg.seq,
        error: err as Error,
      });
      this.#status.gaps.push({ from: seg.startAt, to: seg.endAt, reason: "upload_failed" });
    }
  }

  #writePlaylist(ended: boolean): Promise<void> {
    return this.opts.store.put(
      playlistKey(this.opts.roomId, this.id),
      buildMediaPlaylist(this.#segments, { ended }),
      "application/vnd.apple.mpegurl",
    );
  }

  async #onRunExit(
    run: SegmenterRun,
    code: number,
    requested: boolean,
    stderrTail: string,
  ): Promise<void> {
    if (this.#run !== run) return;
    this.#run = undefined;
    if (requested || this.#status.state !== "recording") return;
    if (await this.opts.source.ended()) {
      await this.#end("stopped", this.opts.source.endReason?.() ?? "stream_ended");
      return;
    }
    // ffmpeg died on its own: restart with backoff, the hole becomes a recorded gap.
    this.#holeFrom = { at: run.lastEndAt, reason: "encoder_restart" };
    this.#pendingDiscontinuity = true;
    const delay = this.#backoff.next("ffmpeg", this.#clock());
    const crashes = this.#backoff.crashes("ffmpeg");
    this.opts.log.warn("recorder ffmpeg exited; restarting", {
      recordingId: this.id,
      code,
      crashes,
      delayMs: delay,
      stderr: stderrTail.slice(-300),
    });
    if (crashes > (this.opts.maxRestarts ?? 5)) {
      // Given up: the rest of the stream is a gap up to now.
      const gap = {
        from: this.#holeFrom.at,
        to: Math.max(this.#holeFrom.at, this.#clock()),
        reason: "source_lost" as const,
      };
      this.#holeFrom = undefined;
      this.#status.gaps.push(gap);
      this.#emit({ type: "recording_gap", recordingId: this.id, roomId: this.opts.roomId, ...gap });
      await this.#end("failed", "source_lost");
      return;
    }
    this.#status.restarts++;
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      this.#startRun().catch((err) => {
        this.opts.log.error("recorder restart failed", {
          recordingId: this.id,
          error: err as Error,
        });
        void this.#end("failed", "failed");
      });
    }, delay);
  }

  /** Stop writing (the current segment is finished and uploaded) until `resume`. */
  async pause(reason: "disk_low" | "bucket_quota"): Promise<void> {
    if (this.#status.state !== "recording") return;
    this.#status.state = "paused";
    this.#status.pauseReason = reason;
    clearTimeout(this.#restartTimer);
    const run = this.#run;
    this.#run = undefined;
    if (run) await run.stop();
    await this.#uploads;
    this.#holeFrom = { at: run?.lastEndAt ?? this.#clock(), reason: "paused" };
    this.#pendingDiscontinuity = true;
    this.#emit({
      type: "recording_paused",
      recordingId: this.id,
      roomId: this.opts.roomId,
      reason,
      at: this.#clock(),
    });
  }

  async resume(): Promise<void> {
    if (this.#status.state !== "paused") return;
    this.#status.state = "recording";
    this.#status.pauseReason = undefined;
    this.#emit({
      type: "recording_resumed",
      recordingId: this.id,
      roomId: this.opts.roomId,
      at: this.#clock(),
    });
    await this.#startRun();
  }

  /** Finish the current segment, upload it, close the playlist (VOD). */
  async stop(reason: "requested" | "stream_ended" = "requested"): Promise<RecordingStatus> {
    if (this.#status.state === "stopped" || this.#status.state === "failed") return this.status();
    await this.#end("stopped", reason);
    return this.status();
  }

  async #end(
    state: "stopped" | "failed",
    reason: "requested" | "stream_ended" | "source_lost" | "failed" | typeof MEDIA_SERVER_LOST,
  ) {
    if (this.#status.state === "stopped" || this.#status.state === "failed") return;
    this.#status.state = state;
    clearTimeout(this.#restartTimer);
    const run = this.#run;
    this.#run = undefined;
    if (run) await run.stop();
    await this.#uploads;
    await this.opts.source.close().catch(() => {});
    if (this.#segments.length > 0) {
      await this.#writePlaylist(true).catch((err) =>
        this.opts.log.error("final playlist write failed", {
          recordingId: this.id,
          error: err as Error,
        })
      );
    }
    this.#status.stoppedAt = this.#clock();
    this.#emit({
      type: "recording_stopped",
      recordingId: this.id,
      roomId: this.opts.roomId,
      at: this.#status.stoppedAt,
      reason,
      segments: this.#status.segments,
    });
    await Deno.remove(this.opts.workDir, { recursive: true }).catch(() => {});
    this.#finish();
  }

  /** Kill the current ffmpeg as if it crashed (tests of the restart path). */
  crashEncoderForTest(): void {
    this.#run?.crash();
  }

  #emit(event: RecordingEvent): void {
    this.opts.events.emit(event);
  }
}
