/**
 * SummaryActor (type `summaries`, id recordingId): the stream's summary and chapters for its
 * VOD, once when the recording stops and again on demand (`force`). Like the analysis actor it
 * runs from a durable `work` alarm in persisted steps — `material` (captions from SQL, the
 * room's highlights, hot topics and mood, mapped onto VOD offsets), then `stored` (one row per
 * recording, a forced run replaces it) — so a crash resumes and never stores twice.
 */
import type { OutboundEventSink } from "../webhooks/events.ts";
import { summariseFaces } from "../ai/faces.ts";
import { ANALYST_ACTOR, RoomClient } from "../room/client.ts";
import { z } from "zod";
import { Actor, type ActorContext, ActorError, type ActorType } from "../../engine/actor.ts";
import { ID_PATTERN } from "../../engine/subject.ts";
import type { LlmClient } from "../ai/llm/client.ts";
import { type StreamMaterial, summariseStream } from "../ai/summary.ts";
import type { AiStateReply } from "../room/contract.ts";
import type { HighlightSpan } from "../room/contract.ts";
import type { AnalysisStore } from "../segment/analysis_store.ts";
import type { RecordingIndex } from "../recording/recording_index.ts";
import { detectLanguage, effectiveLanguage } from "../ai/language.ts";
import { buildTimeline, vodOffsetOf } from "../recording/timeline.ts";

import {
  SUMMARY_ACTOR_TYPE,
  SUMMARY_STEPS,
  type SummaryStatus,
  type SummaryStep,
} from "./address.ts";

export { SUMMARY_STEPS, type SummaryStatus, type SummaryStep };

export const SummaryCommand = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("summarise"), force: z.boolean().default(false) }),
  z.object({ kind: z.literal("status") }),
]);

export interface SummaryState {
  run: number;
  step: SummaryStep | null;
  material: StreamMaterial | null;
  roomId: string | null;
}

export interface SummaryDeps {
  index: RecordingIndex;
  store: AnalysisStore;
  llm: LlmClient | null;
  /** Integration events (`summary.ready`), handed over without waiting. */
  outbound?: OutboundEventSink;
  roomType?: string;
  resumeAfterMs?: number;
  /** Test hook: called after each persisted step; throwing simulates a crash. */
  afterStep?: (step: SummaryStep, recordingId: string, run: number) => void;
  idleMs?: number;
}

const WORK = "work";

export function summaryActorType(deps: SummaryDeps): ActorType<SummaryState, unknown, unknown> {
  return {
    type: SUMMARY_ACTOR_TYPE,
    idleMs: deps.idleMs ?? 60_000,
    initialState: () => ({ run: 0, step: null, material: null, roomId: null }),
    create: (ctx, state) => new SummaryActor(ctx, state, deps),
  };
}

export class SummaryActor extends Actor<SummaryState, unknown, unknown> {
  constructor(ctx: ActorContext, state: SummaryState, private readonly deps: SummaryDeps) {
    super(ctx, state);
  }

  async receive(raw: unknown): Promise<SummaryStatus> {
    const parsed = SummaryCommand.safeParse(raw);
    if (!parsed.success) {
      throw new ActorError("bad_command", parsed.error.issues[0]?.message ?? "bad command");
    }
    const msg = parsed.data;
    if (!ID_PATTERN.test(this.ctx.id)) throw new ActorError("bad_id", "invalid recording id");
    if (msg.kind === "summarise") {
      const running = this.state.run > 0 && this.state.step !== "stored";
      if (this.state.run === 0 || (msg.force && !running)) {
        const rec = await this.deps.index.recording(this.ctx.id);
        if (!rec) throw new ActorError("recording_not_found", `no recording ${this.ctx.id}`);
        this.state = { run: this.state.run + 1, step: null, material: null, roomId: rec.roomId };
        this.ctx.setAlarm(WORK, this.ctx.now());
        await this.ctx.persist();
      }
    }
    return await this.#status();
  }

