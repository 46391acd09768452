/**
 * A room's published events as integration events: the wiring hands each batch a room
 * publishes to `record` beside the danmaku archive (the room's batch port, `ports.ts`), so
 * the room needs no webhook code and never waits for one. Chat lines are not webhook
 * events and are skipped at once.
 */
import type { RoomEvent } from "../room/contract.ts";
import type { DanmakuArchivePort } from "../room/ports.ts";
import type { OutboundEvent, OutboundEventSink } from "./events.ts";

/** The integration event a room event is, if any. */
export function outboundOfRoomEvent(roomId: string, e: RoomEvent): OutboundEvent | undefined {
  switch (e.t) {
    case "system":
      if (e.code === "stream_live" || e.code === "stream_offline") {
        const type = e.code === "stream_live" ? "stream.started" : "stream.ended";
        return { type, key: `${roomId}@${e.at}`, roomId, at: e.at, data: { roomId } };
      }
      return undefined;
    case "highlight": {
      const { id, startAt, endAt, score, reason, topPhrases } = e.h;
      return {
        type: "highlight.created",
        key: `${roomId}/${id}`,
        roomId,
        at: endAt,
        data: { roomId, highlight: { id, startAt, endAt, score, reason, topPhrases } },
      };
    }
    case "gift":
      return {
        type: "gift.received",
        key: `${roomId}/${e.g.id}`,
        roomId,
        at: e.g.at,
        data: { roomId, gift: e.g },
      };
    case "moderation": {
      const { action, target, by, until, at } = e;
      return {
        type: "moderation.action",
        key: `${roomId}/${action}/${target}@${at}`,
        roomId,
        at,
        data: { roomId, action, target, by, until: until ?? null },
      };
    }
    case "retract":
      return {
        type: "moderation.action",
        key: `${roomId}/retract/${e.messageId}`,
        roomId,
        at: e.at,
        data: {
          roomId,
          action: "retract",
          target: e.messageId,
          by: e.by,
          auditId: e.auditId,
          until: null,
        },
      };
    default:
      return undefined;
  }
}

/** The room batch port that turns published events into integration events. */
export function roomEventsToWebhooks(sink: OutboundEventSink): DanmakuArchivePort {
  return {
    record(roomId, events) {
      for (const e of events) {
        if (e.t === "danmaku") continue;
        const out = outboundOfRoomEvent(roomId, e);
        if (out) sink.publish(out);
      }
    },
  };
}

/** Several batch ports (the archives and the webhooks) behind the room's one. */
export function batchPorts(
  ...ports: (DanmakuArchivePort | undefined)[]
): DanmakuArchivePort | undefined {
  const all = ports.filter((p): p is DanmakuArchivePort => !!p);
  if (all.length <= 1) return all[0];
  return {
    record(roomId, events, viewers) {
      for (const p of all) p.record(roomId, events, viewers);
    },
  };
}
