/**
 * Live captions of recordings: listens to the recorder's events; every `segment_ready`
 * segment's audio (decoded to 16 kHz mono as soon as it is stored) is fed, in order, to the
 * recording's CaptionPipeline (Silero VAD utterances → ASR). Each cue is stored in SQL and
 * sent to the room (`caption` command → a `caption` event in the room's batch), a few
 * seconds after it was spoken (segment length + recognition). When the recording stops,
 * the WebVTT track is written beside it (`recordings/{room}/{rec}/captions.vtt`).
 *
 * Cue offsets are VOD offsets (audio time from the first segment, holes removed), `at` is
 * the wall clock of the cue's start.
 */
import type { Logger } from "../../engine/log.ts";
import type { CaptionRow } from "../../actors/segment/analysis_store.ts";
import { type CaptionCue, CaptionPipeline, toWebVtt } from "../audio/captions.ts";
import type { Recogniser } from "../audio/asr.ts";
import { decodePcm16k, SAMPLE_RATE } from "../audio/pcm.ts";
import type { SileroVad } from "../audio/vad.ts";
import type { ObjectStore } from "../s3.ts";
import { recordingPrefix } from "../storage_keys.ts";
import type { RecordingEvent, RecordingEventHub, SegmentReady } from "./events.ts";

export const captionsKey = (roomId: string, recordingId: string) =>
  `${recordingPrefix(roomId, recordingId)}captions.vtt`;

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
}

interface Live {
  roomId: string;
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
  readonly #pending = new Map<string, Promise<void>>();
  readonly #off: () => void;

  constructor(private readonly opts: LiveCaptionsOptions) {
    this.#off = opts.events.subscribe((e) => this.#on(e));
  }

  /** Resolves when every event seen so far is handled (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending.values());
  }

  #on(e: RecordingEvent): void {
    if (e.type !== "segment_ready" && e.type !== "recording_stopped") return;
    const prev = this.#pending.get(e.recordingId) ?? Promise.resolve();
    const next = prev.then(() =>
      e.type === "segment_ready" ? this.#segment(e) : this.#stop(e.recordingId, e.roomId)
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
      pipeline: new CaptionPipeline(vad, asr, (cue) => this.#cue(e.recordingId, live, cue)),
    };
    this.#live.set(e.recordingId, live);
    return live;
  }

  async #segment(e: SegmentReady): Promise<void> {
    const live = this.#live.get(e.recordingId) ?? await this.#start(e);
    if (!live) return;
    const pcm = await decodePcm16k(await this.opts.objects.presignGet(e.key, 300));
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

  async close(): Promise<void> {
    this.#off();
    await this.settled();
    for (const [id, live] of this.#live) {
      this.#live.delete(id);
      await live.vad.close().catch(() => {});
    }
  }
}
