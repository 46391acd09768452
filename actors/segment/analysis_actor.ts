/**
 * AnalysisActor: exactly one coaching analysis per recording window, resumable. `analyse`
 * records the request and arms a durable `work` alarm; the work runs from the alarm in
 * persisted steps — media (audio → VAD speech ratio, key frames stored beside the recording),
 * transcript (live captions of the window, else ASR of its VAD utterances), context (the
 * room's danmaku of the window, mood and hot topics), stored (3–5 tips, one row per
 * recording+window), pushed (`analysis.tips.{roomId}`). The alarm is re-armed before each
 * step: an activation that dies mid-way is restarted from the last persisted step by it, and
 * a step already done is never repeated. `force` starts a new run that replaces the row.
 */
import type { OutboundEventSink } from "../webhooks/events.ts";
import { ANALYST_ACTOR, RoomClient } from "../room/client.ts";
import { Actor, type ActorContext, ActorError, type ActorType } from "../../engine/actor.ts";
import type { LlmClient } from "../ai/llm/client.ts";
import { coachingTips, type TipWindow, type WindowMessage } from "../ai/tips.ts";
import type { DanmakuArchiveReader } from "../room/danmaku_archive.ts";
import type { Danmaku } from "../room/contract.ts";
import type { RecordingIndex } from "../recording/recording_index.ts";
import { recordingPrefix } from "../recording/storage_keys.ts";
import type { AnalysisModels, RecordingObjects, WindowMedia } from "./ports.ts";
import {
  type AnalyseCommand,
  ANALYSIS_ACTOR_TYPE,
  ANALYSIS_STEPS,
  AnalysisCommand,
  type AnalysisStatus,
  type AnalysisStep,
  analysisTipsSubject,
  windowOf,
} from "./analysis_messages.ts";
import type { AnalysisStore, WindowVoice } from "./analysis_store.ts";
import { speechClipWav, voiceEmotionTask, voiceMeasures, withWordsPerMinute } from "../ai/voice.ts";
import {
  type DetectedFace,
  faceFrameRow,
  type FaceSummary,
  type FaceTrend,
  faceTrend,
  summariseFaces,
} from "../ai/faces.ts";
import { detectLanguage, effectiveLanguage } from "../ai/language.ts";
import { isLanguageTag, type LanguageSetting, type LanguageTag } from "../ai/language_tags.ts";

export interface AnalysisState {
  request: Omit<AnalyseCommand, "kind" | "force"> | null;
  run: number;
  step: AnalysisStep | null;
  media: {
    speechRatio: number;
    speechMs: number;
    frameKeys: string[];
    segments: number;
    /** On-screen text of the key frames (OCR; absent in state saved before it existed). */
    screenText?: string[];
    /** The key frames' faces in short (absent: faces off, no frames, or older state). */
    faces?: FaceSummary;
    /** The streamer's voice (absent: no audio, or older state). */
    voice?: WindowVoice;
  } | null;
  transcript: string | null;
  context: {
    danmaku: WindowMessage[];
    mood: { mean: number; count: number } | null;
    topics: string[];
    /** The window's language: the room's setting, else detected in its speech and chat. */
    language?: LanguageTag;
  } | null;
}

export interface AnalysisDeps {
  objects: RecordingObjects;
  index: RecordingIndex;
  store: AnalysisStore;
  /** Shared, lazily loaded speech models (one VAD per process, one window at a time). */
  models: AnalysisModels;
  /** ffmpeg over a window's segments. */
  media: WindowMedia;
  llm: LlmClient | null;
  /** Integration events (`tips.ready`), handed over without waiting. */
  outbound?: OutboundEventSink;
  /** Room actor type (default `rooms`). */
  roomType?: string;
  /**
   * The danmaku archive: a busy window's whole chat (the room keeps only its last 200
   * messages); merged with the room's window, which covers what is not archived yet.
   */
  danmaku?: DanmakuArchiveReader;
  /** Danmaku of one window read from the archive at most (default 2,000). */
  maxWindowDanmaku?: number;
  /** Delay before a dead run is resumed by its alarm (default 30 s). */
  resumeAfterMs?: number;
  /** ASR of VAD utterances when no captions cover the window: at most this many. */
  maxUtterances?: number;
  /** Ask the LLM (an audio or multimodal model) for the emotion in the streamer's voice. */
  voiceEmotion?: boolean;
  /** Test hook: called after each persisted step; throwing there simulates a crash. */
  afterStep?: (step: AnalysisStep, actorId: string, run: number) => void;
  idleMs?: number;
}

