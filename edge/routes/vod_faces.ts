/**
 * Faces and expressions of one recording, for the dashboard's and the VOD's timeline: each
 * analysed key frame (faces found, the largest face's expression) at its VOD offset, each
 * analysis window in short (faces present, the dominant expression, how often the streamer
 * smiled) and the whole recording in short. Public like the VOD; the antispoof and liveness
 * scores stored with the frames are not in it (they are evidence for the room's admins).
 */
import { z } from "zod";
import type { AnalysisStore } from "../../actors/segment/analysis_store.ts";
import type { RecordingIndex, RecordingRow } from "../../actors/recording/recording_index.ts";
import { buildTimeline, vodOffsetOf } from "../../actors/recording/timeline.ts";
import { EXPRESSIONS, summariseFaces } from "../../actors/ai/faces.ts";

const Expression = z.enum(EXPRESSIONS);
const Shares = z.object(
  Object.fromEntries(EXPRESSIONS.map((e) => [e, z.number().optional()])) as Record<
    (typeof EXPRESSIONS)[number],
    z.ZodOptional<z.ZodNumber>
  >,
).strict();

export const FaceSummarySchema = z.object({
  frames: z.number().int().describe("key frames looked at"),
  withFace: z.number().int().describe("key frames with at least one face"),
  presentRatio: z.number().describe("withFace / frames"),
  dominant: Expression.nullable().describe("the most frequent expression of the largest face"),
  shares: Shares.describe("share of the frames with a face showing each expression"),
  smileRatio: z.number().describe("share of the frames with a face that smile (happy)"),
  maxFaces: z.number().int(),
});

export const FacesAnswer = z.object({
  recordingId: z.string(),
  summary: FaceSummarySchema,
  windows: z.array(z.object({
    window: z.number().int(),
    /** VOD offsets of the window's first and last analysed frames. */
    offsetMs: z.number(),
    untilMs: z.number(),
    summary: FaceSummarySchema,
  })),
  frames: z.array(z.object({
    window: z.number().int(),
    frame: z.number().int(),
    at: z.number().describe("wall clock, ms since the epoch"),
    offsetMs: z.number().describe("VOD offset to seek to"),
    faces: z.number().int(),
    expression: Expression.nullable(),
    score: z.number().nullable().describe("the expression's probability"),
  })),
});
export type FacesAnswer = z.infer<typeof FacesAnswer>;

export async function recordingFaces(
  store: AnalysisStore,
  index: RecordingIndex,
  rec: RecordingRow,
): Promise<FacesAnswer> {
  const [rows, gaps, faces] = await Promise.all([
    index.segments(rec.id),
    index.gaps(rec.id),
    store.faces(rec.id),
  ]);
  const timeline = buildTimeline(rec, rows, gaps);
  const frames = faces.map((f) => ({
    window: f.window,
    frame: f.frame,
    at: f.at,
    offsetMs: vodOffsetOf(timeline, f.at),
    faces: f.faces,
    expression: f.expression,
    score: f.expressionScore,
  }));
  const byWindow = new Map<number, typeof frames>();
  for (const f of frames) byWindow.set(f.window, [...byWindow.get(f.window) ?? [], f]);
  const windows = [...byWindow.entries()].sort((a, b) => a[0] - b[0]).map(([window, fs]) => ({
    window,
    offsetMs: Math.min(...fs.map((f) => f.offsetMs)),
    untilMs: Math.max(...fs.map((f) => f.offsetMs)),
    summary: summariseFaces(fs),
  }));
  return { recordingId: rec.id, summary: summariseFaces(frames), windows, frames };
}
