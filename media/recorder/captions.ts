/**
 * Live captions of recordings, two paths, one per recording (never both, so no audio is
 * captioned twice):
 *
 * - **Live** (room recordings by the recorder agent, when `audio` is given): the streamer's
 *   and each guest's decoded frames (RecordingAudioHub, straight from LivekitSource) feed one
 *   LiveCaptioner per speaker (SpeakerCaptions: each cue says who spoke) —
 *   RNNoise (`denoiseDb`), 16 kHz, Silero VAD, an utterance cut at a pause or at
 *   `maxUtteranceMs`, ASR — and each cue goes to the room as soon as it is recognised: about
 *   a pause plus recognition after the words, independent of the segment length. Recognition never blocks frame intake
 *   (bounded queue; merges and drops counted in `synapse_live_captions_total`).
 * - **Segments** (URL and egress recordings, which have no live PCM here, or no `audio`):
 *   every `segment_ready` segment's audio (decoded to 16 kHz mono, denoised the same way, as
 *   soon as it is stored) is fed, in order, to the recording's CaptionPipeline: a segment or two behind the words.
 *
 * A recording is live once `recording_started` says `source: "livekit"` or its first frame
 * arrives; its segments are then ignored here. Each cue is stored in SQL and sent to the room
 * (`caption` command → a `caption` event in the room's batch). When the recording stops, the
 * WebVTT track is written beside it (`recordings/{room}/{rec}/captions.vtt`).
 *
 * Cue offsets are VOD offsets (audio time from the first segment, holes removed: on the live
 * path the recorder's count of audio samples written to ffmpeg), `at` is the wall clock of
 * the cue's start. A live cue whose audio was not recorded at all (before ffmpeg opened its
 * input, while paused) reaches the room but is neither stored nor in the WebVTT track.
 */
import type { Logger } from "../../engine/log.ts";
import { metrics } from "../../engine/metrics.ts";
import type { CaptionRow } from "../../actors/segment/analysis_store.ts";
import { type CaptionCue, CaptionPipeline, toWebVtt } from "../audio/captions.ts";
import type { Recogniser } from "../audio/asr.ts";
import type { LiveCaptionerMetrics, LiveCue } from "../audio/live_captioner.ts";
import { type Speaker, SpeakerCaptions } from "../audio/speaker_captions.ts";
import { SAMPLE_RATE } from "../audio/pcm.ts";
import { decodeSpeech16k } from "../audio/speech_audio.ts";
import type { SileroVad } from "../audio/vad.ts";
import type { ObjectStore } from "../object_store.ts";
import { captionsKey } from "../../actors/recording/storage_keys.ts";
import type {
  RecordingAudioFrame,
  RecordingAudioHub,
  RecordingEvent,
  RecordingEventHub,
  SegmentReady,
} from "./events.ts";

/** Prometheus: live-path utterances by outcome, and audio the VAD could not keep up with. */
export const liveCaptionCounter = metrics.counter(
  "synapse_live_captions_total",
  "Live caption utterances by outcome (utterances, cut_at_max, recognised, empty, failed, " +
    "merged, dropped), backlog_dropped_ms (audio dropped before the VAD) and vad_failed " +
    "(chunks of audio the VAD failed on)",
);
export const liveCaptionDelay = metrics.histogram(
  "synapse_live_caption_delay_ms",
  "From the end of an utterance (wall clock of its last sample) to its caption being sent",
  [250, 500, 1000, 1500, 2000, 3000, 5000, 8000, 15000],
);

const COUNTER_LABEL: Record<string, string> = {
  backlogDroppedMs: "backlog_dropped_ms",
  cutAtMax: "cut_at_max",
  vadFailed: "vad_failed",
};

/** How often a live recording asks its room's language again (while cues come). */
const LANGUAGE_EVERY_MS = 20_000;