const WORK = "work";

export function analysisActorType(
  deps: AnalysisDeps,
): ActorType<AnalysisState, unknown, unknown> {
  return {
    type: ANALYSIS_ACTOR_TYPE,
    idleMs: deps.idleMs ?? 60_000,
    initialState: () => ({
      request: null,
      run: 0,
      step: null,
      media: null,
      transcript: null,
      context: null,
    }),
    create: (ctx, state) => new AnalysisActor(ctx, state, deps),
  };
}

export class AnalysisActor extends Actor<AnalysisState, unknown, unknown> {
  constructor(ctx: ActorContext, state: AnalysisState, private readonly deps: AnalysisDeps) {
    super(ctx, state);
  }

  async receive(raw: unknown): Promise<AnalysisStatus> {
    const parsed = AnalysisCommand.safeParse(raw);
    if (!parsed.success) {
      throw new ActorError("bad_command", parsed.error.issues[0]?.message ?? "bad command");
    }
    const msg = parsed.data;
    if (msg.kind === "status") return await this.#status();
    const { kind: _, force, ...request } = msg;
    if (this.ctx.id !== `${request.recordingId}_w${request.window}`) {
      throw new ActorError("wrong_window", `window ${request.window} sent to ${this.ctx.id}`);
    }
    const running = this.state.run > 0 && this.state.step !== "pushed";
    if (this.state.run > 0 && !force) return await this.#status(); // done or under way
    if (running && force) return await this.#status(); // a forced run is already under way
    this.state = {
      request,
      run: this.state.run + 1,
      step: null,
      media: null,
      transcript: null,
      context: null,
    };
    this.ctx.setAlarm(WORK, this.ctx.now());
    await this.ctx.persist();
    return await this.#status();
  }

