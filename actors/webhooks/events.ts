/**
 * The events integrators can hear about through outbound webhooks, and the port through
 * which the places where they happen (the room, the recorder, the analysis and summary
 * actors, the finance desk) hand them over. Handing one over never waits: the sink buffers
 * it and writes it to the outbox (`outbox.ts`) beside the caller's path; delivery is the
 * edge's webhook worker's business (`edge/webhooks/`).
 *
 * Each event has a stable id derived from what it is about (`eventId`), so the same fact
 * reported twice (a retried command, a re-activated room) is one event, and a receiver can
 * de-duplicate deliveries by the `webhook-id` header, which is that id.
 */

export const WEBHOOK_EVENT_TYPES = [
  "stream.started",
  "stream.ended",
  "recording.ready",
  "highlight.created",
  "clip.ready",
  "gift.received",
  "tips.ready",
  "summary.ready",
  "moderation.action",
  "withdrawal.paid",
  "webhook.test",
] as const;

export type WebhookEventType = typeof WEBHOOK_EVENT_TYPES[number];

export interface OutboundEvent {
  type: WebhookEventType;
  /** What makes this fact unique within its type (a gift's id, a recording's id...). */
  key: string;
  /** The room it happened in; its owner's endpoints hear it. */
  roomId?: string;
  /** Whose endpoints hear it when there is no room (a paid withdrawal's streamer). */
  ownerId?: string;
  /** When it happened, ms since the epoch. */
  at: number;
  data: Record<string, unknown>;
}

/** Where events are handed over; never waits, never throws. */
export interface OutboundEventSink {
  publish(event: OutboundEvent): void;
}

/** The stable id of an event: `evt_` and 26 hex digits of SHA-256 over its type and key. */
export async function eventId(type: string, key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${type}\n${key}`));
  const hex = [...new Uint8Array(digest, 0, 13)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
  return `evt_${hex}`;
}
