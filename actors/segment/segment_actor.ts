/**
 * SegmentActor: one per recorded segment. On `segment_ready` it probes the object (ffprobe
 * through a presigned URL, the `SegmentProbe` port), validates duration and codecs, and indexes it in
 * SQL. Idempotent: a repeated `segment_ready` answers from its state without re-probing.
 */
import { Actor, type ActorContext, ActorError, type ActorType } from "../../engine/actor.ts";
import type { RecordingIndex } from "../recording/recording_index.ts";
import { parseRecordingKey } from "../recording/storage_keys.ts";
import {
  SEGMENT_ACTOR_TYPE,
  SegmentCommand,
  type SegmentInfo,
  type SegmentReadyCommand,
} from "./messages.ts";
import type { RecordingObjects, SegmentProbe } from "./ports.ts";
import { segmentProblem } from "./validate.ts";

export interface SegmentState {
  info: SegmentInfo | null;
}

export interface SegmentActorDeps {
  objects: RecordingObjects;
  index: RecordingIndex;
  /** ffprobe of a segment (media/ffmpeg.ts `probeSegment`). */
  probe: SegmentProbe;
  /** Segments are short-lived work: passivate soon after. */
  idleMs?: number;
  /** Called once a segment is indexed (the AI analysis trigger, `analysis_trigger.ts`). */
  afterIndex?: (ctx: ActorContext, info: SegmentInfo) => Promise<void>;
}

export function segmentActorType(
  deps: SegmentActorDeps,
): ActorType<SegmentState, unknown, SegmentInfo | null> {
  return {
    type: SEGMENT_ACTOR_TYPE,
    idleMs: deps.idleMs ?? 30_000,
    initialState: () => ({ info: null }),
    create: (ctx, state) => new SegmentActor(ctx, state, deps),
  };
}

export class SegmentActor extends Actor<SegmentState, unknown, SegmentInfo | null> {
  constructor(ctx: ActorContext, state: SegmentState, private readonly deps: SegmentActorDeps) {
    super(ctx, state);
  }

  async receive(raw: unknown): Promise<SegmentInfo | null> {
    const parsed = SegmentCommand.safeParse(raw);
    if (!parsed.success) {
      throw new ActorError("bad_command", parsed.error.issues[0]?.message ?? "bad command");
    }
    const msg = parsed.data;
    if (msg.kind === "info") return this.state.info;
    return await this.#index(msg);
  }

  async #index(msg: SegmentReadyCommand): Promise<SegmentInfo> {
    if (this.ctx.id !== `${msg.recordingId}_${msg.seq}`) {
      throw new ActorError(
        "wrong_segment",
        `segment ${msg.recordingId}/${msg.seq} sent to ${this.ctx.id}`,
      );
    }
    const place = parseRecordingKey(msg.key);
    if (!place || place.roomId !== msg.roomId || place.recordingId !== msg.recordingId) {
      throw new ActorError("bad_key", `key ${msg.key} is not under this recording`);
    }
    if (this.state.info) return this.state.info; // already indexed: a redelivery

    let info: SegmentInfo;
    // An infrastructure failure rejects here: the actor restarts and the message is retried.
    const result = await this.deps.probe(await this.deps.objects.presignGet(msg.key, 300));
    if ("unreadable" in result) {
      info = {
        ...base(msg),
        durationMs: 0,
        videoCodec: null,
        audioCodec: null,
        width: null,
        height: null,
        valid: false,
        problem: result.unreadable.slice(0, 300),
      };
    } else {
      const problem = segmentProblem(result, msg.durationSec);
      info = {
        ...base(msg),
        durationMs: Math.round(result.durationSec * 1000),
        videoCodec: result.video?.codec ?? null,
        audioCodec: result.audio?.codec ?? null,
        width: result.video?.width ?? null,
        height: result.video?.height ?? null,
        valid: problem === null,
        problem,
      };
    }
    await this.deps.index.ensureRecording({
      id: msg.recordingId,
      roomId: msg.roomId,
      streamerId: msg.streamerId ?? null,
      source: msg.source,
      startedAt: msg.startAt,
    });
    await this.deps.index.putSegment({ ...info, streamerId: msg.streamerId ?? null });
    this.state.info = info;
    await this.ctx.persist();
    await this.deps.afterIndex?.(this.ctx, info);
    if (!info.valid) {
      this.ctx.log.warn("segment failed validation", { key: info.key, problem: info.problem });
    }
    return info;
  }
}

function base(msg: SegmentReadyCommand) {
  return {
    recordingId: msg.recordingId,
    roomId: msg.roomId,
    seq: msg.seq,
    key: msg.key,
    startAt: msg.startAt,
    endAt: msg.endAt,
    bytes: msg.bytes ?? 0,
  };
}
