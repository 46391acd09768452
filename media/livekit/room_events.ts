/**
 * Watches every room batch (`rooms.out.*`) for events of some kinds (`t`), for the media
 * side's enforcers (bans, the stage): one subscription for all of them, so each batch is
 * decoded once however many enforcers watch. A queue group makes one subscriber in the cluster
 * act per batch. A batch whose text holds none of the watched `"t":"<kind>"` markers is
 * skipped before it is parsed: most batches are chat, and each media process would otherwise
 * parse every batch of every room.
 *
 *   watchRoomEvents(transport, "media-enforcers", {
 *     moderation: banEnforcement(api, log),
 *     stage: stageEnforcement(api, log),
 *   });
 */
import type { RoomBatch, RoomEvent } from "../../actors/room/contract.ts";
import type { Subscription, Transport } from "../../engine/transport.ts";

/** One handler per watched event kind; events of a batch are handled in order. */
export type RoomEventHandlers = {
  [K in RoomEvent["t"]]?: (roomId: string, event: Extract<RoomEvent, { t: K }>) => Promise<void>;
};

export function watchRoomEvents(
  transport: Transport,
  queue: string,
  handlers: RoomEventHandlers,
): Subscription {
  const markers = Object.keys(handlers).map((kind) => `"t":"${kind}"`);
  const table = handlers as Record<string, (roomId: string, event: RoomEvent) => Promise<void>>;
  return transport.subscribe("rooms.out.*", async (msg) => {
    const batch = batchHoldingAny(msg.data, markers);
    for (const event of batch?.events ?? []) {
      const handle = table[event.t];
      if (handle) await handle(batch!.roomId, event);
    }
  }, { queue });
}

const decoder = new TextDecoder();

/**
 * The batch when its text holds one of `markers` (the batch is JSON.stringify's output: no
 * spaces), else (or when it is not JSON) undefined: the text is searched before it is parsed.
 */
export function batchHoldingAny(bytes: Uint8Array, markers: string[]): RoomBatch | undefined {
  const text = decoder.decode(bytes);
  if (!markers.some((m) => text.includes(m))) return undefined;
  try {
    return JSON.parse(text) as RoomBatch;
  } catch {
    return undefined;
  }
}

/** `batchHoldingAny` for one marker. */
export function batchHolding(bytes: Uint8Array, marker: string): RoomBatch | undefined {
  return batchHoldingAny(bytes, [marker]);
}
