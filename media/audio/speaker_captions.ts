/**
 * Captions that say who spoke: one LiveCaptioner (denoise, VAD, utterance cuts) per speaker,
 * all sharing one recogniser, so that two people talking at once get two captions, each
 * with its speaker, instead of one caption of their mixed voices. Reusable wherever several
 * people's separate audio tracks arrive (guests on stage, a meeting):
 *
 *   const captions = new SpeakerCaptions({ loadVad, recogniser, maxUtteranceMs: 4000,
 *     onCue: (cue, speaker) => send({ ...cue, speaker }) });
 *   captions.push({ id: "u1", name: "Alice" }, pcm, 48_000, 1, { at, vodMs });  // each frame
 *   await captions.end();                                                     // flush all
 *
 * A speaker's captioner is made at its first frame (its VAD loads meanwhile: up to
 * `maxPendingFrames` frames wait, the rest are counted as dropped). At most `maxSpeakers`
 * speakers are captioned at once; a speaker's captioner can be ended alone (`endSpeaker`:
 * someone left) and is made again if they come back.
 */
import type { Recogniser } from "./asr.ts";
import { Denoiser } from "./denoise.ts";
import {
  type CountedEvent,
  type FrameTime,
  LiveCaptioner,
  type LiveCaptionerMetrics,
  type LiveCue,
} from "./live_captioner.ts";
import type { SileroVad } from "./vad.ts";

/** Who spoke: a stable id (a user id, a LiveKit identity) and the name shown. */
export interface Speaker {
  id: string;
  name: string;
}

export interface SpeakerCaptionsOptions {
  /** A fresh VAD per speaker (each keeps its own state). */
  loadVad: () => Promise<SileroVad>;
  /** Shared by every speaker (one request at a time is fine: cues queue per speaker). */
  recogniser: Recogniser;
  onCue: (cue: LiveCue, speaker: Speaker) => void;
  maxUtteranceMs: number;
  /** Utterances waiting for the recogniser per speaker (default 2). */
  maxQueue?: number;
  /** RNNoise removes at most this many dB of noise per speaker (0 or unset: off). */
  denoiseDb?: number;
  /** Speakers captioned at once (default 8); frames of more are ignored and counted. */
  maxSpeakers?: number;
  /** Frames kept per speaker while its models load (default 1000: 10 s of 10 ms frames). */
  maxPendingFrames?: number;
  count?: (what: CountedEvent, n: number) => void;
  /** A speaker's captioner could not start (its frames are then dropped). */
  onError?: (speaker: Speaker, err: unknown) => void;
  /** The stream's language now, for the recogniser (`LiveCaptionerOptions.language`). */
  language?: () => string | undefined;
}

interface Frame {
  pcm: Int16Array;
  sampleRate: number;
  channels: number;
  time: FrameTime;
}

interface Voice {
  speaker: Speaker;
  captioner?: LiveCaptioner;
  vad?: SileroVad;
  pending: Frame[];
  ready: Promise<void>;
  ended: boolean;
}

export class SpeakerCaptions {
  readonly #voices = new Map<string, Voice>();
  /** Metrics of speakers whose captioners have ended (kept in the totals). */
  readonly #past: LiveCaptionerMetrics[] = [];
  #closed = false;
  /** Frames ignored: too many speakers, or waiting while models load. */
  ignoredFrames = 0;

  constructor(private readonly opts: SpeakerCaptionsOptions) {}

  /** Speakers being captioned now. */
  speakers(): Speaker[] {
    return [...this.#voices.values()].map((v) => v.speaker);
  }

  /** One frame of a speaker's 16-bit PCM; never waits. */
  push(
    speaker: Speaker,
    pcm: Int16Array,
    sampleRate: number,
    channels: number,
    time: FrameTime,
  ): void {
    if (this.#closed) return;
    let v = this.#voices.get(speaker.id);
    if (!v) {
      if (this.#voices.size >= (this.opts.maxSpeakers ?? 8)) {
        this.ignoredFrames++;
        return;
      }
      v = this.#start(speaker);
    }
    if (v.captioner) v.captioner.push(pcm, sampleRate, channels, time);
    else if (v.pending.length < (this.opts.maxPendingFrames ?? 1_000)) {
      v.pending.push({ pcm: pcm.slice(), sampleRate, channels, time });
    } else this.ignoredFrames++;
  }

  #start(speaker: Speaker): Voice {
    const v: Voice = { speaker, pending: [], ready: Promise.resolve(), ended: false };
    this.#voices.set(speaker.id, v);
    v.ready = (async () => {
      const vad = await this.opts.loadVad();
      const db = this.opts.denoiseDb ?? 0;
      const denoiser = db > 0 ? await Denoiser.create(db) : undefined;
      if (v.ended || this.#closed) {
        denoiser?.close();
        return void await vad.close().catch(() => {});
      }
      v.vad = vad;
      v.captioner = new LiveCaptioner({
        vad,
        denoiser,
        recogniser: this.opts.recogniser,
        maxUtteranceMs: this.opts.maxUtteranceMs,
        maxQueue: this.opts.maxQueue ?? 2,
        onCue: (cue) => this.opts.onCue(cue, v.speaker),
        count: this.opts.count,
        language: this.opts.language,
      });
      for (const f of v.pending.splice(0)) {
        v.captioner.push(f.pcm, f.sampleRate, f.channels, f.time);
      }
    })().catch((err) => {
      v.pending = [];
      this.opts.onError?.(speaker, err);
    });
    return v;
  }

  /** Ends one speaker (left): their open utterance is cut and recognised. */
  async endSpeaker(id: string): Promise<void> {
    const v = this.#voices.get(id);
    if (!v) return;
    this.#voices.delete(id);
    await this.#end(v);
  }

  async #end(v: Voice): Promise<void> {
    v.ended = true;
    await v.ready;
    try {
      await v.captioner?.end();
    } finally {
      if (v.captioner) this.#past.push(v.captioner.metrics());
      await v.vad?.close().catch(() => {});
    }
  }

  /** No more audio: every speaker's open utterance is cut and everything recognised. */
  async end(): Promise<void> {
    const voices = [...this.#voices.values()];
    this.#voices.clear();
    await Promise.all(voices.map((v) => this.#end(v)));
  }

  /** Stops at once (queued utterances are abandoned). */
  async close(): Promise<void> {
    this.#closed = true;
    const voices = [...this.#voices.values()];
    this.#voices.clear();
    for (const v of voices) {
      v.ended = true;
      v.captioner?.close();
      await v.ready;
      // the captioner's VAD loop finishes the chunk it is on before its model is released
      await v.captioner?.vadIdle();
      await v.vad?.close().catch(() => {});
    }
  }

  /** Counters summed over every speaker (queueHigh: the highest); undefined before any. */
  metrics(): LiveCaptionerMetrics | undefined {
    const all = [
      ...this.#past,
      ...[...this.#voices.values()].flatMap((v) => v.captioner ? [v.captioner.metrics()] : []),
    ];
    if (all.length === 0) return undefined;
    const sum = {} as LiveCaptionerMetrics;
    for (const m of all) {
      for (const [k, n] of Object.entries(m) as [keyof LiveCaptionerMetrics, number][]) {
        sum[k] = k === "queueHigh" ? Math.max(sum[k] ?? 0, n) : (sum[k] ?? 0) + n;
      }
    }
    return sum;
  }
}
