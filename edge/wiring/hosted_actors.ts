/**
 * The actor types a process hosts when it runs an engine (roles `all` and `engine`): rooms,
 * bridges and the co-host always; PK coordinators with the relational store; SegmentActor
 * and the analysis actors when media storage is configured. Only the engine-running roots
 * import this module, so an edge never loads the actors' implementations (issue 18: an
 * edge's idle memory holds only what it runs).
 */
import type { ActorType } from "../../engine/actor.ts";
import type { LlmClient } from "../../actors/ai/llm/client.ts";
import { type RoomActorOptions, roomActorType } from "../../actors/room/room_actor.ts";
import { segmentActorType } from "../../actors/segment/segment_actor.ts";
import { pkActorType } from "../../actors/pk/pk_actor.ts";
import { SqlPkStore } from "../../actors/pk/sql_store.ts";
import type { SqlExecutor } from "../../engine/sql/sql.ts";
import { probeSegment } from "../../media/ffmpeg.ts";
import { bridgesCohostTypes } from "./bridges_cohost_actors.ts";
import type { Config } from "./config.ts";
import type { Features } from "./features.ts";
import type { Root } from "./options.ts";
import { MachineIdle } from "../../engine/machine_load.ts";

// deno-lint-ignore no-explicit-any
type AnyActorType = ActorType<any, unknown, any>;

/** The machine's idle CPU share for the rooms' coalescing: one reader per process. */
function machineIdle(): () => number | undefined {
  const idle = new MachineIdle();
  return () => idle.share();
}

export function hostedActorTypes({ config, log }: Root, features: Features): AnyActorType[] {
  const { relational, mediaStorage: media, analysis, llm, roomOptions } = features;
  const types: AnyActorType[] = [
    roomActorType({
      tickMs: config.ROOM_TICK_MS,
      tickMaxMs: config.ROOM_TICK_MAX_MS,
      framesPerSecond: config.ROOM_FRAMES_PER_SEC,
      hotRatePerSec: config.ROOM_HOT_RATE,
      maxQueueMs: config.ROOM_MAX_QUEUE_MS || undefined,
      viewerFramesPerSecond: config.ROOM_VIEWER_FPS,
      machineIdle: machineIdle(),
      idleForFullBudget: config.ROOM_BUSY_IDLE_PCT / 100,
      busyBudgetShare: Math.min(100, config.ROOM_BUSY_BUDGET_PCT) / 100,
      idleMs: config.ACTOR_IDLE_MS,
      stage: { maxGuests: config.STAGE_MAX_GUESTS, graceMs: config.STAGE_DISCONNECT_GRACE_MS },
      meeting: { graceMs: config.MEETING_DISCONNECT_GRACE_MS },
      ...roomOptions,
      ai: roomAi(config, llm, roomOptions.ai),
    }),
    ...bridgesCohostTypes(config, log.child({ component: "bridges" })),
  ];
  if (media) {
    types.push(
      segmentActorType({ ...media, probe: probeSegment, afterIndex: analysis?.afterIndex }),
    );
    types.push(...(analysis?.types ?? [])); // AI analysis of recordings (tips, summaries)
  }
  // PK battles read the rooms' gift ledgers and record results: with the relational store.
  if (relational) types.push(pkActorType(pkStore(relational.store)));
  return types;
}

/** The PK coordinator's ledger reader and result recorder on the relational store. */
function pkStore(sql: SqlExecutor) {
  const store = new SqlPkStore(sql);
  return { ledger: store, recorder: store };
}

/** The room's AI: off when a test says `false`, else the shared LLM with the topic cadence. */
function roomAi(
  config: Config,
  llm: LlmClient | null,
  override: RoomActorOptions["ai"] | undefined,
): RoomActorOptions["ai"] {
  if (override === false) return false;
  return { llm, topicsEveryMs: config.ROOM_TOPICS_EVERY_MS, ...override };
}
