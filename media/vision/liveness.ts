/**
 * Liveness of each publishing participant's camera, from the pictures the recorder samples
 * while a room is live (`LIVE_FRAME_SAMPLE_MS` apart): a **liveness check**, not deepfake
 * detection. It raises "possibly not a live camera" for a participant when
 *
 * - **frozen**: the picture has not changed for `frozenMs` (a still image sent as video, a
 *   stuck capture);
 * - **loop**: a moving picture keeps coming back to pictures seen before (a short clip played
 *   in a loop): at least `minRepeats` samples in the last `historyMs` that differ from the
 *   sample before them but match an older one. A live camera never repeats itself pixel for
 *   pixel (sensor noise, light, the person moving);
 * - **models**: Human's `antispoof` and `liveness` models both score the main face under
 *   `modelFloor` on average over at least `minFaceSamples` samples (a photo or a screen held
 *   up to the camera). Weak evidence on their own: they are reported with every flag either way.
 *
 * Pictures are compared as 32×24 grey thumbnails (mean absolute difference of 0..255 levels),
 * so encoder noise on a still picture stays under `sameLevel` while any real motion is far
 * above it. What it cannot catch: a generated or swapped face rendered live (a deepfake), a
 * replayed recording longer than `historyMs` without freezes, a virtual camera showing real
 * motion. What may raise it wrongly: a camera pointed at a truly static scene with no one in
 * it (frozen; it clears once the picture moves).
 */
import type { FrameFaces, RawImage } from "./face_protocol.ts";
import { mainFace } from "../../actors/ai/faces.ts";

export type LivenessReason = "frozen" | "loop" | "models";

export interface LivenessEvidence {
  /** Samples looked at, in the history kept. */
  samples: number;
  /** How long the picture has not changed (ms; 0: it moves). */
  frozenForMs: number;
  /** Samples that came back to an earlier picture while moving, and the loop's length (ms). */
  repeats: number;
  loopMs: number | null;
  /** Mean difference between consecutive samples (0..255 grey levels). */
  motion: number;
  /** Samples the face models scored with a face, and their mean scores (null: none). */
  faceSamples: number;
  antispoof: number | null;
  liveness: number | null;
}

export interface LivenessOptions {
  frozenMs: number;
  historyMs: number;
  minRepeats: number;
  sameLevel: number;
  modelFloor: number;
  minFaceSamples: number;
  /** Offer every n-th sample to the face models (they drop it when busy). */
  faceEvery: number;
  /** A flag clears after the picture has looked live this long. */
  clearAfterMs: number;
}

export const DEFAULT_LIVENESS: LivenessOptions = {
  frozenMs: 20_000,
  historyMs: 90_000,
  minRepeats: 3,
  sameLevel: 1.5,
  modelFloor: 0.2,
  minFaceSamples: 5,
  faceEvery: 5,
  clearAfterMs: 30_000,
};

const TW = 32, TH = 24;