export interface LiveCaptionsOptions {
  events: RecordingEventHub;
  objects: ObjectStore;
  /** A fresh VAD per recording (the pipeline keeps its state between segments). */
  loadVad: () => Promise<SileroVad>;
  recogniser: () => Promise<Recogniser | null>;
  /** Store a cue (SQL) — awaited before it is sent to the room. */
  saveCue: (cue: CaptionRow) => Promise<void>;
  /** Send a cue to the room (the room broadcasts it). */
  sendCue: (cue: CaptionRow) => Promise<void>;
  /**
   * The recording stopped and its captions are complete (WebVTT stored when there were
   * any): the summary trigger.
   */
  onFinished?: (recordingId: string, roomId: string, cues: number) => void;
  log: Logger;
  /** Live audio of room recordings (the manager's `audio`); unset: segments only. */
  audio?: RecordingAudioHub;
  /** Live path: longest utterance before a cut without a pause (ms, default 4000). */
  maxUtteranceMs?: number;
  /** Live path: utterances waiting for the recogniser per recording (default 2). */
  maxQueue?: number;
  /** Both paths: RNNoise removes at most this many dB of noise before the VAD (0: off). */
  denoiseDb?: number;
  /**
   * Both paths: the room's language now (its setting, else detection), asked when captions
   * start and again at most every 20 s as cues come; the recogniser routes by it.
   */
  streamLanguage?: (roomId: string) => Promise<string | undefined>;
}

/** A recording on the live path. */
interface Streaming {
  roomId: string;
  captions?: SpeakerCaptions;
  /** The room's language as last asked (`streamLanguage`), and when. */
  language?: string;
  languageAskedAt: number;
  /** Frames that arrived while the models load (bounded). */
  pre: RecordingAudioFrame[];
  ready: Promise<void>;
  stopped: boolean;
  rows: CaptionRow[];
  saves: Promise<void>;
  /** Recording offset of the last recorded cue's end (an unrecorded cue is sent there). */
  lastEndMs: number;
  unrecorded: number;
}

const MAX_PRE_FRAMES = 1_000; // 10 s of 10 ms frames

interface Live {
  roomId: string;
  /** The room's language as last asked (`streamLanguage`), and when. */
  language?: string;
  languageAskedAt: number;
  pipeline: CaptionPipeline;
  vad: SileroVad;
  /** Audio fed so far (ms) and where each segment starts (VOD offset → wall clock). */
  fedMs: number;
  spans: { offsetMs: number; startAt: number }[];
  chain: Promise<void>;
  saves: Promise<void>;
}

export class LiveCaptions {
  readonly #live = new Map<string, Live>();
  readonly #streaming = new Map<string, Streaming>();
  readonly #pending = new Map<string, Promise<void>>();
  /** Recordings whose live captions are finished (late frames are ignored; bounded). */
  readonly #done = new Set<string>();
  readonly #off: () => void;
  readonly #offAudio?: () => void;

  constructor(private readonly opts: LiveCaptionsOptions) {
    this.#off = opts.events.subscribe((e) => this.#on(e));
    this.#offAudio = opts.audio?.subscribe((f) => this.#frame(f));
  }

  /** The live captioner's counters of a recording on the live path (while it runs). */
  liveMetrics(recordingId: string): (LiveCaptionerMetrics & { unrecorded: number }) | undefined {
    const s = this.#streaming.get(recordingId);
    const m = s?.captions?.metrics();
    return m && { ...m, unrecorded: s!.unrecorded };
  }

  /** True when the recording is captioned from its live audio. */
  isLive(recordingId: string): boolean {
    return this.#streaming.has(recordingId);
  }

