/**
 * Faces and expressions of a stream's key frames, as the analysis stores and reads them:
 * what one frame holds (from the face models, media/vision/), a window's summary (faces
 * present, the dominant expression, how often the streamer smiled) and the comparison with
 * the windows before it that the coaching tips and summaries say in words. Pure: no models.
 */

/** The 7 classes of the expression model (@vladmandic/human's `emotion`). */
export const EXPRESSIONS = [
  "angry",
  "disgust",
  "fear",
  "happy",
  "sad",
  "surprise",
  "neutral",
] as const;
export type Expression = (typeof EXPRESSIONS)[number];

export const isExpression = (v: unknown): v is Expression =>
  typeof v === "string" && (EXPRESSIONS as readonly string[]).includes(v);

/** One face the models found in a frame. */
export interface DetectedFace {
  /** Detector confidence, 0..1. */
  score: number;
  /** x, y, width, height as fractions of the frame. */
  box: [number, number, number, number];
  expression: Expression | null;
  expressionScore: number;
  expressions: Record<Expression, number>;
  /** Antispoof: 0 (photo or screen) .. 1 (real face); liveness: 0 .. 1 (live). */
  real?: number;
  live?: number;
}

/** One key frame as stored (`recording_faces`): its faces and its largest face's reading. */
export interface FaceFrameRow {
  recordingId: string;
  roomId: string;
  window: number;
  /** The key frame's number in its window (1-based). */
  frame: number;
  /** Wall clock of the frame, ms since the epoch. */
  at: number;
  faces: number;
  expression: Expression | null;
  expressionScore: number | null;
  detail: {
    box?: [number, number, number, number];
    expressions?: Partial<Record<Expression, number>>;
    real?: number;
    live?: number;
  };
}

/** The largest face of a frame (the streamer's, in their own camera), or null. */
export function mainFace(faces: DetectedFace[]): DetectedFace | null {
  let best: DetectedFace | null = null;
  for (const f of faces) if (!best || f.box[2] * f.box[3] > best.box[2] * best.box[3]) best = f;
  return best;
}

/** A frame's stored row from what the models found. */
export function faceFrameRow(
  base: Omit<FaceFrameRow, "faces" | "expression" | "expressionScore" | "detail">,
  faces: DetectedFace[],
): FaceFrameRow {
  const main = mainFace(faces);
  return {
    ...base,
    faces: faces.length,
    expression: main?.expression ?? null,
    expressionScore: main ? main.expressionScore : null,
    detail: main
      ? {
        box: main.box,
        expressions: main.expressions,
        ...(main.real !== undefined ? { real: main.real } : {}),
        ...(main.live !== undefined ? { live: main.live } : {}),
      }
      : {},
  };
}

/** A window's (or any span's) faces in short. */
export interface FaceSummary {
  /** Key frames looked at, and those with at least one face. */
  frames: number;
  withFace: number;
  /** withFace / frames (0 without frames). */
  presentRatio: number;
  /** The most frequent expression over the frames with a face (null: no face). */
  dominant: Expression | null;
  /** Share of the frames with a face showing each expression. */
  shares: Partial<Record<Expression, number>>;
  /** Share of the frames with a face that smile (`happy`). */
  smileRatio: number;
  /** Most faces in one frame. */
  maxFaces: number;
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;

export function summariseFaces(rows: Pick<FaceFrameRow, "faces" | "expression">[]): FaceSummary {
  const counts = new Map<Expression, number>();
  let withFace = 0, maxFaces = 0;
  for (const r of rows) {
    maxFaces = Math.max(maxFaces, r.faces);
    if (r.faces === 0) continue;
    withFace++;
    if (r.expression) counts.set(r.expression, (counts.get(r.expression) ?? 0) + 1);
  }
  let dominant: Expression | null = null;
  for (const e of EXPRESSIONS) {
    if ((counts.get(e) ?? 0) > (dominant ? counts.get(dominant)! : 0)) dominant = e;
  }
  const shares: Partial<Record<Expression, number>> = {};
  for (const [e, n] of counts) shares[e] = r3(n / withFace);
  return {
    frames: rows.length,
    withFace,
    presentRatio: rows.length ? r3(withFace / rows.length) : 0,
    dominant,
    shares,
    smileRatio: withFace ? r3((counts.get("happy") ?? 0) / withFace) : 0,
    maxFaces,
  };
}

/**
 * What changed in the streamer's face between the windows before and this one, when there is
 * enough to say it: at least 3 frames with a face in each, and a change of at least 20 points
 * of smiling or presence.
 */
export interface FaceTrend {
  /** This window's span in minutes (for "the last N minutes"). */
  minutes: number;
  now: FaceSummary;
  before: FaceSummary;
  smiled: "less" | "more" | "same";
  present: "less" | "more" | "same";
}

export function faceTrend(
  now: FaceSummary,
  before: FaceSummary,
  minutes: number,
): FaceTrend | null {
  if (now.frames < 3 || before.withFace < 3) return null;
  const smileDelta = now.withFace >= 3 ? now.smileRatio - before.smileRatio : 0;
  const presentDelta = now.presentRatio - before.presentRatio;
  const dir = (d: number) =>
    (d <= -0.2 ? "less" : d >= 0.2 ? "more" : "same") as FaceTrend["smiled"];
  return { minutes, now, before, smiled: dir(smileDelta), present: dir(presentDelta) };
}
