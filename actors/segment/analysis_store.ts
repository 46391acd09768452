/**
 * SQL of the recordings' AI analysis (migration 030_analysis.sql): caption cues, one tips
 * row per (recording, window) and one summary per recording; on-screen text (202) and faces
 * (190) of the windows' key frames. Inserts are idempotent: a
 * redelivered or resumed step writes the same row again or nothing.
 */
import type { SqlExecutor } from "../../engine/sql/sql.ts";
import type { Tip } from "../ai/tips.ts";
import type { Chapter } from "../ai/summary.ts";
import type { Source } from "../ai/source.ts";
import { type FaceFrameRow, isExpression } from "../ai/faces.ts";
import type { VoiceEmotionReading, VoiceMeasures } from "../ai/voice.ts";

/** A window's voice: the local measures, and the LLM's reading of its emotion when asked. */
export type WindowVoice = VoiceMeasures & { emotion?: VoiceEmotionReading };

export interface CaptionRow {
  recordingId: string;
  roomId: string;
  startMs: number;
  endMs: number;
  text: string;
  source: Source;
  /** Wall clock of the cue's start, ms since the epoch. */
  at: number;
  /** Who spoke (a user id and display name); unset for one unnamed voice. */
  speaker?: { id: string; name: string };
}

export interface TipsRow {
  recordingId: string;
  window: number;
  roomId: string;
  startAt: number;
  endAt: number;
  tips: Tip[];
  source: Source;
  transcript: string;
  speechRatio: number;
  frames: number;
  danmaku: number;
  run: number;
  createdAt: number;
  /** The language the tips are in (BCP-47). */
  language: string;
  /** The window's distinct on-screen text lines (OCR), first seen first. */
  screenText: string[];
  /** The streamer's voice in the window (local measures; emotion only from an LLM). */
  voice?: WindowVoice | null;
}

export interface SummaryRow {
  recordingId: string;
  roomId: string;
  summary: string;
  chapters: Chapter[];
  source: Source;
  run: number;
  createdAt: number;
  /** The language of the summary and chapter titles (BCP-47). */
  language: string;
}

/** One line of on-screen text read in a key frame of an analysis window. */
export interface ScreenTextRow {
  recordingId: string;
  roomId: string;
  window: number;
  /** The key frame's number in the window (1-based) and the line's number in it. */
  frame: number;
  line: number;
  /** Wall clock of the frame, ms since the epoch. */
  at: number;
  text: string;
  confidence: number;
}

const ms = (
  v: unknown,
): number => (v instanceof Date ? v.getTime() : new Date(String(v)).getTime());
const json = <T>(v: unknown): T => (typeof v === "string" ? JSON.parse(v) : v) as T;

function toTips(r: Record<string, unknown>): TipsRow {
  return {
    recordingId: String(r.recording_id),
    window: Number(r.window_seq),
    roomId: String(r.room_id),
    startAt: ms(r.start_at),
    endAt: ms(r.end_at),
    tips: json<Tip[]>(r.tips),
    source: r.source as Source,
    transcript: String(r.transcript),
    speechRatio: Number(r.speech_ratio),
    frames: Number(r.frames),
    danmaku: Number(r.danmaku),
    run: Number(r.run),
    createdAt: ms(r.created_at),
    language: String(r.language ?? "en"),
    screenText: r.screen_text ? json<string[]>(r.screen_text) : [],
    voice: r.voice ? json<WindowVoice>(r.voice) : null,
  };
}

export class AnalysisStore {
  constructor(private readonly db: SqlExecutor) {}

  /** Stores a cue; the same (recording, start) again changes nothing. */
  async putCaption(c: CaptionRow): Promise<void> {
    await this.db.query(
      `INSERT INTO recording_captions
         (recording_id, start_ms, end_ms, room_id, text, source, at, speaker_id, speaker_name)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (recording_id, start_ms, speaker_id) DO NOTHING`,
      [
        c.recordingId,
        c.startMs,
        c.endMs,
        c.roomId,
        c.text,
        c.source,
        new Date(c.at),
        c.speaker?.id ?? "",
        c.speaker?.name ?? "",
      ],
    );
  }

