/**
 * The recorder agent's media source: joins the room's LiveKit room as a hidden,
 * subscribe-only participant, takes the streamer's audio and video tracks and feeds raw
 * frames (I420 video, 48 kHz mono s16le audio) to ffmpeg through two FIFOs per run.
 * Video timestamps come from arrival time (wall clock); audio is continuous samples.
 */
import {
  AudioStream,
  DisconnectReason,
  type RemoteParticipant,
  type RemoteTrack,
  Room,
  RoomEvent,
  TrackKind,
  VideoBufferType,
  VideoStream,
} from "@livekit/rtc-node";
import type { Logger } from "../../engine/log.ts";
import { MediaError } from "../errors.ts";
import type { LivekitSettings } from "../livekit/settings.ts";
import { issueToken } from "../livekit/tokens.ts";
import { i420Size, scaleI420 } from "./i420.ts";
import type { SegmenterInput } from "./segmenter.ts";
import { MEDIA_SERVER_LOST, type RecordingSource } from "./session.ts";

const SAMPLE_RATE = 48_000;

/**
 * Why LiveKit may disconnect the recorder on purpose (the room closed or deleted, the
 * recorder removed or closed). Any other reason (signal lost, server shut down or gone,
 * state mismatch, timeout) means the media server went away under a stream that may still
 * be on: the recording is interrupted, not finished.
 */
const ENDED_ON_PURPOSE: ReadonlySet<DisconnectReason> = new Set([
  DisconnectReason.CLIENT_INITIATED,
  DisconnectReason.DUPLICATE_IDENTITY,
  DisconnectReason.PARTICIPANT_REMOVED,
  DisconnectReason.ROOM_DELETED,
  DisconnectReason.ROOM_CLOSED,
]);

export interface LivekitSourceOptions {
  settings: LivekitSettings;
  roomId: string;
  recordingId: string;
  /** Record this participant; default the first participant publishing media. */
  streamerIdentity?: string;
  log: Logger;
  /** How long to wait for the streamer's tracks before giving up. */
  waitTracksMs?: number;
  /** After the first track, how long to wait for the other kind. */
  waitSecondTrackMs?: number;
  /**
   * Every audio frame of the streamer as it arrives (live captions), with the wall clock of
   * its first sample and its offset in the recording (null while no ffmpeg is writing).
   * Called synchronously in the audio pump: it must not block.
   */
  onAudio?: (frame: LiveAudioFrame) => void;
}

/** One decoded audio frame of the streamer (48 kHz mono s16). */
export interface LiveAudioFrame {
  samples: Int16Array;
  sampleRate: number;
  channels: number;
  at: number;
  vodMs: number | null;
}

/** A FIFO writer for one run; frames are dropped while none is open. */
class FifoSink {
  #file?: Deno.FsFile;
  #closed = false;
  #writing: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  /** True while writes reach ffmpeg. */
  get writing(): boolean {
    return this.#file !== undefined && !this.#closed;
  }

  async open(): Promise<void> {
    const file = await Deno.open(this.path, { write: true }); // blocks until ffmpeg reads
    if (this.#closed) file.close();
    else this.#file = file;
  }

  /** Queue a write; writes happen in order, a broken pipe closes the sink. */
  write(bytes: Uint8Array): void {
    if (!this.#file) return;
    const file = this.#file;
    this.#writing = this.#writing.then(async () => {
      if (this.#closed) return;
      let off = 0;
      while (off < bytes.length) off += await file.write(bytes.subarray(off));
    }).catch(() => this.close());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const file = this.#file;
    this.#file = undefined;
    void this.#writing.finally(() => {
      try {
        file?.close();
      } catch { /* already closed */ }
    });
  }
}

function evenSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, 1920 / width, 1080 / height);
  const even = (n: number) => Math.max(2, Math.round((n * scale) / 2) * 2);
  return { width: even(width), height: even(height) };
}

async function mkfifo(path: string): Promise<void> {
  const out = await new Deno.Command("mkfifo", { args: [path], stderr: "piped" }).output();
  if (!out.success) throw new Error(`mkfifo ${path}: ${new TextDecoder().decode(out.stderr)}`);
}

export class LivekitSource implements RecordingSource {
  readonly kind = "livekit" as const;
  readonly describe: string;
  readonly #room = new Room();
  #streamer?: string;
  #audio?: RemoteTrack;
  #video?: RemoteTrack;
  #videoSize?: { width: number; height: number };
  #videoSink?: FifoSink;
  #audioSink?: FifoSink;
  #ended = false;
  /** Set when the stream ended because the media server went away. */
  #endReason?: typeof MEDIA_SERVER_LOST;
  #reconnecting = false;
  #closed = false;
  /** Audio samples written to the recording so far (its audio clock, holes removed). */
  #recordedSamples = 0;
  #trackWaiters: (() => void)[] = [];

