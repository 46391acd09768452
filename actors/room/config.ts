/**
 * The room's variables: its batch cadence and how often it finds hot topics.
 * Validated at start-up with every other part's (edge/wiring/config.ts) and listed in the
 * README's configuration table.
 */
import { int, type Variables } from "../../engine/config.ts";

export const ROOM_VARIABLES = {
  /** Room tick: the shortest gap between two batches of a room (quiet and small rooms). */
  ROOM_TICK_MS: int(5, 5),
  /** The longest gap between two batches (busy rooms with large audiences). */
  ROOM_TICK_MAX_MS: int(250, 5),
  /** Frames per second a room may cost its edges (viewers × batches/s) before it coalesces. */
  ROOM_FRAMES_PER_SEC: int(100_000, 100),
  /** Frames per second one viewer receives at most before the room coalesces (0: no cap). */
  ROOM_VIEWER_FPS: int(50, 0),
  /** Messages per second past which a room over its frame budget waits ROOM_TICK_MAX_MS. */
  ROOM_HOT_RATE: int(100, 1),
  /** Idle share of the machine's CPU (percent) below which a room's frame budget shrinks in
   * proportion, so rooms coalesce more only where the machine has no room (0: never). */
  ROOM_BUSY_IDLE_PCT: int(20, 0),
  /** The least share of ROOM_FRAMES_PER_SEC (percent) a room keeps on a saturated machine. */
  ROOM_BUSY_BUDGET_PCT: int(25, 1),
  /** Chat that waited longer than this in a room's mailbox behind a backlog (256+) is told
   * slow_down, not handled late (an overloaded room sheds its stale backlog; 0: no bound but
   * the mailbox's size). */
  ROOM_MAX_QUEUE_MS: int(200, 0),
  /** How often a room computes and broadcasts its hot topics (and persists them). */
  ROOM_TOPICS_EVERY_MS: int(15_000, 1000),
  /** Guests on stage at most, besides the streamer (lianmai, `parts/stage.ts`). */
  STAGE_MAX_GUESTS: int(3, 1),
  /** A guest whose LiveKit connection goes without `leave` keeps the spot this long (ms). */
  STAGE_DISCONNECT_GRACE_MS: int(15_000, 0),
  /** A meeting member with neither a LiveKit connection nor a room socket this long has left
   * (the attendance row closes at the time they went; back in time, nothing happened). */
  MEETING_DISCONNECT_GRACE_MS: int(15_000, 0),
};

export type RoomVariables = Variables<typeof ROOM_VARIABLES>;
