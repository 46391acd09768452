/**
 * The recordings' AI in a server, from configuration: the analysis and summary actor types
 * with the SegmentActor's trigger (engine side), and live captions on the recorder's events
 * plus the analysis routes (where media runs). One LLM client and one set of models serve
 * every window and summary of the process.
 */
import type { ActorType } from "../../engine/actor.ts";
import type { OutboundEventSink } from "../../actors/webhooks/events.ts";
import type { Config } from "./config.ts";
import type { Logger } from "../../engine/log.ts";
import type { AnalysisRouteDeps } from "../routes/analysis.ts";
import type { MediaAuth } from "../routes/media.ts";
import { SileroVad } from "../../media/audio/vad.ts";
import type { RecordingIndex } from "../../actors/recording/recording_index.ts";
import type { ActorAsk } from "../../media/media_service.ts";
import { LiveCaptions } from "../../media/recorder/captions.ts";
import type {
  RecordingAudioHub,
  RecordingEventHub,
  RecordingVideoHub,
} from "../../media/recorder/events.ts";
import { LivenessMonitor } from "../../media/vision/liveness.ts";
import { LivenessStore } from "../../actors/segment/liveness_store.ts";
import type { ObjectStore } from "../../media/object_store.ts";
import type { SqlExecutor } from "../../engine/sql/sql.ts";
import type { LlmClient } from "../../actors/ai/llm/client.ts";
import { DanmakuArchiveReader } from "../../actors/room/danmaku_archive.ts";
import { captionCommand } from "../../actors/room/contract.ts";
import { ANALYST_ACTOR, RoomClient } from "../../actors/room/client.ts";
import { summaryActorType } from "../../actors/summary/summary_actor.ts";
import { onRecordingFinished } from "../../actors/summary/summary_trigger.ts";
import { analysisActorType } from "../../actors/segment/analysis_actor.ts";
import { SharedModels } from "../../media/analysis/shared_models.ts";
import { AnalysisStore } from "../../actors/segment/analysis_store.ts";
import { analysisTrigger } from "../../actors/segment/analysis_trigger.ts";
import type { SegmentActorDeps } from "../../actors/segment/segment_actor.ts";
import { windowMediaOf } from "../../media/analysis/window_media.ts";
import { RecordingPlans } from "../../actors/recording/recording_plans.ts";

export interface AnalysisStorage {
  objects: ObjectStore;
  index: RecordingIndex;
  sql: SqlExecutor;
}

export interface AnalysisActors {
  // deno-lint-ignore no-explicit-any
  types: ActorType<any, any, any>[];
  afterIndex: NonNullable<SegmentActorDeps["afterIndex"]>;
  models: SharedModels;
}

/** Engine side: the actor types and the SegmentActor hook. */
export function analysisActors(
  config: Config,
  storage: AnalysisStorage,
  log: Logger,
  /** The process's one LLM client (shared breaker and accounting); null: local only. */
  llm: LlmClient | null,
  /** Integration events (`tips.ready`, `summary.ready`). */
  outbound?: OutboundEventSink,
): AnalysisActors {
  const windowMs = config.ANALYSIS_WINDOW_S * 1000;
  const store = new AnalysisStore(storage.sql);
  const models = SharedModels.fromConfig(config, log);
  const { objects, index } = storage;
  return {
    types: [
      analysisActorType({
        objects,
        index,
        store,
        models,
        media: windowMediaOf({ denoiseDb: config.AUDIO_DENOISE_DB }),
        llm,
        voiceEmotion: config.VOICE_EMOTION_LLM,
        danmaku: new DanmakuArchiveReader(storage.sql),
        outbound,
      }),
      summaryActorType({ index, store, llm, outbound }),
    ],
    afterIndex: analysisTrigger(index, windowMs),
    models,
  };
}

/**
 * Media side: live captions of this process's recordings (sent to the rooms, summary
 * triggered at the end) and the analysis routes.
 */
