/**
 * When to analyse: the SegmentActor calls `afterIndex` for every indexed segment; a segment
 * ending in a later window than it starts closes the windows in between, and each closed
 * window's AnalysisActor is told to run (idempotent there). The last, partial window is
 * analysed when the recording stops (`analyseLastWindow`, called by the summary trigger).
 */
import type { ActorContext } from "../../engine/actor.ts";
import type { RecordingIndex } from "../recording/recording_index.ts";
import type { SegmentInfo } from "./messages.ts";
import {
  type AnalyseCommand,
  ANALYSIS_ACTOR_TYPE,
  analysisActorId,
  windowBounds,
  windowOf,
} from "./analysis_messages.ts";

export interface Teller {
  tell(type: string, id: string, msg: unknown): void;
}

/** The `analyse` command of one window (bounds from the recording's start). */
export function analyseCommand(
  recording: { id: string; roomId: string; startedAt: number },
  window: number,
  windowMs: number,
  force = false,
): AnalyseCommand {
  return {
    kind: "analyse",
    recordingId: recording.id,
    roomId: recording.roomId,
    window,
    ...windowBounds(recording.startedAt, window, windowMs),
    recordingStartAt: recording.startedAt,
    force,
  };
}

/**
 * A recording's analysis window: its own `segment_time` when it was started with one (the
 * Douyin document's API), else the process's ANALYSIS_WINDOW_S.
 */
export async function recordingWindowMs(
  index: Pick<RecordingIndex, "windowMs">,
  recordingId: string,
  defaultWindowMs: number,
): Promise<number> {
  return (await index.windowMs(recordingId)) ?? defaultWindowMs;
}

/** The SegmentActor's hook: analyse the windows this segment closes. */
export function analysisTrigger(index: RecordingIndex, defaultWindowMs: number) {
  return async (ctx: Pick<ActorContext, "tell">, info: SegmentInfo): Promise<void> => {
    const rec = await index.recording(info.recordingId);
    if (!rec) return;
    const windowMs = await recordingWindowMs(index, rec.id, defaultWindowMs);
    const first = windowOf(rec.startedAt, info.startAt, windowMs);
    const last = windowOf(rec.startedAt, info.endAt, windowMs);
    for (let w = first; w < last; w++) {
      ctx.tell(ANALYSIS_ACTOR_TYPE, analysisActorId(rec.id, w), analyseCommand(rec, w, windowMs));
    }
  };
}

/** The recording stopped: analyse the window of its last segment (a no-op if done). */
export async function analyseLastWindow(
  index: RecordingIndex,
  actors: Teller,
  recordingId: string,
  defaultWindowMs: number,
): Promise<void> {
  const rec = await index.recording(recordingId);
  const last = (await index.segments(recordingId)).at(-1);
  if (!rec || !last) return;
  const windowMs = await recordingWindowMs(index, rec.id, defaultWindowMs);
  const w = windowOf(rec.startedAt, last.startAt, windowMs);
  actors.tell(ANALYSIS_ACTOR_TYPE, analysisActorId(rec.id, w), analyseCommand(rec, w, windowMs));
}
