/**
 * The streamer's camera track in, a processed track out (Chromium's insertable streams:
 * MediaStreamTrackProcessor → Canvas 2D → MediaStreamTrackGenerator). The output track stays
 * the same while effects are switched, so what is published never needs replacing; with every
 * effect off frames pass through untouched.
 *
 * The models run beside the frames: segmentation and the face mesh each take the newest frame
 * when they are free, and each frame is drawn with their latest results. Both run on this
 * thread (MediaPipe's WebAssembly, TF.js on WebGL), so each waits after a run as long as that
 * run took: a model never holds more than half of the thread, a slow one lowers the model
 * rate (`modelFps`) more than the frame rate. Both are watched (meter.ts), and the effects are
 * turned off when the device cannot keep up.
 */
import { Compositor } from "./compositor.ts";
import { type Face, loadFaceTracker, loadSegmenter } from "./models.ts";
import { DEFAULT_RULE, type KeepUpRule, Meter, type MeterStats } from "./meter.ts";
import { anyVideoEffect, DEFAULT_EFFECTS, type EffectSettings } from "./settings.ts";

interface TrackProcessor {
  readable: ReadableStream<VideoFrame>;
}
interface TrackGenerator extends MediaStreamTrack {
  writable: WritableStream<VideoFrame>;
}
declare const MediaStreamTrackProcessor: new (o: { track: MediaStreamTrack }) => TrackProcessor;
declare const MediaStreamTrackGenerator: new (o: { kind: "video" }) => TrackGenerator;

/** Whether this browser can process video frames (Chromium's insertable streams). */
export function canProcessVideo(): boolean {
  return "MediaStreamTrackProcessor" in globalThis && "MediaStreamTrackGenerator" in globalThis;
}

export interface VideoPipelineOptions {
  rule?: Partial<KeepUpRule>;
  /** Called when the effects were turned off because the device could not keep up. */
  onTooSlow?: (stats: MeterStats) => void;
  /** Called when a model could not load (its effects stay without it). */
  onModelError?: (model: "segmentation" | "face", err: Error) => void;
}

/** The analysis images: small, the models' own input sizes need no more. */
const SEG_W = 256, SEG_H = 144, FACE_W = 640, FACE_H = 360;

export class VideoPipeline {
  readonly track: MediaStreamTrack;
  readonly meter = new Meter();
  #fx: EffectSettings = DEFAULT_EFFECTS;
  #stopped = false;
  #compositor?: Compositor;
  #mask?: CanvasImageSource;
  #face?: Face;
  /** When each model may run next (busy: Infinity). */
  #segNext = 0;
  #faceNext = 0;
  #segCanvas = document.createElement("canvas");
  #faceCanvas = document.createElement("canvas");
  #since = performance.now();
  #watch: ReturnType<typeof setInterval>;
  readonly #rule: KeepUpRule;

  constructor(readonly input: MediaStreamTrack, private readonly opts: VideoPipelineOptions = {}) {
    this.#rule = { ...DEFAULT_RULE, ...opts.rule };
    const processor = new MediaStreamTrackProcessor({ track: input });
    const generator = new MediaStreamTrackGenerator({ kind: "video" });
    this.track = generator;
    this.#segCanvas.width = SEG_W;
    this.#segCanvas.height = SEG_H;
    this.#faceCanvas.width = FACE_W;
    this.#faceCanvas.height = FACE_H;
    void this.#pump(processor.readable.getReader(), generator.writable.getWriter());
    this.#watch = setInterval(() => this.#checkKeepUp(), 1000);
  }

  get settings(): EffectSettings {
    return this.#fx;
  }

  /** Switch effects (the output track stays). */
  set(fx: EffectSettings): void {
    const before = this.#fx;
    this.#fx = fx;
    if (JSON.stringify(before) !== JSON.stringify(fx)) {
      this.meter.reset();
      this.#since = performance.now();
    }
    if (!fx.blur && !fx.background) this.#mask = undefined;
    if (fx.sticker === "none") this.#face = undefined;
  }

