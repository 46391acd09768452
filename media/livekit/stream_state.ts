/**
 * What a room actor should hear from LiveKit: the stream going live or offline, as the
 * room's internal `stream` command (`actors/room/contract.ts`, sent by `RoomClient.stream`).
 * The room marks itself live/offline, broadcasts a `system` event to viewers, and ignores
 * an eventId it has already seen.
 */
import type { StreamEvent } from "./webhooks.ts";

export interface StreamStateCommand {
  kind: "stream";
  state: "live" | "offline";
  eventId: string;
  at: number;
  streamerId?: string;
  source: "webrtc" | "ingress" | "room";
}

const NOT_LIVE = new Set(["viewer", "guest", "participant"]);

/**
 * Whether a participant publishing is the room's stream (its streamer, or an ingress whose
 * participant carries no role): not the recorder, not a viewer, not a guest on stage and not
 * a meeting's participant (a meeting is never recorded by going live).
 */
export function publishesTheStream(p: StreamEvent["participant"]): p is NonNullable<typeof p> {
  return !!p && !p.identity.startsWith("recorder-") && !NOT_LIVE.has(p.role ?? "");
}

/** The room command for a stream event, or undefined when it changes nothing for viewers. */
export function streamStateCommand(ev: StreamEvent): StreamStateCommand | undefined {
  const base = { kind: "stream" as const, eventId: ev.eventId, at: ev.at };
  switch (ev.kind) {
    case "track_published":
      if (!publishesTheStream(ev.participant)) return undefined;
      return { ...base, state: "live", streamerId: ev.participant.identity, source: "webrtc" };
    case "ingress_started":
      return { ...base, state: "live", streamerId: ev.participant?.identity, source: "ingress" };
    case "ingress_ended":
      return { ...base, state: "offline", source: "ingress" };
    case "participant_left":
      if (!ev.participant || ev.participant.role !== "streamer") return undefined;
      return { ...base, state: "offline", streamerId: ev.participant.identity, source: "webrtc" };
    case "room_finished":
      return { ...base, state: "offline", source: "room" };
    default:
      return undefined;
  }
}