export function startAnalysis(opts: {
  config: Config;
  storage: AnalysisStorage;
  events: RecordingEventHub;
  /** The recorder's live audio: room recordings are captioned from it, not from segments. */
  audio?: RecordingAudioHub;
  /** The recorder's sampled live pictures: the liveness check of each participant. */
  video?: RecordingVideoHub;
  actors: ActorAsk;
  auth: MediaAuth;
  log: Logger;
  /** The process's models (from `analysisActors`): one recogniser and VAD for captions and
   * windows alike; closed by their owner, after this. */
  models: SharedModels;
}): { routes: AnalysisRouteDeps; close(): Promise<void> } {
  const { config, storage, actors } = opts;
  const rooms = new RoomClient(actors);
  const log = opts.log.child({ component: "analysis" });
  const windowMs = config.ANALYSIS_WINDOW_S * 1000;
  const store = new AnalysisStore(storage.sql);
  const models = opts.models;
  const fireAndForget = (type: string, id: string, msg: unknown) =>
    void actors.ask(type, id, msg).catch((err) =>
      log.warn("analysis request failed", { type, id, error: err as Error })
    );
  const captions = config.ASR_ENGINE === "off" ? undefined : new LiveCaptions({
    events: opts.events,
    audio: opts.audio,
    maxUtteranceMs: config.CAPTION_MAX_UTTERANCE_MS,
    denoiseDb: config.AUDIO_DENOISE_DB,
    objects: storage.objects,
    loadVad: () => SileroVad.load(),
    recogniser: () => models.recogniser(),
    saveCue: (cue) => store.putCaption(cue),
    sendCue: async (cue) => {
      await rooms.caption(cue.roomId, captionCommand(cue));
    },
    streamLanguage: (roomId) =>
      rooms.aiState(roomId, ANALYST_ACTOR).then((ai) => ai.language?.effective),
    onFinished: (recordingId) =>
      void onRecordingFinished(
        { index: storage.index, actors: { tell: fireAndForget }, windowMs },
        recordingId,
      ).catch((err) => log.warn("summary trigger failed", { recordingId, error: err as Error })),
    log,
  });
  const liveness = opts.video && config.LIVE_FRAME_SAMPLE_MS > 0
    ? livenessMonitor(opts.video, new LivenessStore(storage.sql), models, config, log)
    : undefined;
  // Without captions the summary still follows the end of a recording.
  const off = captions ? undefined : opts.events.subscribe((e) => {
    if (e.type !== "recording_stopped") return;
    void onRecordingFinished(
      { index: storage.index, actors: { tell: fireAndForget }, windowMs },
      e.recordingId,
    ).catch(() => {});
  });
  return {
    routes: {
      log,
      auth: opts.auth,
      store,
      liveness: new LivenessStore(storage.sql),
      index: storage.index,
      objects: storage.objects,
      actors,
      windowMs,
      plans: new RecordingPlans(storage.sql),
    },
    async close() {
      off?.();
      liveness?.close();
      await captions?.close();
    },
  };
}

/**
 * The liveness check of live rooms' participants: flags stored for the room's admins (the
 * dashboard shows them) and logged. The face models' scores come from the shared worker,
 * whose queue drops live pictures when the analysis keeps it busy.
 */
function livenessMonitor(
  video: RecordingVideoHub,
  store: LivenessStore,
  models: SharedModels,
  config: Config,
  log: Logger,
): LivenessMonitor {
  return new LivenessMonitor({
    subscribe: (l) => video.subscribe(l),
    faces: models.faceModels,
    options: { frozenMs: config.LIVENESS_FROZEN_S * 1000 },
    onFlag: (f) => {
      log.warn(
        f.state === "raised" ? "possibly not a live camera" : "live camera again",
        { roomId: f.roomId, recordingId: f.recordingId, identity: f.identity, reasons: f.reasons },
      );
      const done = f.state === "raised"
        ? store.raise({ ...f, raisedAt: f.at, evidence: { ...f.evidence } })
        : store.clear(f.recordingId, f.identity, f.at, { ...f.evidence });
      done.catch((err) => log.warn("liveness flag not stored", { error: err as Error }));
    },
  });
}