  stats(): MeterStats {
    return this.meter.stats();
  }

  /** The face the sticker follows (in frame pixels), if one was found. */
  get face(): Face | undefined {
    return this.#face;
  }

  #checkKeepUp(): void {
    const fx = this.#fx;
    if (!anyVideoEffect(fx) || !fx.autoOff) return;
    const usesModel = fx.blur || fx.background || fx.sticker !== "none";
    if (this.meter.tooSlow(this.#rule, usesModel, this.#since)) {
      const stats = this.meter.stats();
      this.set({ ...fx, blur: false, background: false, beauty: false, sticker: "none" });
      this.opts.onTooSlow?.(stats);
    }
  }

  async #pump(
    reader: ReadableStreamDefaultReader<VideoFrame>,
    writer: WritableStreamDefaultWriter<VideoFrame>,
  ): Promise<void> {
    try {
      while (!this.#stopped) {
        const { value: frame, done } = await reader.read();
        if (done || !frame) break;
        const t0 = performance.now();
        const fx = this.#fx;
        if (!anyVideoEffect(fx)) {
          await writer.write(frame);
          this.meter.frame(performance.now() - t0);
          continue;
        }
        let out: VideoFrame;
        try {
          out = this.#process(frame, fx);
        } finally {
          frame.close();
        }
        await writer.write(out);
        this.meter.frame(performance.now() - t0);
      }
    } catch (err) {
      if (!this.#stopped) console.warn("video effects stopped", err);
    } finally {
      reader.releaseLock();
      await writer.close().catch(() => {});
    }
  }

  #process(frame: VideoFrame, fx: EffectSettings): VideoFrame {
    const w = frame.displayWidth, h = frame.displayHeight;
    if (!this.#compositor || this.#compositor.width !== w || this.#compositor.height !== h) {
      this.#compositor = new Compositor(w, h);
    }
    if (fx.blur || fx.background) this.#segmentSoon(frame);
    if (fx.sticker !== "none") this.#trackFaceSoon(frame, w, h);
    const canvas = this.#compositor.draw(frame, fx, this.#mask, this.#face);
    return new VideoFrame(canvas, { timestamp: frame.timestamp });
  }

  /** Start segmenting this frame unless the segmenter is busy (its result comes later). */
  #segmentSoon(frame: VideoFrame): void {
    if (performance.now() < this.#segNext) return;
    this.#segNext = Infinity;
    this.#segCanvas.getContext("2d")!.drawImage(frame, 0, 0, SEG_W, SEG_H);
    let t0 = performance.now();
    loadSegmenter()
      .then((s) => (t0 = performance.now(), s.segment(this.#segCanvas)))
      .then((mask) => {
        if (this.#fx.blur || this.#fx.background) this.#mask = mask;
        this.meter.model(performance.now() - t0);
      })
      .catch((err) => this.opts.onModelError?.("segmentation", err as Error))
      .finally(() => (this.#segNext = 2 * performance.now() - t0));
  }

  #trackFaceSoon(frame: VideoFrame, w: number, h: number): void {
    if (performance.now() < this.#faceNext) return;
    this.#faceNext = Infinity;
    this.#faceCanvas.getContext("2d")!.drawImage(frame, 0, 0, FACE_W, FACE_H);
    const sx = w / FACE_W, sy = h / FACE_H;
    let t0 = performance.now();
    loadFaceTracker()
      .then((t) => (t0 = performance.now(), t.detect(this.#faceCanvas)))
      .then((face) => {
        if (this.#fx.sticker === "none") return;
        this.#face = face && {
          box: [face.box[0] * sx, face.box[1] * sy, face.box[2] * sx, face.box[3] * sy],
          mesh: face.mesh.map(([x, y]) => [x * sx, y * sy]),
        };
        this.meter.model(performance.now() - t0);
      })
      .catch((err) => this.opts.onModelError?.("face", err as Error))
      .finally(() => (this.#faceNext = 2 * performance.now() - t0));
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#watch);
    this.track.stop();
  }
}
