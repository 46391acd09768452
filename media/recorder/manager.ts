/**
 * Runs the recordings of this process: starts one per room (the recorder agent) or per
 * external URL, enforces the concurrent-recordings limit, pauses all recordings while
 * free disk or bucket quota is short and resumes them when it recovers.
 */
import { metrics } from "../../engine/metrics.ts";
import type { Logger } from "../../engine/log.ts";
import { ID_PATTERN } from "../../engine/subject.ts";
import { MediaError } from "../errors.ts";
import type { LivekitSettings } from "../livekit/settings.ts";
import type { StageHint } from "../livekit/stage_metadata.ts";
import type { ObjectStore } from "../object_store.ts";
import { RecordingAudioHub, RecordingEventHub, RecordingVideoHub } from "./events.ts";
import { brokenLimit, DfDiskProbe, type DiskProbe, type GuardLimits } from "./guards.ts";
import type { LivekitSource } from "./livekit_source.ts";
import { RecordingSession, type RecordingSource, type RecordingStatus } from "./session.ts";
import { newRecordingId } from "./recording_id.ts";
import {
  DirectUrlResolver,
  type ResolvedStream,
  type ResolveOptions,
  type StreamUrlResolver,
  UrlSource,
} from "./url_source.ts";

/** Free bytes on the recordings' work disk, as the guard last measured them (alerts). */
const RECORDING_DISK_FREE = metrics.gauge(
  "synapse_recording_disk_free_bytes",
  "Free bytes on the filesystem holding the recorder's work directory",
);

export interface RecordingManagerOptions {
  store: ObjectStore;
  /** Unset: room recordings are refused (`media_disabled`); URL recordings still work. */
  livekit?: LivekitSettings;
  /** Local folder for segments in progress. */
  workRoot: string;
  segmentSeconds?: number;
  maxConcurrent?: number;
  limits?: GuardLimits;
  guardEveryMs?: number;
  diskProbe?: DiskProbe;
  resolver?: StreamUrlResolver;
  log: Logger;
  clock?: () => number;
  /**
   * The room's stage when a room recording starts (its layout and guests, for the
   * composed picture); later changes reach the recorder through LiveKit's room metadata.
   */
  stageOf?: (roomId: string) => Promise<StageHint | undefined>;
  /** Sample each participant's live picture this often (ms) for `video`; 0: never. */
  videoSampleMs?: number;
  /** Restart policy of a dying ffmpeg (see RecordingSession). */
  maxRestarts?: number;
  backoffBaseMs?: number;
}

export { newRecordingId };

export class RecordingManager {
  readonly events = new RecordingEventHub();
  /** The live audio of room recordings, frame by frame (live captions). */
  readonly audio = new RecordingAudioHub();
  /** Sampled live pictures of room recordings' participants (liveness checks). */
  readonly video = new RecordingVideoHub();
  readonly #sessions = new Map<string, RecordingSession>();
  /** Finished recordings' last status (bounded), for `status` after the end. */
  readonly #finished = new Map<string, RecordingStatus>();
  /** Room recordings being started (joining LiveKit, waiting for tracks). */
  readonly #starting = new Map<string, Promise<RecordingStatus>>();
  #limits: GuardLimits;
  #guardTimer?: ReturnType<typeof setInterval>;
  #guardRunning = false;
  #pausedFor?: "disk_low" | "bucket_quota";
  readonly #diskProbe: DiskProbe;
  readonly #resolver: StreamUrlResolver;
  readonly #clock: () => number;

  constructor(private readonly opts: RecordingManagerOptions) {
    this.#limits = opts.limits ?? { minFreeDiskBytes: 512 * 1024 * 1024 };
    this.#diskProbe = opts.diskProbe ?? new DfDiskProbe();
    this.#resolver = opts.resolver ?? new DirectUrlResolver();
    this.#clock = opts.clock ?? Date.now;
    this.#guardTimer = setInterval(() => void this.checkGuards(), opts.guardEveryMs ?? 5_000);
  }

