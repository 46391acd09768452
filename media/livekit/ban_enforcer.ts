/**
 * Moderation reaches the SFU: every room batch (`rooms.out.{roomId}`) is watched for `ban`
 * events and the banned user is removed from the room's LiveKit room (LiveKit identities
 * are Synapse user ids). A queue group makes one subscriber in the cluster act per batch.
 */
import type { Logger } from "../../engine/log.ts";
import type { Subscription, Transport } from "../../engine/transport.ts";
import { onRoomEvents } from "./room_events.ts";

export interface ParticipantRemover {
  removeParticipant(roomId: string, identity: string): Promise<boolean>;
}

export function enforceBansOnSfu(
  transport: Transport,
  remover: ParticipantRemover,
  log: Logger,
): Subscription {
  return onRoomEvents(transport, "moderation", "media-ban-enforcer", async (roomId, event) => {
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
  });
}