  /** Resolves when every event seen so far is handled (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending.values());
  }

  #on(e: RecordingEvent): void {
    if (e.type === "recording_started" && e.source === "livekit" && this.opts.audio) {
      this.#startStreaming(e.recordingId, e.roomId);
      return;
    }
    if (e.type !== "segment_ready" && e.type !== "recording_stopped") return;
    const live = this.#streaming.has(e.recordingId);
    if (live && e.type === "segment_ready") return; // captioned from its live audio
    const prev = this.#pending.get(e.recordingId) ?? Promise.resolve();
    const next = prev.then(() =>
      live
        ? this.#stopStreaming(e.recordingId)
        : e.type === "segment_ready"
        ? this.#segment(e)
        : this.#stop(e.recordingId, e.roomId)
    ).catch((err) =>
      this.opts.log.warn("live captions failed", {
        recordingId: e.recordingId,
        event: e.type,
        error: err as Error,
      })
    );
    this.#pending.set(e.recordingId, next);
    void next.then(() => {
      if (this.#pending.get(e.recordingId) === next) this.#pending.delete(e.recordingId);
    });
  }

  async #start(e: SegmentReady): Promise<Live | undefined> {
    const asr = await this.opts.recogniser();
    if (!asr) return undefined;
    const vad = await this.opts.loadVad();
    const live: Live = {
      roomId: e.roomId,
      vad,
      fedMs: 0,
      spans: [],
      chain: Promise.resolve(),
      saves: Promise.resolve(),
      languageAskedAt: Date.now(),
      pipeline: new CaptionPipeline(
        vad,
        asr,
        (cue) => {
          this.#askLanguage(live);
          this.#cue(e.recordingId, live, cue);
        },
        {},
        0,
        () => live.language,
      ),
    };
    // Segments come a segment or two behind the words: the first one waits for the language.
    live.language = await this.opts.streamLanguage?.(e.roomId).catch(() => undefined);
    this.#live.set(e.recordingId, live);
    return live;
  }

  async #segment(e: SegmentReady): Promise<void> {
    const live = this.#live.get(e.recordingId) ?? await this.#start(e);
    if (!live) return;
    const url = await this.opts.objects.presignGet(e.key, 300);
    const pcm = await decodeSpeech16k(url, this.opts.denoiseDb ?? 0);
    live.spans.push({ offsetMs: live.fedMs, startAt: e.startAt });
    live.fedMs += (pcm.length / SAMPLE_RATE) * 1000;
    await live.pipeline.push(pcm);
  }

  #cue(recordingId: string, live: Live, cue: CaptionCue): void {
    const span = [...live.spans].reverse().find((s) => s.offsetMs <= cue.startMs) ??
      live.spans[0];
    const row: CaptionRow = {
      recordingId,
      roomId: live.roomId,
      startMs: Math.round(cue.startMs),
      endMs: Math.round(cue.endMs),
      text: cue.text,
      source: cue.source,
      at: Math.round(span.startAt + cue.startMs - span.offsetMs),
    };
    live.saves = live.saves.then(async () => {
      await this.opts.saveCue(row);
      await this.opts.sendCue(row);
    }).catch((err) =>
      this.opts.log.warn("caption not delivered", { recordingId, error: err as Error })
    );
  }

  async #stop(recordingId: string, roomId: string): Promise<void> {
    const live = this.#live.get(recordingId);
    if (!live) {
      this.opts.onFinished?.(recordingId, roomId, 0);
      return;
    }
    this.#live.delete(recordingId);
    try {
      const cues = await live.pipeline.end();
      await live.saves;
      await this.opts.objects.put(
        captionsKey(live.roomId, recordingId),
        toWebVtt(cues),
        "text/vtt",
      );
      this.opts.onFinished?.(recordingId, live.roomId, cues.length);
    } finally {
      await live.vad.close().catch(() => {});
    }
  }

  // --- live path

  #frame(f: RecordingAudioFrame): void {
    // A recording already captioned from its segments (captions started late) stays there.
    if (this.#live.has(f.recordingId) || this.#done.has(f.recordingId)) return;
    const s = this.#streaming.get(f.recordingId) ??
      this.#startStreaming(f.recordingId, f.roomId);
    if (s.stopped) return;
    if (s.captions) {
      s.captions.push(speakerOf(f), f.samples, f.sampleRate, f.channels, {
        at: f.at,
        vodMs: f.vodMs,
      });
    } else if (s.pre.length < MAX_PRE_FRAMES) {
      s.pre.push({ ...f, samples: f.samples.slice() });
    }
  }

  /** Asks the room's language again when the last answer is older than 20 s (never waits). */
  #askLanguage(s: { roomId: string; language?: string; languageAskedAt: number }): void {
    const ask = this.opts.streamLanguage;
    const now = Date.now();
    if (!ask || now - s.languageAskedAt < LANGUAGE_EVERY_MS) return;
    s.languageAskedAt = now;
    ask(s.roomId).then((l) => (s.language = l ?? s.language), () => {});
  }

  #startStreaming(recordingId: string, roomId: string): Streaming {
    const existing = this.#streaming.get(recordingId);
    if (existing) return existing;
    const s: Streaming = {
      roomId,
      pre: [],
      ready: Promise.resolve(),
      stopped: false,
      rows: [],
      saves: Promise.resolve(),
      lastEndMs: 0,
      unrecorded: 0,
      languageAskedAt: -Infinity,
    };
    this.#streaming.set(recordingId, s);
    this.#askLanguage(s);
    s.ready = (async () => {
      const asr = await this.opts.recogniser();
      if (!asr || s.stopped) return;
      s.captions = new SpeakerCaptions({
        loadVad: this.opts.loadVad,
        recogniser: asr,
        denoiseDb: this.opts.denoiseDb,
        maxUtteranceMs: this.opts.maxUtteranceMs ?? 4_000,
        maxQueue: this.opts.maxQueue ?? 2,
        onCue: (cue, speaker) => {
          this.#askLanguage(s);
          this.#liveCue(recordingId, s, cue, speaker);
        },
        language: () => s.language,
        count: (what, n) => liveCaptionCounter.inc({ outcome: COUNTER_LABEL[what] ?? what }, n),
        onError: (speaker, err) =>
          this.opts.log.warn("live captions could not start for a speaker", {
            recordingId,
            speaker: speaker.id,
            error: err as Error,
          }),
      });
      for (const f of s.pre.splice(0)) {
        s.captions.push(speakerOf(f), f.samples, f.sampleRate, f.channels, {
          at: f.at,
          vodMs: f.vodMs,
        });
      }
    })().catch((err) => {
      s.pre = [];
      this.opts.log.warn("live captions could not start", { recordingId, error: err as Error });
    });
    return s;
  }

  #liveCue(recordingId: string, s: Streaming, cue: LiveCue, speaker: Speaker): void {
    const recorded = cue.startMs !== null && cue.endMs !== null;
    const startMs = recorded ? cue.startMs! : s.lastEndMs;
    const row: CaptionRow = {
      recordingId,
      roomId: s.roomId,
      startMs,
      endMs: recorded ? Math.max(cue.endMs!, startMs) : startMs,
      text: cue.text,
      source: cue.source,
      at: cue.startAt,
      speaker,
    };
    if (recorded) {
      s.rows.push(row);
      s.lastEndMs = Math.max(s.lastEndMs, row.endMs);
    } else s.unrecorded++;
    s.saves = s.saves.then(async () => {
      if (recorded) await this.opts.saveCue(row);
      await this.opts.sendCue(row);
      liveCaptionDelay.observe(Math.max(0, Date.now() - cue.endAt));
    }).catch((err) =>
      this.opts.log.warn("caption not delivered", { recordingId, error: err as Error })
    );
  }

  async #stopStreaming(recordingId: string): Promise<void> {
    const s = this.#streaming.get(recordingId);
    if (!s) return;
    s.stopped = true;
    try {
      await s.ready;
      await s.captions?.end();
      await s.saves;
      if (s.captions) {
        await this.opts.objects.put(
          captionsKey(s.roomId, recordingId),
          toWebVtt(s.rows),
          "text/vtt",
        );
      }
      this.opts.onFinished?.(recordingId, s.roomId, s.rows.length);
    } finally {
      this.#streaming.delete(recordingId);
      this.#done.add(recordingId);
      if (this.#done.size > 1_000) this.#done.delete(this.#done.values().next().value!);
    }
  }

  async close(): Promise<void> {
    this.#off();
    this.#offAudio?.();
    for (const s of this.#streaming.values()) s.stopped = true;
    await this.settled();
    for (const [id, s] of this.#streaming) {
      this.#streaming.delete(id);
      await s.ready;
      await s.captions?.close();
    }
    for (const [id, live] of this.#live) {
      this.#live.delete(id);
      await live.vad.close().catch(() => {});
    }
  }
}

/** The speaker of a recorder frame, as captions name it. */
function speakerOf(f: RecordingAudioFrame): Speaker {
  return { id: f.speaker.identity, name: f.speaker.name };
}
