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

/** The room command for a stream event, or undefined when it changes nothing for viewers. */
const NOT_LIVE = new Set(["viewer", "guest", "participant"]);

export function streamStateCommand(ev: StreamEvent): StreamStateCommand | undefined {
  const base = { kind: "stream" as const, eventId: ev.eventId, at: ev.at };
  switch (ev.kind) {
    case "track_published":
      if (!ev.participant || ev.participant.identity.startsWith("recorder-")) return undefined;
      // viewers never publish; a guest on stage or a meeting's participant publishing is not
      // the stream going live (a meeting is never recorded by going live)
      if (NOT_LIVE.has(ev.participant.role ?? "")) return undefined;
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
