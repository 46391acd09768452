/**
 * Highlights become clips: every `highlight` a room publishes on `rooms.out.{roomId}` while
 * the room is being recorded is cut into an MP4 beside the recording (`VodService.cutClip`)
 * once the segments covering it (plus padding) are indexed, or the recording has stopped.
 * A queue group makes one subscriber in the cluster cut each clip; clips are cut one at a
 * time per process (ffmpeg is the expensive part).
 */
import type { HighlightSpan, RoomBatch } from "../../actors/room/contract.ts";
import { decodeJson } from "../../engine/codec.ts";
import type { Logger } from "../../engine/log.ts";
import type { Transport } from "../../engine/transport.ts";
import type {
  ClipRow,
  RecordingIndex,
  RecordingRow,
} from "../../actors/recording/recording_index.ts";
import type { VodService } from "../vod.ts";
import { mapSpans } from "../../actors/recording/timeline.ts";

export interface HighlightClipperOptions {
  transport: Transport;
  index: RecordingIndex;
  vod: VodService;
  log: Logger;
  /** A clip was cut (integration events: `clip.ready`). */
  onClip?: (roomId: string, clip: ClipRow) => void;
  /** Context kept before and after each highlight (default 2 s). */
  padMs?: number;
  /** Give up waiting for segments after this long (default 3 min). */
  waitMs?: number;
  pollMs?: number;
}

export interface HighlightClipper {
  /** Clips cut so far (for logs and tests). */
  readonly cut: number;
  /** Wait for the clips queued so far. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** The recording of `roomId` running at `at`, if any. */
async function recordingAt(
  index: RecordingIndex,
  roomId: string,
  at: number,
): Promise<RecordingRow | undefined> {
  const rows = await index.recordingsOfRoom(roomId, 5);
  return rows.find((r) =>
    r.startedAt <= at && (r.state === "recording" || r.state === "paused" || (r.endedAt ?? 0) >= at)
  );
}

export function clipHighlights(opts: HighlightClipperOptions): HighlightClipper {
  const padMs = opts.padMs ?? 2_000;
  const waitMs = opts.waitMs ?? 180_000;
  const pollMs = opts.pollMs ?? 1_000;
  let closed = false;
  let cut = 0;
  let chain: Promise<void> = Promise.resolve();
  const sleeps = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleeps.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleeps.add(done);
    });

  /** Waits until the recording's segments reach past the span (or it stopped), then cuts. */
  async function clip(roomId: string, span: HighlightSpan): Promise<void> {
    const rec = await recordingAt(opts.index, roomId, span.startAt);
    if (!rec) return; // not recorded: nothing to cut
    const deadline = Date.now() + waitMs;
    while (!closed) {
      const row = await opts.index.recording(rec.id);
      const segments = await opts.index.segments(rec.id);
      const reached = segments.some((s) => s.valid && s.endAt >= span.endAt + padMs);
      const over = row?.state === "stopped" || row?.state === "failed";
      if (reached || over || Date.now() > deadline) break;
      await sleep(pollMs);
    }
    if (closed) return;
    const timeline = await opts.vod.timeline(rec.id);
    const [vodSpan] = mapSpans(timeline, [span]);
    if (!vodSpan) {
      opts.log.info("highlight outside its recording; no clip", { roomId, span: span.id });
      return;
    }
    const row = await opts.vod.cutClip(rec.id, vodSpan, { padMs });
    cut++;
    opts.onClip?.(roomId, row);
    opts.log.info("highlight clip cut", { roomId, recordingId: rec.id, clip: row.id });
  }

  const sub = opts.transport.subscribe("rooms.out.*", (msg) => {
    let batch: RoomBatch;
    try {
      batch = decodeJson<RoomBatch>(msg.data);
    } catch {
      return;
    }
    for (const event of batch.events ?? []) {
      if (event.t !== "highlight" || closed) continue;
      const span = event.h;
      chain = chain.then(() => clip(batch.roomId, span)).catch((err) =>
        opts.log.warn("highlight clip failed", {
          roomId: batch.roomId,
          span: span.id,
          error: err as Error,
        })
      );
    }
  }, { queue: "media-highlight-clips" });

  return {
    get cut() {
      return cut;
    },
    settled: () => chain,
    async close() {
      closed = true;
      sub.unsubscribe();
      for (const wake of [...sleeps]) wake();
      await chain;
    },
  };
}
