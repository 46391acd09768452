/**
 * Watches every room batch (`rooms.out.*`) for events of one kind (`t`), for the media side's
 * enforcers (bans, the stage). A queue group makes one subscriber in the cluster act per
 * batch. A batch whose bytes do not hold `"t":"<kind>"` is skipped before it is parsed: most
 * batches are chat, and each media process would otherwise parse every batch of every room.
 */
import type { RoomBatch, RoomEvent } from "../../actors/room/contract.ts";
import type { Subscription, Transport } from "../../engine/transport.ts";

export function onRoomEvents<T extends RoomEvent["t"]>(
  transport: Transport,
  kind: T,
  queue: string,
  handle: (roomId: string, event: Extract<RoomEvent, { t: T }>) => Promise<void>,
): Subscription {
  const marker = `"t":"${kind}"`;
  return transport.subscribe("rooms.out.*", async (msg) => {
    const batch = batchHolding(msg.data, marker);
    for (const event of batch?.events ?? []) {
      if (event.t === kind) await handle(batch!.roomId, event as Extract<RoomEvent, { t: T }>);
    }
  }, { queue });
}

const decoder = new TextDecoder();

/**
 * The batch when its text holds `marker` (the batch is JSON.stringify's output: no spaces),
 * else (or when it is not JSON) undefined: the text is searched before it is parsed.
 */
export function batchHolding(bytes: Uint8Array, marker: string): RoomBatch | undefined {
  const text = decoder.decode(bytes);
  if (!text.includes(marker)) return undefined;
  try {
    return JSON.parse(text) as RoomBatch;
  } catch {
    return undefined;
  }
}
