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

const pct = (v: number) => `${Math.round(v * 100)}%`;

const ZH_EXPRESSION: Record<Expression, string> = {
  angry: "生气",
  disgust: "厌烦",
  fear: "紧张",
  happy: "微笑",
  sad: "低落",
  surprise: "惊讶",
  neutral: "平静",
};

/** One line on the streamer's face for the LLM's prompt (English: the prompt's language). */
export function facesPromptLine(now: FaceSummary, trend: FaceTrend | null): string {
  if (now.frames === 0) return "Streamer's face (key frames): no video frames";
  const parts = [
    `face visible in ${pct(now.presentRatio)} of ${now.frames} key frames`,
    `dominant expression ${now.dominant ?? "none"}`,
    `smiling in ${pct(now.smileRatio)} of the frames with a face`,
  ];
  if (trend) {
    parts.push(
      `before this window: visible ${pct(trend.before.presentRatio)}, smiling ${
        pct(trend.before.smileRatio)
      }`,
    );
  }
  return `Streamer's face (expression model on the key frames): ${parts.join("; ")}`;
}

/**
 * A coaching line from the face trend, when it says something: smiling less (with what the
 * chat asked meanwhile, when given), or off camera more.
 */
export function faceTrendTip(
  trend: FaceTrend | null,
  zh: boolean,
  chatAsked?: { zh: string; en: string },
): { text: string; tags: string[]; score: number } | null {
  if (!trend) return null;
  const m = Math.max(1, Math.round(trend.minutes));
  if (trend.smiled === "less") {
    const was = pct(trend.before.smileRatio), now = pct(trend.now.smileRatio);
    return {
      text: zh
        ? `最近 ${m} 分钟你笑得少了（带笑的画面从 ${was} 降到 ${now}）${
          chatAsked ? `，而弹幕正在问${chatAsked.zh}` : ""
        }：放松一下，笑着回应，「喜欢的点个关注」。`
        : `You smiled less in the last ${m} minutes (${now} of frames vs ${was} before)${
          chatAsked ? ` while the chat asked about ${chatAsked.en}` : ""
        } — relax, answer with a smile and say “tap follow if you like it”.`,
      tags: ["face", "expression", "smile"],
      score: 0.65,
    };
  }
  if (trend.present === "less") {
    return {
      text: zh
        ? `最近 ${m} 分钟你常不在镜头里（只有 ${
          pct(trend.now.presentRatio)
        } 的画面有脸）：回到镜头前，和观众对视，「在的扣1」。`
        : `You were off camera a lot in the last ${m} minutes (face in ${
          pct(trend.now.presentRatio)
        } of frames) — come back into view and ask “type 1 if you're still here”.`,
      tags: ["face", "presence"],
      score: 0.6,
    };
  }
  return null;
}

/** A sentence on the streamer's expressions over a whole stream (its summary). */
export function facesSummarySentence(s: FaceSummary, zh: boolean): string | null {
  if (s.withFace < 3 || !s.dominant) return null;
  return zh
    ? `主播出镜 ${pct(s.presentRatio)} 的时间，表情以${ZH_EXPRESSION[s.dominant]}为主（微笑占 ${
      pct(s.smileRatio)
    }）。`
    : `The streamer was on camera ${
      pct(s.presentRatio)
    } of the time, mostly ${s.dominant} (smiling in ${pct(s.smileRatio)} of frames).`;
}
