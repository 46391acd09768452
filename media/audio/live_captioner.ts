/**
 * Streaming captions of live audio: 16-bit PCM frames as they arrive (LiveKit, 48 kHz) →
 * RNNoise when a `denoiser` is given (48 kHz frames only) → 16 kHz mono → Silero VAD → an utterance is cut at a pause or at `maxUtteranceMs` (so a long
 * monologue still captions) → ASR → `onCue` at once.
 *
 * Three stages, none blocking the one before:
 * - `push` (frame intake) is synchronous: it denoises, resamples and appends to the VAD backlog. The
 *   backlog is bounded (`maxBacklogMs`); past it the oldest audio is dropped and counted.
 * - one VAD worker drains the backlog and cuts utterances;
 * - one ASR worker recognises utterances in order from a queue of at most `maxQueue`. When the
 *   recogniser falls behind, a new utterance is merged into the last queued one (one request
 *   instead of two, up to twice the maximum length) or, when that would be too long, the
 *   oldest queued utterance is dropped: stale captions are worth less than fresh ones. Both
 *   are counted in `metrics()`.
 *
 * Times: every frame comes with the wall clock of its first sample and its offset in the
 * recording (`vodMs`, null while the recorder is not writing). Cues carry both, mapped
 * from the samples the VAD saw.
 */
import type { Recogniser } from "./asr.ts";
import { SAMPLE_RATE } from "./pcm.ts";
import { DENOISE_RATE, type Denoiser } from "./denoise.ts";
import { monoFloat, To16k } from "./resample.ts";
import { type SileroVad, type SpeechSegment, VadStream } from "./vad.ts";

export interface FrameTime {
  /** Wall clock of the frame's first sample, ms since the epoch. */
  at: number;
  /** Offset of the frame's first sample in the recording (ms), null when not recorded. */
  vodMs: number | null;
}

export interface LiveCue {
  text: string;
  source: "local" | "llm";
  /** Wall clock of the utterance (ms since the epoch). */
  startAt: number;
  endAt: number;
  /** Offsets in the recording (ms); null when none of the utterance was recorded. */
  startMs: number | null;
  endMs: number | null;
  /** Wall clock when the VAD cut the utterance. */
  cutAt: number;
  /** Utterances merged into this one while the recogniser was behind (0: none). */
  merged: number;
}

export interface LiveCaptionerOptions {
  /** The stream's language now (BCP-47), handed to the recogniser with each utterance. */
  language?: () => string | undefined;
  vad: SileroVad;
  /** Noise suppression before the VAD (owned: closed with the captioner); unset: none. */
  denoiser?: Denoiser;
  recogniser: Recogniser;
  onCue: (cue: LiveCue) => void;
  /** Longest utterance before it is cut without a pause (ms). */
  maxUtteranceMs: number;
  /** Pause that ends an utterance (ms). */
  minSilenceMs?: number;
  /** Utterances waiting for the recogniser besides the one in flight. */
  maxQueue?: number;
  /** Audio waiting for the VAD (ms) before the oldest is dropped. */
  maxBacklogMs?: number;
  clock?: () => number;
  /** Told of every counted event as it happens (Prometheus counters). */
  count?: (what: CountedEvent, n: number) => void;
}

export type CountedEvent =
  | "backlogDroppedMs"
  | "utterances"
  | "cutAtMax"
  | "recognised"
  | "empty"
  | "failed"
  | "merged"
  | "dropped"
  | "vadFailed";

export interface LiveCaptionerMetrics {
  /** Audio received (ms of 16 kHz samples). */
  audioMs: number;
  /** Audio dropped before the VAD because it fell behind (ms). */
  backlogDroppedMs: number;
  /** Utterances the VAD cut, and how many of them at the maximum length. */
  utterances: number;
  cutAtMax: number;
  /** Recognised with text / without text / failed. */
  recognised: number;
  empty: number;
  failed: number;
  /** Merges into a queued utterance, and utterances dropped from the queue (a dropped
   * merged entry counts each utterance in it). Every utterance ends up recognised, empty,
   * failed, dropped or still queued. */
  merged: number;
  dropped: number;
  /** The VAD failed on a chunk of audio (the chunk is lost; the next one is tried). */
  vadFailed: number;
  /** Queue length now and the most it ever held. */
  queue: number;
  queueHigh: number;
  /** Wall time spent in the recogniser (ms). */
  asrMs: number;
  /** CPU time spent denoising (ms; 0 without a denoiser). */
  denoiseMs: number;
}

interface Chunk {
  pcm: Float32Array;
  time: FrameTime;
}

interface Anchor {
  sample: number;
  time: FrameTime;
}

/** An utterance waiting for the recogniser: its audio and the times its cue will carry. */
interface Utterance extends Omit<LiveCue, "text" | "source"> {
  audio: Float32Array;
}