  setLimits(limits: GuardLimits): void {
    this.#limits = limits;
  }

  /** Active recording of a room, if any. */
  activeForRoom(roomId: string): RecordingStatus | undefined {
    for (const s of this.#sessions.values()) if (s.status().roomId === roomId) return s.status();
    return undefined;
  }

  /**
   * Record the room's live stream with the recorder agent. Idempotent per room: a room
   * already recording returns that recording.
   */
  async startRoom(
    roomId: string,
    opts: { streamerIdentity?: string } = {},
  ): Promise<RecordingStatus> {
    if (!ID_PATTERN.test(roomId)) throw new MediaError("bad_room", "invalid room id");
    const existing = this.activeForRoom(roomId);
    if (existing) return existing;
    if (!this.opts.livekit) {
      throw new MediaError("media_disabled", "LiveKit is not configured", 503);
    }
    const starting = this.#starting.get(roomId);
    if (starting) return await starting;
    this.#checkCapacity();
    const recordingId = newRecordingId(this.#clock);
    const settings = this.opts.livekit;
    const start = (async () => {
      // @livekit/rtc-node is a native library of tens of MB: loaded at the first recording.
      const { LivekitSource: Source } = await import("./livekit_source.ts");
      const stage = await this.opts.stageOf?.(roomId).catch((err) => {
        this.opts.log.warn("room stage unknown; the recorder starts with a grid", {
          roomId,
          error: err as Error,
        });
        return undefined;
      });
      const source: LivekitSource = await Source.connect({
        stage,
        settings,
        roomId,
        recordingId,
        streamerIdentity: opts.streamerIdentity,
        log: this.opts.log,
        onAudio: (f) => {
          if (this.audio.listening) this.audio.emit({ recordingId, roomId, ...f });
        },
        videoSampleMs: this.opts.videoSampleMs,
        onVideoSample: (v) => {
          if (this.video.listening) this.video.emit({ recordingId, roomId, ...v });
        },
      });
      return await this.#begin(recordingId, roomId, source);
    })();
    this.#starting.set(roomId, start);
    try {
      return await start;
    } finally {
      this.#starting.delete(roomId);
    }
  }

  /** Record an external live stream into the room's recordings. */
  async startUrl(roomId: string, input: string): Promise<RecordingStatus> {
    if (!ID_PATTERN.test(roomId)) throw new MediaError("bad_room", "invalid room id");
    this.#checkCapacity();
    const stream = await this.#resolver.resolve(input);
    return await this.#begin(newRecordingId(this.#clock), roomId, new UrlSource(stream));
  }

  /**
   * What a pasted URL records (a platform page resolved to its stream, with its anchor), by
   * the same resolver and SSRF rules as `startUrl`; nothing starts.
   */
  resolve(input: string, opts?: ResolveOptions): Promise<ResolvedStream> {
    return this.#resolver.resolve(input, opts);
  }

  /** Record a stream `resolve` answered, under a recording id chosen by the caller. */
  async startResolved(
    roomId: string,
    stream: ResolvedStream,
    recordingId: string = newRecordingId(this.#clock),
  ): Promise<RecordingStatus> {
    if (!ID_PATTERN.test(roomId)) throw new MediaError("bad_room", "invalid room id");
    if (!ID_PATTERN.test(recordingId)) throw new MediaError("bad_recording", "invalid id");
    this.#checkCapacity();
    return await this.#begin(recordingId, roomId, new UrlSource(stream));
  }

  /** Whether another recording may start now (`recording_limit`, 429, when not). */
  checkCapacity(): void {
    this.#checkCapacity();
  }

  /** Why recordings are paused now (disk or bucket guard), if they are. */
  get pausedFor(): "disk_low" | "bucket_quota" | undefined {
    return this.#pausedFor;
  }

  #checkCapacity(): void {
    const max = this.opts.maxConcurrent ?? 4;
    if (this.#sessions.size + this.#starting.size > max) {
      throw new MediaError("recording_limit", `at most ${max} recordings at once`, 429);
    }
  }

  async #begin(
    recordingId: string,
    roomId: string,
    source: RecordingSource,
  ): Promise<RecordingStatus> {
    if (this.#sessions.size >= (this.opts.maxConcurrent ?? 4)) {
      await source.close();
      throw new MediaError(
        "recording_limit",
        `at most ${this.opts.maxConcurrent ?? 4} recordings at once`,
        429,
      );
    }
    const session = new RecordingSession({
      recordingId,
      roomId,
      source,
      store: this.opts.store,
      events: this.events,
      workDir: `${this.opts.workRoot}/${recordingId}`,
      segmentSeconds: this.opts.segmentSeconds ?? 6,
      log: this.opts.log.child({ recordingId, roomId }),
      clock: this.#clock,
      maxRestarts: this.opts.maxRestarts,
      backoffBaseMs: this.opts.backoffBaseMs,
    });
    this.#sessions.set(recordingId, session);
    void session.finished.then(() => {
      this.#sessions.delete(recordingId);
      this.#finished.set(recordingId, session.status());
      if (this.#finished.size > 1000) this.#finished.delete(this.#finished.keys().next().value!);
    });
    await Deno.mkdir(this.opts.workRoot, { recursive: true });
    await session.start();
    if (this.#pausedFor) await session.pause(this.#pausedFor);
    return session.status();
  }

  async stop(recordingId: string): Promise<RecordingStatus> {
    const session = this.#sessions.get(recordingId);
    if (!session) {
      const done = this.#finished.get(recordingId);
      if (done) return done;
      throw new MediaError("recording_not_found", `no recording ${recordingId}`, 404);
    }
    return await session.stop("requested");
  }

  /** Stop the room's recording because the stream ended (webhook). */
  async stopRoom(roomId: string): Promise<RecordingStatus | undefined> {
    const active = this.activeForRoom(roomId);
    if (!active) return undefined;
    return await this.#sessions.get(active.recordingId)!.stop("stream_ended");
  }

  status(recordingId: string): RecordingStatus | undefined {
    return this.#sessions.get(recordingId)?.status() ?? this.#finished.get(recordingId);
  }

  list(): RecordingStatus[] {
    return [...this.#sessions.values()].map((s) => s.status());
  }

  session(recordingId: string): RecordingSession | undefined {
    return this.#sessions.get(recordingId);
  }

  /** Check free disk and bucket usage now; pause or resume every recording accordingly. */
  async checkGuards(): Promise<void> {
    if (this.#guardRunning) return;
    this.#guardRunning = true;
    try {
      await Deno.mkdir(this.opts.workRoot, { recursive: true });
      const free = await this.#diskProbe.freeBytes(this.opts.workRoot);
      RECORDING_DISK_FREE.set(free);
      const usage = this.#limits.bucketQuotaBytes === undefined
        ? undefined
        : await this.opts.store.usage("recordings/");
      const broken = brokenLimit(this.#limits, free, usage);
      if (broken && !this.#pausedFor) {
        this.#pausedFor = broken;
        this.opts.log.warn("recordings paused", {
          reason: broken,
          freeDisk: free,
          bucketUsage: usage,
        });
        await Promise.all([...this.#sessions.values()].map((s) => s.pause(broken)));
      } else if (!broken && this.#pausedFor) {
        this.#pausedFor = undefined;
        this.opts.log.info("recordings resumed", { freeDisk: free, bucketUsage: usage });
        await Promise.all([...this.#sessions.values()].map((s) => s.resume()));
      }
    } catch (err) {
      this.opts.log.warn("recording guard check failed", { error: err as Error });
    } finally {
      this.#guardRunning = false;
    }
  }

  /** Stop every recording (their last segments are uploaded) and the guard timer. */
  async close(): Promise<void> {
    clearInterval(this.#guardTimer);
    await Promise.all([...this.#sessions.values()].map((s) => s.stop("requested")));
  }
}
