/**
 * The Douyin document's segments: a planned recording (started with `live_url` and
 * `segment_time`) is cut into windows of `segment_time` counted from the recording's start
 * (the same instant and the same rule as its coaching analysis: an HLS segment belongs to the
 * window its start falls in, actors/segment/analysis_messages.ts). When a window is closed —
 * a segment reaching into a later window arrives, or the recording stops — its segments are
 * joined (stream copy, no re-encoding) into one MP4 named by `windowKey`, stored, indexed in
 * `recording_windows`, and announced as `window_ready` (the SSE's `segment_ready`).
 *
 * Runs in the process that records (it listens to the recorder's events); each recording's
 * windows are built one after another, recordings side by side.
 */
import type { Logger } from "../../engine/log.ts";
import type { RecordingPlans } from "../../actors/recording/recording_plans.ts";
import { windowBounds, windowOf } from "../../actors/segment/analysis_messages.ts";
import { runFfmpeg } from "../ffmpeg.ts";
import type { ObjectStore } from "../object_store.ts";
import type { RecordingEvent, RecordingEventHub, SegmentReady, WindowReady } from "./events.ts";
import { windowKey } from "./window_names.ts";

export interface WindowPlan {
  platform: string;
  anchor: string;
  windowMs: number;
}

interface Open {
  plan: WindowPlan;
  roomId: string;
  startAt?: number;
  /** Segments by window, until the window is built. */
  pending: Map<number, SegmentReady[]>;
  chain: Promise<void>;
}

export class WindowCutter {
  readonly #open = new Map<string, Open>();
  readonly #off: () => void;
  readonly #pending = new Set<Promise<void>>();

  constructor(
    private readonly opts: {
      events: RecordingEventHub;
      objects: ObjectStore;
      plans: RecordingPlans;
      log: Logger;
      /** The time zone of the names' dates (IANA, default UTC). */
      timeZone?: string;
    },
  ) {
    this.#off = opts.events.subscribe((e) => this.#on(e));
  }

  /** Cut `recordingId` into windows; call before its recorder starts. */
  plan(recordingId: string, roomId: string, plan: WindowPlan): void {
    this.#open.set(recordingId, {
      plan,
      roomId,
      pending: new Map(),
      chain: Promise.resolve(),
    });
  }

  /** Forget a plan whose recording did not start. */
  drop(recordingId: string): void {
    this.#open.delete(recordingId);
  }

  /** Wait until every window closed so far is built (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  #on(e: RecordingEvent): void {
    const rec = this.#open.get(e.recordingId);
    if (!rec) return;
    if (e.type === "recording_started") {
      rec.startAt = e.at;
      return;
    }
    if (e.type === "segment_ready") {
      rec.startAt ??= e.startAt;
      const { windowMs } = rec.plan;
      const w = windowOf(rec.startAt, e.startAt, windowMs);
      const list = rec.pending.get(w) ?? [];
      list.push(e);
      rec.pending.set(w, list);
      // Every window before the one this segment ends in is complete.
      this.#closeBelow(e.recordingId, rec, windowOf(rec.startAt, e.endAt, windowMs), undefined);
      return;
    }
    if (e.type === "recording_stopped") {
      this.#closeBelow(e.recordingId, rec, Number.MAX_SAFE_INTEGER, e.at);
      this.#open.delete(e.recordingId);
    }
  }

  #closeBelow(recordingId: string, rec: Open, below: number, stoppedAt: number | undefined) {
    const windows = [...rec.pending.keys()].filter((w) => w < below).sort((a, b) => a - b);
    for (const w of windows) {
      const segments = rec.pending.get(w)!;
      rec.pending.delete(w);
      const startAt = rec.startAt!;
      const job = rec.chain.then(() =>
        this.#build(recordingId, rec, w, segments, startAt, stoppedAt)
      )
        .catch((err) =>
          this.opts.log.error("window MP4 not built", {
            recordingId,
            seq: w,
            error: err as Error,
          })
        );
      rec.chain = job;
      this.#pending.add(job);
      void job.finally(() => this.#pending.delete(job));
    }
  }

  async #build(
    recordingId: string,
    rec: Open,
    seq: number,
    segments: SegmentReady[],
    recordingStartAt: number,
    stoppedAt: number | undefined,
  ): Promise<void> {
    const bounds = windowBounds(recordingStartAt, seq, rec.plan.windowMs);
    const last = segments.at(-1)!;
    // The last window of a stopped recording ends with it (its media may end a little later).
    const endAt = stoppedAt !== undefined && stoppedAt < bounds.endAt
      ? Math.max(bounds.startAt, Math.min(stoppedAt, bounds.endAt))
      : bounds.endAt;
    const key = windowKey(rec.plan, seq, bounds.startAt, this.opts.timeZone);
    const dir = await Deno.makeTempDir({ prefix: "synapse-window-" });
    try {
      const file = await Deno.open(`${dir}/window.ts`, { write: true, create: true });
      let joined = 0;
      try {
        for (const s of segments) {
          const bytes = await this.opts.objects.get(s.key);
          if (!bytes) continue;
          let off = 0; // a write may be partial
          while (off < bytes.length) off += await file.write(bytes.subarray(off));
          joined++;
        }
      } finally {
        file.close();
      }
      if (joined === 0) return;
      await runFfmpeg([
        "-i",
        `${dir}/window.ts`,
        "-map",
        "0",
        "-c",
        "copy",
        "-bsf:a",
        "aac_adtstoasc",
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        `${dir}/window.mp4`,
      ]);
      const bytes = await this.opts.objects.putFile(key, `${dir}/window.mp4`, "video/mp4");
      const ready: WindowReady = {
        type: "window_ready",
        recordingId,
        roomId: rec.roomId,
        seq,
        key,
        startAt: bounds.startAt,
        endAt,
        mediaStartAt: segments[0].startAt,
        mediaEndAt: last.endAt,
        segments: joined,
        bytes,
      };
      await this.opts.plans.putWindow({
        recordingId,
        seq,
        path: key,
        startAt: ready.startAt,
        endAt: ready.endAt,
        mediaStartAt: ready.mediaStartAt,
        mediaEndAt: ready.mediaEndAt,
        segments: joined,
        bytes,
      });
      this.opts.events.emit(ready);
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }

  close(): void {
    this.#off();
  }
}