  async #status(): Promise<AnalysisStatus> {
    const req = this.state.request;
    const window = req?.window ?? Number(this.ctx.id.slice(this.ctx.id.lastIndexOf("_w") + 2));
    return {
      window,
      run: this.state.run,
      step: this.state.step,
      done: this.state.step === "pushed",
      tips: req ? (await this.deps.store.tips(req.recordingId, req.window)) ?? null : null,
    };
  }

  override async onTimer(name: string): Promise<void> {
    if (name !== WORK || !this.state.request || this.state.step === "pushed") return;
    // Re-armed first: if this activation dies, the alarm (persisted with each step) resumes it.
    this.ctx.setAlarm(WORK, this.ctx.now() + (this.deps.resumeAfterMs ?? 30_000));
    for (const step of ANALYSIS_STEPS) {
      if (this.#done(step)) continue;
      await this.#run(step);
      this.state.step = step;
      if (step === "pushed") this.ctx.clearTimer(WORK);
      await this.ctx.persist();
      this.deps.afterStep?.(step, this.ctx.id, this.state.run);
    }
  }

  #done(step: AnalysisStep): boolean {
    const at = this.state.step === null ? -1 : ANALYSIS_STEPS.indexOf(this.state.step);
    return ANALYSIS_STEPS.indexOf(step) <= at;
  }

  async #run(step: AnalysisStep): Promise<void> {
    switch (step) {
      case "media":
        return await this.#media();
      case "transcript":
        return await this.#transcript();
      case "context":
        return await this.#context();
      case "stored":
        return await this.#store();
      case "pushed": {
        const req = this.state.request!;
        const row = await this.deps.store.tips(req.recordingId, req.window);
        if (row) this.ctx.publish(analysisTipsSubject(req.roomId), row);
        return;
      }
    }
  }

  /** The window's segments: those whose start falls in it, valid ones only. */
  async #segments() {
    const req = this.state.request!;
    const windowMs = req.endAt - req.startAt;
    const rows = await this.deps.index.segments(req.recordingId);
    return rows.filter((s) =>
      s.valid && windowOf(req.recordingStartAt, s.startAt, windowMs) === req.window
    );
  }

  /** Runs `fn` on the window's segments joined into one file (with how many there were). */
  async #withWindowFile<T>(
    fn: (path: string, dir: string, segments: number) => Promise<T>,
  ): Promise<T | null> {
    const segments = await this.#segments();
    if (segments.length === 0) return null;
    const dir = await Deno.makeTempDir({ prefix: "synapse-analysis-" });
    try {
      const bytes: Uint8Array[] = [];
      for (const s of segments) {
        const b = await this.deps.objects.get(s.key);
        if (b) bytes.push(b);
      }
      if (bytes.length === 0) return null;
      await this.deps.media.join(`${dir}/window.ts`, bytes);
      return await fn(`${dir}/window.ts`, dir, segments.length);
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }

  async #media(): Promise<void> {
    const req = this.state.request!;
    const result = await this.#withWindowFile(async (path, dir, segments) => {
      const pcm = await this.deps.media.audio(path).catch(() => new Float32Array(0));
      const vad = pcm.length > 0
        ? await this.deps.models.speech(pcm)
        : { speechRatio: 0, speechMs: 0 };
      const voice = vad.speechMs > 0 ? await this.#voice(pcm) : undefined;
      const frames = await this.deps.media.keyFrames(path, `${dir}/frames`);
      const screenText = await this.#screenText(frames, `${dir}/frames`);
      const faces = await this.#faces(frames, `${dir}/frames`);
      const prefix = `${recordingPrefix(req.roomId, req.recordingId)}analysis/w${req.window}/`;
      const frameKeys: string[] = [];
      for (const [i, f] of frames.entries()) {
        const key = `${prefix}frame_${String(i + 1).padStart(2, "0")}.jpg`;
        await this.deps.objects.putFile(key, f, "image/jpeg");
        frameKeys.push(key);
      }
      return {
        speechRatio: vad.speechRatio,
        speechMs: vad.speechMs,
        frameKeys,
        segments,
        screenText,
        ...(faces ? { faces } : {}),
        ...(voice ? { voice } : {}),
      };
    });
    this.state.media = result ?? { speechRatio: 0, speechMs: 0, frameKeys: [], segments: 0 };
  }

  /**
   * The key frames' on-screen text: stored line by line with each frame's wall clock (for
   * the VOD's search), and returned as distinct lines (for the tips).
   */
  async #screenText(frames: string[], frameDir: string): Promise<string[]> {
    const { models, media, store } = this.deps;
    if (frames.length === 0 || !models.screenText) return [];
    if (!models.screenLines) return await models.screenText(frames);
    const req = this.state.request!;
    const perFrame = await models.screenLines(frames);
    const offsets = (await media.frameOffsets?.(frameDir)) ?? [];
    const startAt = (await this.#segments())[0]?.startAt ?? req.startAt;
    const rows = perFrame.flatMap((lines, i) =>
      lines.map((l, line) => ({
        roomId: req.roomId,
        frame: i + 1,
        line,
        // without the frames' times: one every 10 s, as they are taken
        at: Math.round(startAt + (offsets[i] ?? i * 10) * 1000),
        text: l.text.slice(0, 500),
        confidence: Math.round(l.confidence * 1000) / 1000,
      }))
    );
    await store.putScreenText(req.recordingId, req.window, rows);
    const seen = new Set<string>();
    for (const r of rows) if (seen.size < 60) seen.add(r.text);
    return [...seen];
  }

  /**
   * The key frames' faces and expressions (the face models' worker): stored frame by frame
   * with each frame's wall clock (the timeline), summarised for the tips. A failure of the
   * models (a timeout on a starved machine) leaves the window without faces rather than
   * without tips: it is logged and counted by the models.
   */
  async #faces(frames: string[], frameDir: string): Promise<FaceSummary | null> {
    const { models, media, store } = this.deps;
    if (frames.length === 0 || !models.faces) return null;
    const req = this.state.request!;
    let perFrame: { faces: DetectedFace[] }[];
    try {
      perFrame = await models.faces(frames);
    } catch (err) {
      this.ctx.log.warn("faces of the window's key frames failed", {
        window: req.window,
        error: err instanceof Error ? err.message : String(err),
      });
      return null;
    }
    const offsets = (await media.frameOffsets?.(frameDir)) ?? [];
    const startAt = (await this.#segments())[0]?.startAt ?? req.startAt;
    const rows = perFrame.map((f, i) =>
      faceFrameRow({
        recordingId: req.recordingId,
        window: req.window,
        roomId: req.roomId,
        frame: i + 1,
        at: Math.round(startAt + (offsets[i] ?? i * 10) * 1000),
      }, f.faces)
    );
    await store.putFaces(req.recordingId, req.window, rows);
    return summariseFaces(rows);
  }

  /**
   * The streamer's voice: local measures (loudness, pitch range, speaking rate → energy), and
   * the emotion in it only from a configured audio or multimodal LLM (`voiceEmotion`); a
   * failed call leaves the emotion out, never guessed locally.
   */
  async #voice(pcm: Float32Array): Promise<WindowVoice> {
    const measures = await voiceMeasures(pcm);
    const { llm, voiceEmotion } = this.deps;
    if (!llm || !voiceEmotion || measures.speechSeconds < 1) return measures;
    const req = this.state.request!;
    try {
      const heard = await llm.completeJson(voiceEmotionTask(req.roomId, speechClipWav(pcm)));
      return { ...measures, emotion: { ...heard, source: "llm" } };
    } catch (err) {
      this.ctx.log.warn("voice emotion from the LLM failed; left out", {
        window: req.window,
        error: err instanceof Error ? err.message : String(err),
      });
      return measures;
    }
  }

  /** This window's faces against the two windows before it (for "you smiled less..."). */
  async #faceTrend(now: FaceSummary): Promise<{ now: FaceSummary; trend: FaceTrend | null }> {
    const req = this.state.request!;
    const before = (await this.deps.store.faces(req.recordingId)).filter((f) =>
      f.window < req.window && f.window >= req.window - 2
    );
    const minutes = (req.endAt - req.startAt) / 60_000;
    return { now, trend: faceTrend(now, summariseFaces(before), minutes) };
  }

  async #transcript(): Promise<void> {
    const req = this.state.request!;
    const cues = (await this.deps.store.captions(req.recordingId)).filter((c) =>
      c.at >= req.startAt && c.at < req.endAt
    );
    if (cues.length > 0 || (this.state.media?.speechMs ?? 0) === 0) {
      this.state.transcript = cues.map((c) => c.text).join(" ").slice(0, 6000);
      return;
    }
    const asr = await this.deps.models.recogniser();
    if (!asr) {
      this.state.transcript = "";
      return;
    }
    // the room's language so far (this window's own is known only once it is transcribed)
    const language = await new RoomClient(this.ctx, this.deps.roomType)
      .aiState(req.roomId, ANALYST_ACTOR)
      .then((ai) => ai.language?.effective, () => undefined);
    const text = await this.#withWindowFile(async (path) => {
      const pcm = await this.deps.media.audio(path);
      const utterances = await this.deps.models.utterances(pcm);
      const parts: string[] = [];
      for (const u of utterances.slice(0, this.deps.maxUtterances ?? 40)) {
        const t = await asr.transcribe(u.audio ?? pcm.subarray(u.startSample, u.endSample), {
          language,
        });
        if (t.text) parts.push(t.text);
      }
      return parts.join(" ");
    });
    this.state.transcript = (text ?? "").slice(0, 6000);
  }

  async #context(): Promise<void> {
    const req = this.state.request!;
    const rooms = new RoomClient(this.ctx, this.deps.roomType);
    const win = await rooms.window(req.roomId, { from: req.startAt, to: req.endAt });
    let mood: { mean: number; count: number } | null = null;
    let topics: string[] = [];
    let setting: LanguageSetting = "auto";
    let roomDetected: LanguageTag | null = null;
    try {
      const ai = await rooms.aiState(req.roomId, ANALYST_ACTOR);
      setting = ai.language?.setting ?? "auto";
      roomDetected = isLanguageTag(ai.language?.detected) ? ai.language.detected : null;
      const points = [...ai.mood, ...(ai.moodNow ? [ai.moodNow] : [])].filter((p) =>
        p.minute + 60_000 > req.startAt && p.minute < req.endAt
      );
      const count = points.reduce((a, p) => a + p.count, 0);
      if (count > 0) {
        const mean = points.reduce((a, p) => a + p.mean * p.count, 0) / count;
        mood = { mean: Math.round(mean * 1000) / 1000, count };
      }
      topics = (ai.topics?.topics ?? []).map((t) => t.term).slice(0, 5);
    } catch (err) {
      // A room without its AI still has danmaku: tips go on without mood and topics.
      if (!(err instanceof ActorError)) throw err;
    }
    const danmaku = await this.#archivedDanmaku(req.roomId, req.startAt, req.endAt, win.danmaku);
    const windowText = [
      this.state.transcript ?? "",
      this.state.transcript ?? "",
      ...danmaku.slice(-200).map((d) => d.text),
    ];
    this.state.context = {
      danmaku: danmaku.map((d) => ({ userId: d.userId, name: d.name, text: d.text, at: d.at })),
      mood,
      topics,
      language: effectiveLanguage(setting, detectLanguage(windowText)?.tag ?? roomDetected),
    };
  }

  /** The window's danmaku from the archive plus the room's own (by id), oldest first. */
  async #archivedDanmaku(
    roomId: string,
    from: number,
    to: number,
    room: Danmaku[],
  ): Promise<Danmaku[]> {
    if (!this.deps.danmaku) return room;
    const max = this.deps.maxWindowDanmaku ?? 2_000;
    let archived: Danmaku[];
    try {
      // the newest `max`: the room's window keeps the newest too
      archived = (await this.deps.danmaku.range(roomId, from, to, { limit: max, newest: true }))
        .danmaku;
    } catch (err) {
      this.ctx.log.warn("danmaku archive unavailable; using the room's window", {
        error: err instanceof Error ? err.message : String(err),
      });
      return room;
    }
    const byId = new Map<string, Danmaku>();
    for (const d of archived) byId.set(d.id, d);
    for (const d of room) byId.set(d.id, d);
    return [...byId.values()].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1)).slice(-max);
  }

  async #store(): Promise<void> {
    const req = this.state.request!;
    const media = this.state.media!;
    const context = this.state.context!;
    const frames = [];
    for (const key of media.frameKeys) {
      const bytes = await this.deps.objects.get(key);
      if (bytes) frames.push({ bytes, mime: "image/jpeg" });
    }
    const window: TipWindow = {
      roomId: req.roomId,
      recordingId: req.recordingId,
      seq: req.window,
      startAt: req.startAt,
      endAt: req.endAt,
      liveForMs: req.endAt - req.recordingStartAt,
      transcript: this.state.transcript ?? "",
      danmaku: context.danmaku,
      mood: context.mood ?? undefined,
      topics: context.topics,
      frames,
      screenText: media.screenText ?? [],
      language: context.language,
      ...(media.faces ? { faces: await this.#faceTrend(media.faces) } : {}),
      ...(media.voice ? { voice: withWordsPerMinute(media.voice, this.state.transcript) } : {}),
    };
    const result = await coachingTips(window, this.deps.llm);
    await this.deps.store.putTips({
      recordingId: req.recordingId,
      window: req.window,
      roomId: req.roomId,
      startAt: req.startAt,
      endAt: req.endAt,
      tips: result.tips,
      source: result.source,
      transcript: window.transcript,
      speechRatio: Math.round(media.speechRatio * 1000) / 1000,
      frames: frames.length,
      danmaku: context.danmaku.length,
      run: this.state.run,
      language: result.language,
      screenText: window.screenText ?? [],
      voice: window.voice ?? null,
    });
    this.deps.outbound?.publish({
      type: "tips.ready",
      key: `${req.recordingId}/${req.window}/${this.state.run}`,
      roomId: req.roomId,
      at: Date.now(),
      data: {
        roomId: req.roomId,
        recordingId: req.recordingId,
        window: req.window,
        startAt: req.startAt,
        endAt: req.endAt,
        tips: result.tips,
        source: result.source,
        language: result.language,
      },
    });
  }
}
