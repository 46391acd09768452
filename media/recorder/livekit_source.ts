/**
 * The recorder agent's media source: joins the room's LiveKit room as a hidden,
 * subscribe-only participant, takes the streamer's audio and video tracks and feeds raw
 * frames (I420 video, 48 kHz mono s16le audio) to ffmpeg through two FIFOs per run.
 * Video timestamps come from arrival time (wall clock); audio is continuous samples.
 *
 * Guests on stage (participants whose LiveKit metadata says `guest`) are recorded too: their
 * pictures are composed with the streamer's in the layout the streamer chose
 * (`media/compose/video_composer.ts`; the layout and the guests' order come from the LiveKit
 * room's metadata, `media/livekit/stage_metadata.ts`, or `stage` at start), their audio is
 * mixed into the streamer's (`media/compose/audio_mixer.ts`: the streamer's microphone
 * paces the recording). When the streamer publishes no microphone, a clock paces the mix
 * instead (every `AUDIO_CLOCK_MS`, the samples due by the wall clock since the audio input
 * opened), so guests' and participants' audio is recorded all the same (silence until
 * someone speaks). A guest whose tracks go (removed, left, disconnected) leaves the
 * picture at the next frame. Composed frames are written at most `fps` times a second.
 *
 * A meeting has no streamer (every publisher is a `participant`): any participant's track
 * starts the recording, the first participant's camera sets the picture's size, and the
 * clock paces everyone's audio.
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
  type VideoFrame,
  VideoStream,
} from "@livekit/rtc-node";
import type { Logger } from "../../engine/log.ts";
import { MediaError } from "../errors.ts";
import type { LivekitSettings } from "../livekit/settings.ts";
import { issueToken } from "../livekit/tokens.ts";
import { AudioMixer } from "../compose/audio_mixer.ts";
import type { TileLayout } from "../compose/tile_layout.ts";
import { VideoComposer } from "../compose/video_composer.ts";
import { stageFromMetadata, type StageHint } from "../livekit/stage_metadata.ts";
import { roleFromMetadata } from "../livekit/tokens.ts";
import { i420Size } from "./i420.ts";
import type { SegmenterInput } from "./segmenter.ts";
import { MEDIA_SERVER_LOST, type RecordingSource } from "./session.ts";

const SAMPLE_RATE = 48_000;
/** How often the clock writes the mix when no streamer microphone paces it. */
const AUDIO_CLOCK_MS = 20;
/** A source's jitter buffer under the clock: it plays once this much is queued. */
const PRIME_SAMPLES = (SAMPLE_RATE * 60) / 1000;

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
  /** The stage when the recording starts (the room's own view); later changes come from
   * the LiveKit room's metadata. Unset: the metadata's, else a grid in arrival order. */
  stage?: StageHint;
  /** Composed frames written per second at most (default 25, ffmpeg's output rate). */
  fps?: number;
  /**
   * A sample of each recorded participant's picture (the streamer's and each guest's, before
   * composing) at most once per `videoSampleMs`, as RGB at most 320 px wide (liveness
   * checks). Called synchronously in the video pump: it must not block.
   */
  onVideoSample?: (sample: LiveVideoSample) => void;
  videoSampleMs?: number;
}

/** One sampled picture of a participant (see `onVideoSample`). */
export interface LiveVideoSample {
  identity: string;
  /** Wall clock of the frame's arrival, ms since the epoch. */
  at: number;
  width: number;
  height: number;
  /** Interleaved RGB bytes, row by row. */
  rgb: Uint8Array;
}

const SAMPLE_MAX_WIDTH = 320;

/** An RGBA picture shrunk (box average) to at most `SAMPLE_MAX_WIDTH` wide, as RGB. */
export function shrinkRgba(
  data: Uint8Array,
  width: number,
  height: number,
): { width: number; height: number; rgb: Uint8Array } {
  const k = Math.max(1, Math.ceil(width / SAMPLE_MAX_WIDTH));
  const w = Math.floor(width / k), h = Math.floor(height / k);
  const rgb = new Uint8Array(w * h * 3);
  const n = k * k;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0, g = 0, b = 0;
      for (let dy = 0; dy < k; dy++) {
        let i = ((y * k + dy) * width + x * k) * 4;
        for (let dx = 0; dx < k; dx++, i += 4) {
          r += data[i];
          g += data[i + 1];
          b += data[i + 2];
        }
      }
      const o = (y * w + x) * 3;
      rgb[o] = r / n;
      rgb[o + 1] = g / n;
      rgb[o + 2] = b / n;
    }
  }
  return { width: w, height: h, rgb };
}