  async #status(): Promise<SummaryStatus> {
    return {
      recordingId: this.ctx.id,
      run: this.state.run,
      step: this.state.step,
      done: this.state.step === "stored",
      summary: (await this.deps.store.summary(this.ctx.id)) ?? null,
    };
  }

  override async onTimer(name: string): Promise<void> {
    if (name !== WORK || this.state.run === 0 || this.state.step === "stored") return;
    this.ctx.setAlarm(WORK, this.ctx.now() + (this.deps.resumeAfterMs ?? 30_000));
    if (this.state.step === null) {
      this.state.material = await this.#material();
      this.state.step = "material";
      await this.ctx.persist();
      this.deps.afterStep?.("material", this.ctx.id, this.state.run);
    }
    const material = this.state.material!;
    const out = await summariseStream(material, this.deps.llm);
    await this.deps.store.putSummary({
      recordingId: this.ctx.id,
      roomId: this.state.roomId!,
      summary: out.summary,
      chapters: out.chapters,
      source: out.source,
      run: this.state.run,
      language: out.language,
    });
    this.deps.outbound?.publish({
      type: "summary.ready",
      key: `${this.ctx.id}/${this.state.run}`,
      roomId: this.state.roomId!,
      at: Date.now(),
      data: {
        roomId: this.state.roomId,
        recordingId: this.ctx.id,
        summary: out.summary,
        chapters: out.chapters,
        source: out.source,
        language: out.language,
      },
    });
    this.state.step = "stored";
    this.state.material = null; // the row holds the result; keep the state small
    this.ctx.clearTimer(WORK);
    await this.ctx.persist();
    this.deps.afterStep?.("stored", this.ctx.id, this.state.run);
  }

  async #material(): Promise<StreamMaterial> {
    const { index, store } = this.deps;
    const rec = await index.recording(this.ctx.id);
    if (!rec) throw new ActorError("recording_not_found", `no recording ${this.ctx.id}`);
    const [rows, gaps, captions, faces] = await Promise.all([
      index.segments(rec.id),
      index.gaps(rec.id),
      store.captions(rec.id),
      store.faces(rec.id),
    ]);
    const timeline = buildTimeline(rec, rows, gaps);
    const start = timeline.segments[0]?.startAt ?? rec.startedAt;
    const end = timeline.segments.at(-1)?.endAt ?? rec.endedAt ?? start;
    const rooms = new RoomClient(this.ctx, this.deps.roomType);
    const spans = await rooms.highlights(rec.roomId).catch(() => [] as HighlightSpan[]);
    let ai: AiStateReply | null = null;
    try {
      ai = await rooms.aiState(rec.roomId, ANALYST_ACTOR);
    } catch (err) {
      if (!(err instanceof ActorError)) throw err;
    }
    const inside = (at: number) => at >= start && at <= end;
    const highlights = spans.filter((h) => inside(h.startAt)).map((h) => ({
      startMs: vodOffsetOf(timeline, h.startAt),
      endMs: vodOffsetOf(timeline, h.endAt),
      score: h.score,
      phrases: h.topPhrases.map((p) => p.phrase).slice(0, 5),
    }));
    const topics = [
      ...spans.filter((h) => inside(h.startAt) && h.ai?.topics.length).map((h) => ({
        atMs: vodOffsetOf(timeline, h.startAt),
        terms: h.ai!.topics,
      })),
      ...(ai?.topics && inside(ai.topics.at)
        ? [{
          atMs: vodOffsetOf(timeline, ai.topics.at),
          terms: ai.topics.topics.map((t) => t.term),
        }]
        : []),
    ];
    const mood = (ai?.mood ?? []).filter((m) => inside(m.minute)).map((m) => ({
      atMs: vodOffsetOf(timeline, m.minute),
      mean: m.mean,
      count: m.count,
    }));
    const setting = ai?.language?.setting ?? "auto";
    const captionLanguage = detectLanguage(captions.slice(-200).map((c) => c.text))?.tag;
    return {
      recordingId: rec.id,
      // the setting, else the captions' language, else what the room heard last
      language: effectiveLanguage(setting, captionLanguage ?? ai?.language?.detected ?? null),
      durationMs: timeline.durationMs,
      captions: captions.map((c) => ({ startMs: c.startMs, endMs: c.endMs, text: c.text })),
      ...(faces.length > 0 ? { faces: summariseFaces(faces) } : {}),
      highlights,
      topics,
      mood,
    };
  }
}
