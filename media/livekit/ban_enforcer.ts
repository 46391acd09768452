/**
 * Moderation reaches the SFU: the room batches' `moderation` events (`room_events.ts`
 * watches them) with `action: "ban"` remove the banned user from the room's LiveKit room
 * (LiveKit identities are Synapse user ids).
 */
import type { RoomEvent } from "../../actors/room/contract.ts";
import type { Logger } from "../../engine/log.ts";

export interface ParticipantRemover {
  removeParticipant(roomId: string, identity: string): Promise<boolean>;
}

/** The `moderation` handler for `watchRoomEvents`. */
export function banEnforcement(
  remover: ParticipantRemover,
  log: Logger,
): (roomId: string, event: Extract<RoomEvent, { t: "moderation" }>) => Promise<void> {
  return async (roomId, event) => {
    if (event.action !== "ban") return;
    try {
      const removed = await remover.removeParticipant(roomId, event.target);
      log.info("ban enforced on the SFU", { roomId, userId: event.target, removed });
    } catch (err) {
      log.warn("ban not enforced on the SFU", {
        roomId,
        userId: event.target,
        error: err as Error,
      });
    }
  };
}