/** Who is speaking in an audio frame. */
export interface Speaker {
  identity: string;
  name: string;
}

/** One decoded audio frame of the streamer or a guest (48 kHz mono s16). */
export interface LiveAudioFrame {
  speaker: Speaker;
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

/** A recorded participant (the streamer or a guest on stage) and its current tracks. */
interface Member {
  name: string;
  video?: RemoteTrack;
  audio?: RemoteTrack;
}

/** Token roles recorded beside the streamer (`media/livekit/tokens.ts`). */
const COMPOSED_ROLES = new Set(["guest", "participant"]);

export class LivekitSource implements RecordingSource {
  readonly kind = "livekit" as const;
  readonly describe: string;
  readonly #room = new Room();
  #streamer?: string;
  /** The streamer's tracks: its video sets the recorded size, its audio the audio clock. */
  #audio?: RemoteTrack;
  #video?: RemoteTrack;
  #videoSize?: { width: number; height: number };
  /** The streamer and the guests on stage being recorded. */
  readonly #members = new Map<string, Member>();
  #composer?: VideoComposer;
  readonly #mixer = new AudioMixer(SAMPLE_RATE / 5, PRIME_SAMPLES);
  /** This run's audio is paced by the clock (no streamer microphone when it opened). */
  #clocked = false;
  #clock?: ReturnType<typeof setInterval>;
  #layout: TileLayout = "grid";
  #guestOrder: string[] = [];
  #composeTimer?: ReturnType<typeof setTimeout>;
  #lastComposeAt = 0;
  #videoSink?: FifoSink;
  #sampledAt = new Map<string, number>();
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