/** A grey thumbnail (TW×TH, box average) of an RGB picture. */
export function thumbnail(img: RawImage): Float32Array {
  const ch = img.data.length / (img.width * img.height);
  const out = new Float32Array(TW * TH);
  const count = new Float32Array(TW * TH);
  for (let y = 0; y < img.height; y++) {
    const ty = Math.min(TH - 1, Math.floor((y * TH) / img.height));
    for (let x = 0; x < img.width; x++) {
      const tx = Math.min(TW - 1, Math.floor((x * TW) / img.width));
      const i = (y * img.width + x) * ch;
      const grey = 0.299 * img.data[i] + 0.587 * img.data[i + 1] + 0.114 * img.data[i + 2];
      out[ty * TW + tx] += grey;
      count[ty * TW + tx]++;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] /= Math.max(1, count[i]);
  return out;
}

export function difference(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

interface Sample {
  at: number;
  thumb: Float32Array;
  /** Differs from the sample before it. */
  moved: boolean;
  /** Moved, yet matches an older sample (at that sample's time). */
  repeatOf: number | null;
}

/** One participant's camera: samples in, a verdict out. Pure (no models, no I/O). */
export class LivenessTracker {
  #samples: Sample[] = [];
  #stillSince: number | null = null;
  #scores: { real: number; live: number }[] = [];
  #faceSamples = 0;
  #liveSince: number | null = null;
  flagged = false;

  constructor(private readonly opts: LivenessOptions = DEFAULT_LIVENESS) {}

  /** Adds a sample; returns the reasons that hold now. */
  add(at: number, img: RawImage): LivenessReason[] {
    const thumb = thumbnail(img);
    const prev = this.#samples.at(-1);
    const moved = !prev || difference(thumb, prev.thumb) >= this.opts.sameLevel;
    if (moved) this.#stillSince = null;
    else this.#stillSince ??= prev!.at;
    let repeatOf: number | null = null;
    if (moved && prev) {
      // an older picture than the one before (which it just differed from)
      for (let i = this.#samples.length - 2; i >= 0; i--) {
        if (difference(thumb, this.#samples[i].thumb) < this.opts.sameLevel) {
          repeatOf = this.#samples[i].at;
          break;
        }
      }
    }
    this.#samples.push({ at, thumb, moved, repeatOf });
    while (this.#samples.length > 0 && this.#samples[0].at < at - this.opts.historyMs) {
      this.#samples.shift();
    }
    return this.reasons(at);
  }

  /** The main face's scores from the face models for a sample (none: no face found). */
  addFaces(faces: FrameFaces): void {
    const f = mainFace(faces.faces);
    if (!f || f.real === undefined || f.live === undefined) return;
    this.#faceSamples++;
    this.#scores.push({ real: f.real, live: f.live });
    if (this.#scores.length > 10) this.#scores.shift();
  }

  reasons(now: number): LivenessReason[] {
    const e = this.evidence(now);
    const out: LivenessReason[] = [];
    if (e.frozenForMs >= this.opts.frozenMs) out.push("frozen");
    if (e.repeats >= this.opts.minRepeats) out.push("loop");
    if (
      this.#scores.length >= this.opts.minFaceSamples && e.antispoof !== null &&
      e.liveness !== null && e.antispoof < this.opts.modelFloor && e.liveness < this.opts.modelFloor
    ) out.push("models");
    return out;
  }

  /**
   * Whether to raise or clear the participant's flag now: raised at the first reason, cleared
   * once no reason has held for `clearAfterMs`.
   */
  verdict(now: number): "raise" | "clear" | null {
    const reasons = this.reasons(now);
    if (reasons.length > 0) {
      this.#liveSince = null;
      if (this.flagged) return null;
      this.flagged = true;
      return "raise";
    }
    this.#liveSince ??= now;
    if (this.flagged && now - this.#liveSince >= this.opts.clearAfterMs) {
      this.flagged = false;
      return "clear";
    }
    return null;
  }

  evidence(now: number): LivenessEvidence {
    const s = this.#samples;
    const repeats = s.filter((x) => x.repeatOf !== null);
    const periods = repeats.map((x) => x.at - x.repeatOf!).sort((a, b) => a - b);
    let motion = 0;
    for (let i = 1; i < s.length; i++) motion += difference(s[i].thumb, s[i - 1].thumb);
    const mean = (k: "real" | "live") =>
      this.#scores.length
        ? Math.round(this.#scores.reduce((a, x) => a + x[k], 0) / this.#scores.length * 1000) / 1000
        : null;
    return {
      samples: s.length,
      frozenForMs: this.#stillSince === null ? 0 : now - this.#stillSince,
      repeats: repeats.length,
      loopMs: periods.length ? periods[Math.floor(periods.length / 2)] : null,
      motion: s.length > 1 ? Math.round((motion / (s.length - 1)) * 100) / 100 : 0,
      faceSamples: this.#faceSamples,
      antispoof: mean("real"),
      liveness: mean("live"),
    };
  }
}

/** A raised or cleared flag, as the monitor reports it. */
export interface LivenessFlag {
  roomId: string;
  recordingId: string;
  identity: string;
  at: number;
  state: "raised" | "cleared";
  reasons: LivenessReason[];
  evidence: LivenessEvidence;
}

/** A sampled picture of a room recording's participant (the recorder's video hub). */
export interface LiveSample {
  recordingId: string;
  roomId: string;
  identity: string;
  at: number;
  width: number;
  height: number;
  rgb: Uint8Array;
}

export interface LivenessMonitorDeps {
  /** Subscribes to the recorder's samples; returns the unsubscribe. */
  subscribe(listener: (s: LiveSample) => void): () => void;
  /** The face models (drop-when-busy `offer`); unset: frames only. */
  faces?: { offer(frame: RawImage): Promise<FrameFaces> | null };
  /** Raised and cleared flags (stored and told to the room's admins by the caller). */
  onFlag(flag: LivenessFlag): void;
  options?: Partial<LivenessOptions>;
}

/**
 * Tracks every participant whose pictures the recorder samples; calls `onFlag` when one looks
 * like no live camera and when it looks live again. Synchronous per sample (a thumbnail of a
 * 320 px picture); the face models run in their worker, their answers come back later.
 */
export class LivenessMonitor {
  readonly #trackers = new Map<string, { t: LivenessTracker; n: number; last: number }>();
  readonly #off: () => void;
  readonly #opts: LivenessOptions;

  constructor(private readonly deps: LivenessMonitorDeps) {
    this.#opts = { ...DEFAULT_LIVENESS, ...deps.options };
    this.#off = deps.subscribe((s) => this.#sample(s));
  }

  #sample(s: LiveSample): void {
    const key = `${s.recordingId}/${s.identity}`;
    let entry = this.#trackers.get(key);
    if (!entry) {
      entry = { t: new LivenessTracker(this.#opts), n: 0, last: s.at };
      this.#trackers.set(key, entry);
      this.#forgetIdle(s.at);
    }
    entry.last = s.at;
    const img: RawImage = { width: s.width, height: s.height, data: s.rgb };
    entry.t.add(s.at, img);
    this.#judge(s, entry.t, s.at);
    if (this.deps.faces && entry.n++ % this.#opts.faceEvery === 0) {
      const t = entry.t;
      this.deps.faces.offer({ ...img, data: s.rgb.slice() })?.then((faces) => {
        t.addFaces(faces);
        this.#judge(s, t, Date.now());
      }, () => {}); // a timeout or a closed worker: that sample has no scores
    }
  }

  #judge(s: LiveSample, t: LivenessTracker, now: number): void {
    const v = t.verdict(now);
    if (!v) return;
    this.deps.onFlag({
      roomId: s.roomId,
      recordingId: s.recordingId,
      identity: s.identity,
      at: now,
      state: v === "raise" ? "raised" : "cleared",
      reasons: t.reasons(now),
      evidence: t.evidence(now),
    });
  }

  /** Participants with no sample for 10 minutes are forgotten. */
  #forgetIdle(now: number): void {
    for (const [k, e] of this.#trackers) if (now - e.last > 600_000) this.#trackers.delete(k);
  }

  /** The current verdicts (tests, metrics). */
  status(): { key: string; flagged: boolean; evidence: LivenessEvidence }[] {
    const now = Date.now();
    return [...this.#trackers].map(([key, e]) => ({
      key,
      flagged: e.t.flagged,
      evidence: e.t.evidence(now),
    }));
  }

  close(): void {
    this.#off();
    this.#trackers.clear();
  }
}
