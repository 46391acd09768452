/**
 * The stage reaches the SFU: the room batches' `stage` events (`actors/room/parts/stage.ts`;
 * `room_events.ts` watches them): an accepted guest gets publish rights for its camera
 * and/or microphone by a participant permission update (no new login), a guest removed,
 * leaving or banned loses them (LiveKit unpublishes its tracks), and a streamer's `muted`
 * mutes the guest's track. A change of who is on stage or of the layout is written into the
 * LiveKit room's metadata (`stage_metadata.ts`), where the recorder agent reads it to compose
 * the recording. LiveKit identities are Synapse user ids. A guest not connected yet gets the same rights in
 * its next token (`GET /api/media/token` asks the room).
 */
import type { StageRoomEvent } from "../../actors/room/contract.ts";
import type { Logger } from "../../engine/log.ts";
import type { StageHint } from "./stage_metadata.ts";
import type { GuestMedia } from "./tokens.ts";

export interface StagePublisher {
  setStagePublish(
    roomId: string,
    identity: string,
    media: GuestMedia | undefined,
  ): Promise<boolean>;
  muteSource(roomId: string, identity: string, source: "camera" | "mic"): Promise<boolean>;
  /** Writes the stage into the LiveKit room's metadata; false when the room is not open. */
  setStageHint(roomId: string, hint: StageHint): Promise<boolean>;
}

/** Stage changes the recorder's picture depends on (who is on stage, the layout). */
const RECOMPOSES = new Set<StageRoomEvent["op"]>([
  "accepted",
  "removed",
  "left",
  "banned",
  "layout",
]);

const REVOKES = new Set<StageRoomEvent["op"]>(["removed", "left", "banned"]);

/** The LiveKit call a stage event asks for (undefined: none). */
export function stageAction(
  e: StageRoomEvent,
): { userId: string; grant?: GuestMedia; revoke?: true; mute?: "camera" | "mic" } | undefined {
  if (!e.userId) return undefined;
  if (e.op === "accepted") return { userId: e.userId, grant: e.media ?? "both" };
  if (REVOKES.has(e.op)) return { userId: e.userId, revoke: true };
  if (e.op === "muted" && e.source) return { userId: e.userId, mute: e.source };
  return undefined;
}

/** The `stage` handler for `watchRoomEvents` (`room_events.ts`). */
export function stageEnforcement(
  sfu: StagePublisher,
  log: Logger,
): (roomId: string, event: StageRoomEvent) => Promise<void> {
  return async (roomId, event) => {
    const action = stageAction(event);
    const fields = { roomId, userId: action?.userId, op: event.op };
    try {
      if (action) {
        const connected = action.mute
          ? await sfu.muteSource(roomId, action.userId, action.mute)
          : await sfu.setStagePublish(roomId, action.userId, action.grant);
        log.info("stage enforced on the SFU", { ...fields, connected });
      }
      if (RECOMPOSES.has(event.op)) {
        await sfu.setStageHint(roomId, {
          layout: event.stage.layout,
          guests: event.stage.guests.map((g) => g.userId),
        });
      }
    } catch (err) {
      log.warn("stage not enforced on the SFU", { ...fields, error: err as Error });
    }
  };
}
