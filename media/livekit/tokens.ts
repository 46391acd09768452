/**
 * Access tokens for the room's LiveKit room. Who may get which token is the caller's
 * decision (the edge checks the user is the room's streamer before issuing a streamer token).
 */
import { AccessToken, TrackSource } from "livekit-server-sdk";
import { livekitRoomName, type LivekitSettings } from "./settings.ts";

export interface TokenSubject {
  roomId: string;
  identity: string;
  name?: string;
  ttlSeconds?: number;
}

export type TokenRole = "viewer" | "streamer" | "recorder" | "guest" | "participant";

/** What a guest on stage may publish (`StageMedia` of the room's contract). */
export type GuestMedia = "camera" | "mic" | "both";

/** The LiveKit sources a guest on stage may publish. */
export function guestSources(media: GuestMedia): TrackSource[] {
  if (media === "camera") return [TrackSource.CAMERA];
  if (media === "mic") return [TrackSource.MICROPHONE];
  return [TrackSource.CAMERA, TrackSource.MICROPHONE];
}

/**
 * A guest's publish permission (`media` set) or a viewer's (none): the same fields the
 * tokens grant, for `RoomServiceClient.updateParticipant` (permissions are replaced whole).
 */
export function stagePermission(media: GuestMedia | undefined) {
  return media
    ? {
      canSubscribe: true,
      canPublish: true,
      canPublishData: false,
      canPublishSources: guestSources(media),
    }
    : { canSubscribe: true, canPublish: false, canPublishData: false, canPublishSources: [] };
}

/** What a streamer, and an admitted meeting participant, may publish. */
const PUBLISHER_SOURCES = [
  TrackSource.CAMERA,
  TrackSource.MICROPHONE,
  TrackSource.SCREEN_SHARE,
  TrackSource.SCREEN_SHARE_AUDIO,
];

function grantFor(role: TokenRole, room: string, media: GuestMedia) {
  switch (role) {
    case "participant": // admitted to a meeting: camera, microphone, screen share (not data)
      return {
        roomJoin: true,
        room,
        canSubscribe: true,
        canPublish: true,
        canPublishData: false,
        canPublishSources: PUBLISHER_SOURCES,
      };
    case "guest": // a viewer accepted on stage: its camera and/or microphone only
      return { roomJoin: true, room, ...stagePermission(media) };
    case "viewer": // watch and receive data messages; never publish anything
      return { roomJoin: true, room, canSubscribe: true, canPublish: false, canPublishData: false };
    case "streamer":
      return {
        roomJoin: true,
        room,
        canSubscribe: true,
        canPublish: true,
        canPublishData: true,
        canPublishSources: PUBLISHER_SOURCES,
      };
    case "recorder": // the recorder agent: invisible to viewers, subscribe only
      return {
        roomJoin: true,
        room,
        canSubscribe: true,
        canPublish: false,
        canPublishData: false,
        hidden: true,
        recorder: true,
      };
  }
}

/** A signed JWT for `role` in the room's LiveKit room. */
export function issueToken(
  settings: LivekitSettings,
  role: TokenRole,
  subject: TokenSubject,
  /** For `guest`: what the guest may publish (default both). */
  media: GuestMedia = "both",
): Promise<string> {
  const token = new AccessToken(settings.apiKey, settings.apiSecret, {
    identity: subject.identity,
    name: subject.name,
    ttl: subject.ttlSeconds ?? 6 * 3600,
    metadata: JSON.stringify({ role }),
  });
  token.addGrant(grantFor(role, livekitRoomName(subject.roomId), media));
  return token.toJwt();
}

/** The role `issueToken` wrote into a participant's metadata (undefined if none). */
export function roleFromMetadata(metadata: string | undefined): string | undefined {
  try {
    const m = JSON.parse(metadata ?? "");
    return typeof m?.role === "string" ? m.role : undefined;
  } catch {
    return undefined;
  }
}
