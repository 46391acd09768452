/**
 * The analysis actor's contract (type `analysis`, id `${recordingId}_w${window}`): one
 * actor per analysis window of a recording (default 300 s, `ANALYSIS_WINDOW_S`). Windows
 * are counted from the recording's start; a segment belongs to the window its start falls in.
 */
import { z } from "zod";
import { ID_PATTERN } from "../../engine/subject.ts";
import type { TipsRow } from "./analysis_store.ts";

export const ANALYSIS_ACTOR_TYPE = "analysis";

export const analysisActorId = (recordingId: string, window: number) => `${recordingId}_w${window}`;

const Id = z.string().regex(ID_PATTERN);

export const AnalyseCommand = z.object({
  kind: z.literal("analyse"),
  recordingId: Id,
  roomId: Id,
  window: z.number().int().nonnegative(),
  /** Wall-clock bounds of the window and the recording's start (ms since the epoch). */
  startAt: z.number().int().positive(),
  endAt: z.number().int().positive(),
  recordingStartAt: z.number().int().positive(),
  /** Run again even when the window was analysed (the stored row is replaced). */
  force: z.boolean().default(false),
});
export type AnalyseCommand = z.infer<typeof AnalyseCommand>;

export const AnalysisCommand = z.discriminatedUnion("kind", [
  AnalyseCommand,
  z.object({ kind: z.literal("status") }),
]);

/** Steps in order; each is persisted before the next starts, so a restart resumes. */
export const ANALYSIS_STEPS = ["media", "transcript", "context", "stored", "pushed"] as const;
export type AnalysisStep = (typeof ANALYSIS_STEPS)[number];

export interface AnalysisStatus {
  window: number;
  run: number;
  /** The last finished step (`null`: none yet, or idle). */
  step: AnalysisStep | null;
  done: boolean;
  tips: TipsRow | null;
}

/** Pushed on `analysis.tips.{roomId}` when a window's tips are stored (streamer console). */
export const analysisTipsSubject = (roomId: string) => `analysis.tips.${roomId}`;

/** The window a wall-clock instant falls in. */
export function windowOf(recordingStartAt: number, at: number, windowMs: number): number {
  return Math.floor(Math.max(0, at - recordingStartAt) / windowMs);
}

export function windowBounds(
  recordingStartAt: number,
  window: number,
  windowMs: number,
): { startAt: number; endAt: number } {
  const startAt = recordingStartAt + window * windowMs;
  return { startAt, endAt: startAt + windowMs };
}