  /** Who is in the recorded picture now, in drawing order (tile 0 first), and the layout. */
  composition(): { layout: TileLayout; tiles: string[] } {
    return { layout: this.#layout, tiles: this.#composer?.ids() ?? [] };
  }

  async #join(): Promise<void> {
    const { settings, roomId, recordingId } = this.opts;
    this.#room.on(
      RoomEvent.TrackSubscribed,
      (track, pub, participant) => this.#onTrack(track, participant, pub.width, pub.height),
    );
    this.#room.on(
      RoomEvent.TrackUnsubscribed,
      (track, _pub, p) => this.#dropTrack(p.identity, track),
    );
    this.#room.on(RoomEvent.RoomMetadataChanged, (metadata) => {
      const hint = stageFromMetadata(metadata);
      if (hint) this.#setStage(hint);
    });
    // A guest taken off stage becomes a viewer again (its tracks go too).
    this.#room.on(RoomEvent.ParticipantMetadataChanged, (metadata, p) => {
      if (p.identity !== this.#streamer && !COMPOSED_ROLES.has(roleFromMetadata(metadata) ?? "")) {
        this.#dropMember(p.identity);
      }
    });
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
      if (p.identity !== this.#streamer) return this.#dropMember(p.identity);
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
    const hint = this.opts.stage ?? stageFromMetadata(this.#room.metadata);
    if (hint) this.#setStage(hint);
    for (const p of this.#room.remoteParticipants.values()) {
      for (const pub of p.trackPublications.values()) {
        if (pub.track) this.#onTrack(pub.track as RemoteTrack, p, pub.width, pub.height);
      }
    }
    const deadline = Date.now() + (this.opts.waitTracksMs ?? 15_000);
    // A meeting has no streamer: any recorded participant's track starts it.
    while (!this.#hasAudio() && !this.#hasVideo()) {
      if (Date.now() > deadline) {
        throw new MediaError("stream_not_found", `no streamer media in room ${roomId}`, 409);
      }
      await this.#waitTrack(deadline - Date.now());
    }
    const second = Date.now() + (this.opts.waitSecondTrackMs ?? 3_000);
    while (!(this.#hasAudio() && this.#hasVideo()) && Date.now() < second) {
      await this.#waitTrack(second - Date.now());
    }
    if (this.#hasVideo()) {
      while (!this.#videoSize && Date.now() < deadline) {
        await this.#waitTrack(deadline - Date.now());
      }
      if (!this.#videoSize) {
        throw new MediaError("stream_not_found", "no video frames arrived", 409);
      }
    }
  }

  /** The streamer's camera, or with no streamer (a meeting) any participant's. */
  #hasVideo(): boolean {
    if (this.#video) return true;
    if (this.#streamer !== undefined) return false;
    for (const m of this.#members.values()) if (m.video) return true;
    return false;
  }

  #hasAudio(): boolean {
    if (this.#audio) return true;
    if (this.#streamer !== undefined) return false;
    for (const m of this.#members.values()) if (m.audio) return true;
    return false;
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

  #setStage(hint: StageHint): void {
    this.#layout = hint.layout;
    this.#guestOrder = hint.guests;
    if (!this.#composer) return;
    this.#composer.layout = hint.layout;
    this.#composer.setOrder(this.#streamer ? [this.#streamer, ...hint.guests] : hint.guests);
    this.#scheduleCompose();
  }

  /**
   * The streamer (the first publisher when none was named), guests on stage, and a meeting's
   * participants (all of them are composed and captioned per speaker).
   */
  #recorded(participant: RemoteParticipant): boolean {
    if (participant.identity.startsWith("recorder-")) return false;
    const guest = COMPOSED_ROLES.has(roleFromMetadata(participant.metadata) ?? "");
    if (!guest) this.#streamer ??= participant.identity;
    return participant.identity === this.#streamer || guest;
  }

  /** A (re)subscribed track of a recorded participant replaces the previous one of its kind. */
  #onTrack(
    track: RemoteTrack,
    participant: RemoteParticipant,
    width?: number,
    height?: number,
  ): void {
    if (!this.#recorded(participant)) return;
    const id = participant.identity;
    let member = this.#members.get(id);
    if (!member) this.#members.set(id, member = { name: participant.name || id });
    const isStreamer = id === this.#streamer;
    if (track.kind === TrackKind.KIND_VIDEO && track !== member.video) {
      member.video = track;
      if (isStreamer) {
        this.#video = track;
        // Record at the published size (even, capped at 1080p); the first frame decides otherwise.
        if (!this.#videoSize && width && height) this.#setVideoSize(evenSize(width, height));
      } else if (this.#streamer === undefined && !this.#videoSize && width && height) {
        // no streamer (a meeting): the first participant's camera sets the picture's size
        this.#setVideoSize(evenSize(width, height));
      }
      this.#composer?.put(id);
      void this.#pumpVideo(track, id);
    } else if (track.kind === TrackKind.KIND_AUDIO && track !== member.audio) {
      member.audio = track;
      if (isStreamer) this.#audio = track;
      void this.#pumpAudio(track, id, { identity: id, name: member.name });
    }
    this.#wake();
  }

  #setVideoSize(size: { width: number; height: number }): void {
    this.#videoSize = size;
    const composer = new VideoComposer(size.width, size.height, this.#layout);
    for (const [id, m] of this.#members) if (m.video) composer.put(id);
    this.#composer = composer;
    this.#setStage({ layout: this.#layout, guests: this.#guestOrder });
  }

  /** A track went (unpublished, rights taken back): its tile or its audio leaves. */
  #dropTrack(identity: string, track: RemoteTrack): void {
    const member = this.#members.get(identity);
    if (!member) return;
    if (member.video === track) {
      member.video = undefined;
      if (identity === this.#streamer) return; // the streamer's tile stays (last picture)
      this.#composer?.remove(identity);
      this.#scheduleCompose();
    } else if (member.audio === track) {
      member.audio = undefined;
      if (identity !== this.#streamer) this.#mixer.remove(identity);
    }
  }

  /** A guest left the stage or the room: out of the picture and the mix. */
  #dropMember(identity: string): void {
    if (identity === this.#streamer || !this.#members.delete(identity)) return;
    this.#mixer.remove(identity);
    if (this.#composer?.remove(identity)) this.#scheduleCompose();
  }

  async #pumpVideo(track: RemoteTrack, identity: string): Promise<void> {
    try {
      for await (const ev of new VideoStream(track)) {
        if (this.#closed || this.#members.get(identity)?.video !== track) break;
        this.#sampleVideo(identity, ev.frame);
        const frame = ev.frame.type === VideoBufferType.I420
          ? ev.frame
          : ev.frame.convert(VideoBufferType.I420);
        if (!this.#videoSize && (identity === this.#streamer || this.#streamer === undefined)) {
          this.#setVideoSize(evenSize(frame.width, frame.height));
          this.#wake();
        }
        if (!this.#videoSink || !this.#composer) continue;
        this.#composer.put(identity, {
          data: frame.data.subarray(0, i420Size(frame.width, frame.height)),
          width: frame.width,
          height: frame.height,
        });
        this.#scheduleCompose();
      }
    } catch (err) {
      this.opts.log.warn("video stream ended", { identity, error: err as Error });
    }
  }

  /** Hands a shrunk RGB copy of the frame to `onVideoSample`, at most once per period. */
  #sampleVideo(identity: string, frame: VideoFrame): void {
    const { onVideoSample, videoSampleMs } = this.opts;
    if (!onVideoSample || !videoSampleMs) return;
    const now = Date.now();
    if (now - (this.#sampledAt.get(identity) ?? 0) < videoSampleMs) return;
    this.#sampledAt.set(identity, now);
    try {
      const rgba = frame.convert(VideoBufferType.RGBA);
      const small = shrinkRgba(rgba.data, rgba.width, rgba.height);
      onVideoSample({ identity, at: now, ...small });
    } catch (err) {
      this.opts.log.warn("video sample failed", { identity, error: err as Error });
    }
  }

  /** Writes a composed frame now, or once `1/fps` has passed since the last one. */
  #scheduleCompose(): void {
    if (this.#composeTimer || !this.#videoSink || !this.#composer) return;
    const wait = this.#lastComposeAt + 1000 / (this.opts.fps ?? 25) - Date.now();
    if (wait <= 0) return this.#writeComposed();
    this.#composeTimer = setTimeout(() => {
      this.#composeTimer = undefined;
      this.#writeComposed();
    }, wait);
  }

  #writeComposed(): void {
    const sink = this.#videoSink;
    if (!sink || !this.#composer || this.#closed) return;
    this.#lastComposeAt = Date.now();
    sink.write(this.#composer.compose());
  }

  async #pumpAudio(track: RemoteTrack, identity: string, speaker: Speaker): Promise<void> {
    const isStreamer = identity === this.#streamer;
    try {
      for await (
        const frame of new AudioStream(track, { sampleRate: SAMPLE_RATE, numChannels: 1 })
      ) {
        if (this.#closed || this.#members.get(identity)?.audio !== track) break;
        const sink = this.#audioSink?.writing ? this.#audioSink : undefined;
        const vodMs = sink ? (this.#recordedSamples * 1000) / SAMPLE_RATE : null;
        if (isStreamer && !this.#clocked) {
          // The streamer's microphone paces the recording; guests' audio is mixed into it.
          const mixed = this.#mixer.mixOnto(frame.data);
          sink?.write(
            new Uint8Array(mixed.buffer, mixed.byteOffset, mixed.byteLength).slice(),
          );
          if (sink) this.#recordedSamples += frame.samplesPerChannel;
        } else if (sink) this.#mixer.push(identity, frame.data);
        const perChannel = frame.samplesPerChannel;
        if (this.opts.onAudio) {
          try {
            this.opts.onAudio({
              speaker,
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
      this.opts.log.warn("audio stream ended", { identity, error: err as Error });
    }
  }

  /** Writes the mix every `AUDIO_CLOCK_MS`: the samples due since the sink opened. */
  #startClock(sink: FifoSink): void {
    this.#stopClock();
    const start = performance.now();
    let written = 0;
    this.#clock = setInterval(() => {
      if (this.#closed || this.#audioSink !== sink || !sink.writing) return this.#stopClock();
      const due = Math.floor(((performance.now() - start) * SAMPLE_RATE) / 1000) - written;
      if (due <= 0) return;
      const mixed = this.#mixer.mix(due);
      sink.write(new Uint8Array(mixed.buffer, mixed.byteOffset, mixed.byteLength));
      written += due;
      this.#recordedSamples += due;
    }, AUDIO_CLOCK_MS);
  }

  #stopClock(): void {
    clearInterval(this.#clock);
    this.#clock = undefined;
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
    const withVideo = this.#hasVideo() && this.#videoSize !== undefined;
    if (withVideo && this.#videoSize) {
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
    // No streamer microphone: the audio is paced by a clock and mixes everyone else.
    this.#clocked = !this.#audio;
    {
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
    const [videoSink, audioSink] = withVideo ? [sinks[0], sinks[1]] : [undefined, sinks[0]];
    return {
      args,
      outputArgs: [
        ...maps,
        "-vsync",
        "cfr",
        "-r",
        "25",
        "-af",
        "aresample=async=1",
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
            if (this.#clocked) this.#startClock(audioSink);
          }),
        ]);
        if (this.#ended) sinks.forEach((s) => s.close());
      },
      close: () => {
        this.#stopClock();
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
    clearTimeout(this.#composeTimer);
    this.#stopClock();
    this.#streamEnded("recording closed");
    await this.#room.disconnect().catch(() => {});
  }
}