  private constructor(private readonly opts: LivekitSourceOptions) {
    this.describe = `livekit room ${opts.roomId}`;
    this.#streamer = opts.streamerIdentity;
  }

  /** Join and wait until the streamer's tracks (audio, video or both) are flowing. */
  static async connect(opts: LivekitSourceOptions): Promise<LivekitSource> {
    const source = new LivekitSource(opts);
    try {
      await source.#join();
    } catch (err) {
      await source.close();
      throw err;
    }
    return source;
  }

  get streamerIdentity(): string | undefined {
    return this.#streamer;
  }

  async #join(): Promise<void> {
    const { settings, roomId, recordingId } = this.opts;
    this.#room.on(
      RoomEvent.TrackSubscribed,
      (track, pub, participant) => this.#onTrack(track, participant, pub.width, pub.height),
    );
    // While the signal connection is re-established (the media server died or restarted),
    // LiveKit reports every participant as gone: the streamer is then lost with the server,
    // not leaving.
    this.#room.on(RoomEvent.Reconnecting, () => this.#reconnecting = true);
    this.#room.on(RoomEvent.Reconnected, () => this.#reconnecting = false);
    this.#room.on(RoomEvent.ParticipantDisconnected, (p) => {
      this.opts.log.debug("participant left the recorded room", {
        identity: p.identity,
        streamer: this.#streamer,
        reconnecting: this.#reconnecting,
      });
      if (p.identity !== this.#streamer) return;
      if (this.#reconnecting) this.#lostServer();
      this.#streamEnded("streamer left");
    });
    this.#room.on(RoomEvent.Disconnected, (reason) => {
      this.opts.log.debug("recorder disconnected", { reason });
      if (this.#reconnecting || !ENDED_ON_PURPOSE.has(reason)) this.#lostServer();
      this.#streamEnded("recorder disconnected");
    });
    const token = await issueToken(settings, "recorder", {
      roomId,
      identity: `recorder-${recordingId}`,
      name: "recorder",
    });
    await this.#room.connect(settings.wsUrl, token, { autoSubscribe: true, dynacast: false });
    for (const p of this.#room.remoteParticipants.values()) {
      for (const pub of p.trackPublications.values()) {
        if (pub.track) this.#onTrack(pub.track as RemoteTrack, p, pub.width, pub.height);
      }
    }
    const deadline = Date.now() + (this.opts.waitTracksMs ?? 15_000);
    while (!this.#audio && !this.#video) {
      if (Date.now() > deadline) {
        throw new MediaError("stream_not_found", `no streamer media in room ${roomId}`, 409);
      }
      await this.#waitTrack(deadline - Date.now());
    }
    const second = Date.now() + (this.opts.waitSecondTrackMs ?? 3_000);
    while (!(this.#audio && this.#video) && Date.now() < second) {
      await this.#waitTrack(second - Date.now());
    }
    if (this.#video) {
      while (!this.#videoSize && Date.now() < deadline) {
        await this.#waitTrack(deadline - Date.now());
      }
      if (!this.#videoSize) {
        throw new MediaError("stream_not_found", "no video frames arrived", 409);
      }
    }
  }

  #waitTrack(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(r, Math.max(10, ms));
      this.#trackWaiters.push(() => {
        clearTimeout(t);
        r();
      });
    });
  }

  #wake(): void {
    this.#trackWaiters.splice(0).forEach((w) => w());
  }

  /** A (re)subscribed track of the streamer replaces the previous one of its kind. */
  #onTrack(
    track: RemoteTrack,
    participant: RemoteParticipant,
    width?: number,
    height?: number,
  ): void {
    this.#streamer ??= participant.identity;
    if (participant.identity !== this.#streamer) return;
    if (track.kind === TrackKind.KIND_VIDEO && track !== this.#video) {
      this.#video = track;
      // Record at the published size (even, capped at 1080p); the first frame decides otherwise.
      if (!this.#videoSize && width && height) this.#videoSize = evenSize(width, height);
      void this.#pumpVideo(track);
    } else if (track.kind === TrackKind.KIND_AUDIO && track !== this.#audio) {
      this.#audio = track;
      void this.#pumpAudio(track);
    }
    this.#wake();
  }

  async #pumpVideo(track: RemoteTrack): Promise<void> {
    try {
      for await (const ev of new VideoStream(track)) {
        if (this.#closed || track !== this.#video) break;
        const frame = ev.frame.type === VideoBufferType.I420
          ? ev.frame
          : ev.frame.convert(VideoBufferType.I420);
        if (!this.#videoSize) {
          this.#videoSize = evenSize(frame.width, frame.height);
          this.#wake();
        }
        if (!this.#videoSink) continue;
        const { width, height } = this.#videoSize;
        const packed = frame.data.subarray(0, i420Size(frame.width, frame.height));
        this.#videoSink.write(
          frame.width === width && frame.height === height
            ? packed.slice()
            : scaleI420(packed, frame.width, frame.height, width, height),
        );
      }
    } catch (err) {
      this.opts.log.warn("video stream ended", { error: err as Error });
    }
  }

  async #pumpAudio(track: RemoteTrack): Promise<void> {
    try {
      for await (
        const frame of new AudioStream(track, { sampleRate: SAMPLE_RATE, numChannels: 1 })
      ) {
        if (this.#closed || track !== this.#audio) break;
        const sink = this.#audioSink?.writing ? this.#audioSink : undefined;
        const vodMs = sink ? (this.#recordedSamples * 1000) / SAMPLE_RATE : null;
        sink?.write(
          new Uint8Array(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength).slice(),
        );
        const perChannel = frame.samplesPerChannel;
        if (sink) this.#recordedSamples += perChannel;
        if (this.opts.onAudio) {
          try {
            this.opts.onAudio({
              samples: frame.data,
              sampleRate: frame.sampleRate,
              channels: frame.channels,
              at: Date.now() - (perChannel * 1000) / frame.sampleRate,
              vodMs,
            });
          } catch (err) {
            this.opts.log.warn("live audio listener failed", { error: err as Error });
          }
        }
      }
    } catch (err) {
      this.opts.log.warn("audio stream ended", { error: err as Error });
    }
  }

  /** The media server went away under the stream (before it was over for another reason). */
  #lostServer(): void {
    if (!this.#ended) this.#endReason = MEDIA_SERVER_LOST;
  }

  #streamEnded(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.opts.log.info("recorded stream ended", { roomId: this.opts.roomId, reason });
    // EOF on the FIFOs lets ffmpeg finish the last segment and exit 0.
    this.#videoSink?.close();
    this.#audioSink?.close();
  }

  async open(dir: string): Promise<SegmenterInput> {
    const args: string[] = [];
    const maps: string[] = [];
    const sinks: FifoSink[] = [];
    let index = 0;
    if (this.#video && this.#videoSize) {
      const path = `${dir}/video.fifo`;
      await mkfifo(path);
      const { width, height } = this.#videoSize;
      args.push(
        "-thread_queue_size",
        "1024",
        "-use_wallclock_as_timestamps",
        "1",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        "-video_size",
        `${width}x${height}`,
        "-i",
        path,
      );
      maps.push("-map", `${index++}:v`);
      sinks.push(new FifoSink(path));
    }
    if (this.#audio) {
      const path = `${dir}/audio.fifo`;
      await mkfifo(path);
      args.push(
        "-thread_queue_size",
        "1024",
        "-f",
        "s16le",
        "-ar",
        String(SAMPLE_RATE),
        "-ac",
        "1",
        "-i",
        path,
      );
      maps.push("-map", `${index++}:a`);
      sinks.push(new FifoSink(path));
    }
    const [videoSink, audioSink] = this.#video ? [sinks[0], sinks[1]] : [undefined, sinks[0]];
    return {
      args,
      outputArgs: [
        ...maps,
        "-vsync",
        "cfr",
        "-r",
        "25",
        ...(this.#audio ? ["-af", "aresample=async=1"] : []),
      ],
      // Each sink goes live as soon as ffmpeg opens its FIFO: ffmpeg probes the first input
      // (needs data) before it opens the second.
      feed: async () => {
        await Promise.all([
          videoSink?.open().then(() => {
            this.#videoSink = videoSink;
          }),
          audioSink?.open().then(() => {
            this.#audioSink = audioSink;
          }),
        ]);
        if (this.#ended) sinks.forEach((s) => s.close());
      },
      close: () => {
        sinks.forEach((s) => s.close());
        if (this.#videoSink === videoSink) this.#videoSink = undefined;
        if (this.#audioSink === audioSink) this.#audioSink = undefined;
        return Promise.resolve();
      },
    };
  }

  ended(): Promise<boolean> {
    return Promise.resolve(this.#ended);
  }

  endReason(): typeof MEDIA_SERVER_LOST | undefined {
    return this.#endReason;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#streamEnded("recording closed");
    await this.#room.disconnect().catch(() => {});
  }
}