  async captions(recordingId: string): Promise<CaptionRow[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM recording_captions WHERE recording_id = $1 ORDER BY start_ms, speaker_id",
      [recordingId],
    );
    return rows.map((r) => ({
      recordingId: String(r.recording_id),
      roomId: String(r.room_id),
      startMs: Number(r.start_ms),
      endMs: Number(r.end_ms),
      text: String(r.text),
      source: r.source as Source,
      at: ms(r.at),
      ...(r.speaker_id
        ? { speaker: { id: String(r.speaker_id), name: String(r.speaker_name) } }
        : {}),
    }));
  }

  /**
   * Stores a window's tips. `run` 1 inserts once (a second insert is ignored, the first row
   * stays); a forced re-run (`run` > 1) replaces the row in place. Returns the stored row.
   */
  async putTips(t: Omit<TipsRow, "createdAt">): Promise<TipsRow> {
    await this.db.query(
      `INSERT INTO analysis_tips (recording_id, window_seq, room_id, start_at, end_at, tips, source,
         transcript, speech_ratio, frames, danmaku, run, language, screen_text, voice)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12, $13, $14::jsonb,
         $15::jsonb)
       ON CONFLICT (recording_id, window_seq) DO UPDATE SET tips = EXCLUDED.tips,
         source = EXCLUDED.source, transcript = EXCLUDED.transcript,
         language = EXCLUDED.language, screen_text = EXCLUDED.screen_text,
         voice = EXCLUDED.voice,
         speech_ratio = EXCLUDED.speech_ratio, frames = EXCLUDED.frames,
         danmaku = EXCLUDED.danmaku, run = EXCLUDED.run, created_at = now()
       WHERE analysis_tips.run < EXCLUDED.run`,
      [
        t.recordingId,
        t.window,
        t.roomId,
        new Date(t.startAt),
        new Date(t.endAt),
        JSON.stringify(t.tips),
        t.source,
        t.transcript,
        t.speechRatio,
        t.frames,
        t.danmaku,
        t.run,
        t.language,
        JSON.stringify(t.screenText),
        t.voice ? JSON.stringify(t.voice) : null,
      ],
    );
    return (await this.tips(t.recordingId, t.window))!;
  }

  async tips(recordingId: string, window: number): Promise<TipsRow | undefined> {
    const rows = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM analysis_tips WHERE recording_id = $1 AND window_seq = $2",
      [recordingId, window],
    );
    return rows[0] ? toTips(rows[0]) : undefined;
  }

  async tipsOfRecording(recordingId: string): Promise<TipsRow[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM analysis_tips WHERE recording_id = $1 ORDER BY window_seq",
      [recordingId],
    );
    return rows.map(toTips);
  }

  /** A room's latest analyses, newest first; `after` (ms): only those stored later. */
  async latestTips(roomId: string, limit: number, after?: number): Promise<TipsRow[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT * FROM analysis_tips WHERE room_id = $1 AND created_at > $2
       ORDER BY created_at DESC LIMIT $3`,
      [roomId, new Date(after ?? 0), limit],
    );
    return rows.map(toTips);
  }

  /** A recording's latest analysed windows, newest window first. */
  async latestTipsOfRecording(recordingId: string, limit: number): Promise<TipsRow[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT * FROM analysis_tips WHERE recording_id = $1 ORDER BY window_seq DESC LIMIT $2`,
      [recordingId, limit],
    );
    return rows.map(toTips);
  }

  /** Stores a summary; like `putTips`, a run replaces an older run only. */
  async putSummary(s: Omit<SummaryRow, "createdAt">): Promise<SummaryRow> {
    await this.db.query(
      `INSERT INTO recording_summaries (recording_id, room_id, summary, chapters, source, run,
         language)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)
       ON CONFLICT (recording_id) DO UPDATE SET summary = EXCLUDED.summary,
         chapters = EXCLUDED.chapters, source = EXCLUDED.source, run = EXCLUDED.run,
         language = EXCLUDED.language, created_at = now()
       WHERE recording_summaries.run < EXCLUDED.run`,
      [
        s.recordingId,
        s.roomId,
        s.summary,
        JSON.stringify(s.chapters),
        s.source,
        s.run,
        s.language,
      ],
    );
    return (await this.summary(s.recordingId))!;
  }

  async summary(recordingId: string): Promise<SummaryRow | undefined> {
    const rows = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM recording_summaries WHERE recording_id = $1",
      [recordingId],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      recordingId: String(r.recording_id),
      roomId: String(r.room_id),
      summary: String(r.summary),
      chapters: json<Chapter[]>(r.chapters),
      source: r.source as Source,
      run: Number(r.run),
      createdAt: ms(r.created_at),
      language: String(r.language ?? "en"),
    };
  }

  /**
   * Stores a window's on-screen text, replacing what an earlier run of the same window
   * stored (one transaction-free statement pair: a resumed step writes the same rows again).
   */
  async putScreenText(
    recordingId: string,
    window: number,
    rows: Omit<ScreenTextRow, "recordingId" | "window">[],
  ): Promise<void> {
    await this.db.query(
      "DELETE FROM recording_screen_text WHERE recording_id = $1 AND window_seq = $2",
      [recordingId, window],
    );
    if (rows.length === 0) return;
    await this.db.query(
      `INSERT INTO recording_screen_text (recording_id, window_seq, frame, line, room_id, at,
         text, confidence)
       SELECT $1, $2, (r->>'frame')::int, (r->>'line')::int, r->>'roomId',
              to_timestamp((r->>'at')::double precision / 1000), r->>'text',
              (r->>'confidence')::real
         FROM jsonb_array_elements($3::jsonb) AS r
       ON CONFLICT DO NOTHING`,
      [recordingId, window, JSON.stringify(rows)],
    );
  }

  /** A recording's on-screen text, in time order; `query`: lines containing it (any case). */
  async screenText(recordingId: string, query?: string, limit = 500): Promise<ScreenTextRow[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT * FROM recording_screen_text
        WHERE recording_id = $1 AND ($2::text IS NULL OR strpos(lower(text), lower($2)) > 0)
        ORDER BY at, frame, line LIMIT $3`,
      [recordingId, query ?? null, limit],
    );
    return rows.map((r) => ({
      recordingId: String(r.recording_id),
      roomId: String(r.room_id),
      window: Number(r.window_seq),
      frame: Number(r.frame),
      line: Number(r.line),
      at: ms(r.at),
      text: String(r.text),
      confidence: Number(r.confidence),
    }));
  }

  /**
   * Stores a window's faces, one row per key frame, replacing what an earlier run of the
   * same window stored (a resumed step writes the same rows again).
   */
  async putFaces(
    recordingId: string,
    window: number,
    rows: Omit<FaceFrameRow, "recordingId" | "window">[],
  ): Promise<void> {
    await this.db.query(
      "DELETE FROM recording_faces WHERE recording_id = $1 AND window_seq = $2",
      [recordingId, window],
    );
    if (rows.length === 0) return;
    await this.db.query(
      `INSERT INTO recording_faces (recording_id, window_seq, frame, room_id, at, faces,
         expression, expression_score, detail)
       SELECT $1, $2, (r->>'frame')::int, r->>'roomId',
              to_timestamp((r->>'at')::double precision / 1000), (r->>'faces')::int,
              r->>'expression', (r->>'expressionScore')::real, r->'detail'
         FROM jsonb_array_elements($3::jsonb) AS r
       ON CONFLICT DO NOTHING`,
      [recordingId, window, JSON.stringify(rows)],
    );
  }

  /** A recording's key frames with their faces, in time order. */
  async faces(recordingId: string): Promise<FaceFrameRow[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT * FROM recording_faces WHERE recording_id = $1 ORDER BY at, window_seq, frame`,
      [recordingId],
    );
    return rows.map((r) => ({
      recordingId: String(r.recording_id),
      roomId: String(r.room_id),
      window: Number(r.window_seq),
      frame: Number(r.frame),
      at: ms(r.at),
      faces: Number(r.faces),
      expression: isExpression(r.expression) ? r.expression : null,
      expressionScore: r.expression_score === null ? null : Number(r.expression_score),
      detail: json<FaceFrameRow["detail"]>(r.detail) ?? {},
    }));
  }
}