const ms = (samples: number) => (samples * 1000) / SAMPLE_RATE;

export class LiveCaptioner {
  readonly #opts: Required<Omit<LiveCaptionerOptions, "clock" | "count" | "denoiser" | "language">>;
  readonly #language?: () => string | undefined;
  readonly #denoiser?: Denoiser;
  readonly #count: (what: CountedEvent, n: number) => void;
  readonly #clock: () => number;
  readonly #vadStream: VadStream;
  readonly #resamplers = new Map<number, To16k>();
  readonly #m: LiveCaptionerMetrics = {
    audioMs: 0,
    backlogDroppedMs: 0,
    utterances: 0,
    cutAtMax: 0,
    recognised: 0,
    empty: 0,
    failed: 0,
    merged: 0,
    dropped: 0,
    vadFailed: 0,
    queue: 0,
    queueHigh: 0,
    asrMs: 0,
    denoiseMs: 0,
  };
  #backlog: Chunk[] = [];
  #backlogSamples = 0;
  /** Samples handed to the VAD so far, and where each chunk of them started. */
  #vadFed = 0;
  #anchors: Anchor[] = [];
  #vadRunning?: Promise<void>;
  #queue: Utterance[] = [];
  #asrRunning?: Promise<void>;
  #ended = false;
  #closed = false;

  constructor(opts: LiveCaptionerOptions) {
    this.#opts = {
      minSilenceMs: 300,
      maxQueue: 2,
      maxBacklogMs: 10_000,
      ...opts,
    };
    if (!(opts.maxUtteranceMs >= 500)) throw new RangeError("maxUtteranceMs must be >= 500");
    this.#clock = opts.clock ?? Date.now;
    this.#denoiser = opts.denoiser;
    this.#language = opts.language;
    this.#count = opts.count ?? (() => {});
    this.#vadStream = new VadStream(opts.vad, {
      maxSpeechMs: opts.maxUtteranceMs,
      minSilenceMs: this.#opts.minSilenceMs,
    }, true);
  }

  #inc(what: CountedEvent, n = 1): void {
    this.#m[what] += n;
    this.#count(what, n);
  }

  metrics(): LiveCaptionerMetrics {
    return { ...this.#m, queue: this.#queue.length };
  }

  /** Takes one frame of 16-bit PCM; never waits (see the class comment). */
  push(pcm: Int16Array, sampleRate: number, channels: number, time: FrameTime): void {
    if (this.#ended || this.#closed || pcm.length === 0) return;
    let rs = this.#resamplers.get(sampleRate);
    if (!rs) this.#resamplers.set(sampleRate, rs = new To16k(sampleRate));
    let mono = monoFloat(pcm, channels);
    if (this.#denoiser && sampleRate === DENOISE_RATE) {
      // The denoiser's output starts with samples it held back from earlier frames.
      const lagMs = (this.#denoiser.pending * 1000) / DENOISE_RATE;
      const t0 = performance.now();
      mono = this.#denoiser.process(mono);
      this.#m.denoiseMs += performance.now() - t0;
      time = {
        at: time.at - lagMs,
        vodMs: time.vodMs === null ? null : Math.max(0, time.vodMs - lagMs),
      };
    }
    const out = rs.pushFloat(mono);
    if (out.length === 0) return;
    this.#m.audioMs += ms(out.length);
    this.#backlog.push({ pcm: out, time });
    this.#backlogSamples += out.length;
    const max = (this.#opts.maxBacklogMs * SAMPLE_RATE) / 1000;
    while (this.#backlogSamples > max && this.#backlog.length > 1) {
      const old = this.#backlog.shift()!;
      this.#backlogSamples -= old.pcm.length;
      this.#inc("backlogDroppedMs", ms(old.pcm.length));
    }
    // Never rejects: a VAD released by `close()` under a running loop (its next inference
    // answers "Session already disposed") or one failing on its own must not become an
    // unhandled rejection, which ends a Deno process.
    this.#vadRunning ??= this.#vadLoop()
      .catch(() => {
        if (!this.#closed) this.#inc("vadFailed");
      })
      .finally(() => (this.#vadRunning = undefined));
  }

  /** Resolves when the VAD has seen every frame pushed so far. */
  async vadIdle(): Promise<void> {
    while (this.#vadRunning) await this.#vadRunning;
  }

  /** Resolves when every utterance cut so far is recognised (or dropped). */
  async asrIdle(): Promise<void> {
    await this.vadIdle();
    while (this.#asrRunning) await this.#asrRunning;
  }

  /** No more audio: the open utterance is cut and everything queued is recognised. */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    await this.vadIdle();
    for (const seg of await this.#vadStream.end()) this.#cut(seg);
    this.#denoiser?.close();
    await this.asrIdle();
  }

  /** Stops at once: queued utterances are abandoned. The VAD loop stops after the chunk it
   * is on: await `vadIdle()` before releasing the VAD. */
  close(): void {
    this.#closed = true;
    this.#denoiser?.close();
    this.#backlog = [];
    this.#backlogSamples = 0;
    this.#queue = [];
  }

  async #vadLoop(): Promise<void> {
    while (this.#backlog.length > 0 && !this.#closed) {
      const chunks = this.#backlog;
      this.#backlog = [];
      this.#backlogSamples = 0;
      for (const c of chunks) {
        this.#anchors.push({ sample: this.#vadFed, time: c.time });
        this.#vadFed += c.pcm.length;
      }
      const all = chunks.length === 1 ? chunks[0].pcm : concat(chunks.map((c) => c.pcm));
      const segs = await this.#vadStream.push(all);
      for (const seg of segs) this.#cut(seg);
      this.#pruneAnchors();
    }
  }

  /** Anchors older than the longest utterance (plus padding) can no longer be asked for. */
  #pruneAnchors(): void {
    const keepFrom = this.#vadFed - ((this.#opts.maxUtteranceMs + 2_000) * SAMPLE_RATE) / 1000;
    let i = 0;
    while (i + 1 < this.#anchors.length && this.#anchors[i + 1].sample <= keepFrom) i++;
    if (i > 0) this.#anchors.splice(0, i);
  }

  #timeAt(sample: number): { at: number; vodMs: number | null } {
    let lo = 0, hi = this.#anchors.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#anchors[mid].sample <= sample) lo = mid;
      else hi = mid - 1;
    }
    const a = this.#anchors[lo];
    if (!a) return { at: this.#clock(), vodMs: null };
    const d = ms(sample - a.sample);
    return { at: a.time.at + d, vodMs: a.time.vodMs === null ? null : a.time.vodMs + d };
  }

  #cut(seg: SpeechSegment): void {
    if (!seg.audio || seg.audio.length === 0) return;
    this.#inc("utterances");
    if (seg.endMs - seg.startMs >= this.#opts.maxUtteranceMs) this.#inc("cutAtMax");
    const s = this.#timeAt(seg.startSample);
    const e = this.#timeAt(Math.max(seg.startSample, seg.endSample - 1));
    const u: Utterance = {
      audio: seg.audio,
      startAt: Math.round(s.at),
      endAt: Math.round(e.at),
      startMs: s.vodMs ?? e.vodMs,
      endMs: e.vodMs ?? s.vodMs,
      cutAt: this.#clock(),
      merged: 0,
    };
    this.#enqueue(u);
  }

  #enqueue(u: Utterance): void {
    const q = this.#queue;
    if (q.length >= this.#opts.maxQueue) {
      const last = q[q.length - 1];
      const maxSamples = (2 * this.#opts.maxUtteranceMs * SAMPLE_RATE) / 1000;
      if (last.audio.length + u.audio.length <= maxSamples) {
        q[q.length - 1] = {
          audio: concat([last.audio, u.audio]),
          startAt: last.startAt,
          endAt: u.endAt,
          startMs: last.startMs ?? u.startMs,
          endMs: u.endMs ?? last.endMs,
          cutAt: u.cutAt,
          merged: last.merged + 1 + u.merged,
        };
        this.#inc("merged");
        return;
      }
      const dropped = q.shift()!;
      this.#inc("dropped", 1 + dropped.merged);
    }
    q.push(u);
    this.#m.queueHigh = Math.max(this.#m.queueHigh, q.length);
    this.#asrRunning ??= this.#asrLoop().finally(() => (this.#asrRunning = undefined));
  }

  async #asrLoop(): Promise<void> {
    while (this.#queue.length > 0 && !this.#closed) {
      const u = this.#queue.shift()!;
      const t0 = performance.now();
      try {
        const t = await this.#opts.recogniser.transcribe(u.audio, {
          language: this.#language?.(),
        });
        if (this.#closed) return;
        if (!t.text) {
          this.#inc("empty", 1 + u.merged);
          continue;
        }
        this.#inc("recognised", 1 + u.merged);
        this.#opts.onCue({
          text: t.text,
          source: t.source,
          startAt: u.startAt,
          endAt: u.endAt,
          startMs: u.startMs === null ? null : Math.round(u.startMs),
          endMs: u.endMs === null ? null : Math.round(u.endMs),
          cutAt: u.cutAt,
          merged: u.merged,
        });
      } catch {
        this.#inc("failed", 1 + u.merged); // one failed utterance loses its caption, not the stream's
      } finally {
        this.#m.asrMs += performance.now() - t0;
      }
    }
  }
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
