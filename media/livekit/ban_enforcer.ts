/**
 * Moderation reaches the SFU: every room batch (`rooms.out.{roomId}`) is watched for `ban`
 * events and the banned user is removed from the room's LiveKit room (LiveKit identities
 * are Synapse user ids). A queue group makes one subscriber in the cluster act per batch.
 */
import type { RoomBatch } from "../../actors/room/contract.ts";
import { decodeJson } from "../../engine/codec.ts";
import type { Logger } from "../../engine/log.ts";
import type { Subscription, Transport } from "../../engine/transport.ts";

export interface ParticipantRemover {
  removeParticipant(roomId: string, identity: string): Promise<boolean>;
}

export function enforceBansOnSfu(
  transport: Transport,
  remover: ParticipantRemover,
  log: Logger,
): Subscription {
  return transport.subscribe("rooms.out.*", async (msg) => {
    let batch: RoomBatch;
    try {
      batch = decodeJson<RoomBatch>(msg.data);
    } catch {
      return;
    }
    for (const event of batch.events ?? []) {
      if (event.t !== "moderation" || event.action !== "ban") continue;
      try {
        const removed = await remover.removeParticipant(batch.roomId, event.target);
        log.info("ban enforced on the SFU", {
          roomId: batch.roomId,
          userId: event.target,
          removed,
        });
      } catch (err) {
        log.warn("ban not enforced on the SFU", {
          roomId: batch.roomId,
          userId: event.target,
          error: err as Error,
        });
      }
    }
  }, { queue: "media-ban-enforcer" });
}
