/**
 * Access tokens for the room's LiveKit room. Who may get which token is the caller's
 * decision (the edge checks the user is the room's streamer before issuing a streamer token).
 *
 * `livekit-server-sdk` (with LiveKit's protobuf protocol, about 20 MB of an idle process)
 * loads at the first token signed, not when a process starts: an edge that serves no media
 * request does not carry it (issue 18).
 */
import type { TrackSource } from "livekit-server-sdk";
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

/**
 * LiveKit's track sources (`livekit.TrackSource` of its protocol: protobuf enum numbers, fixed
 * on the wire), so the grants need no SDK loaded; tests/livekit_tokens.test.ts compares them
 * with the SDK's.
 */
export const TRACK_SOURCE = {
  CAMERA: 1,
  MICROPHONE: 2,
  SCREEN_SHARE: 3,
  SCREEN_SHARE_AUDIO: 4,
} as const satisfies Record<string, TrackSource>;

let sdkModule: Promise<typeof import("livekit-server-sdk")> | undefined;

/** livekit-server-sdk, loaded once, at the first token. */
const loadSdk = () => sdkModule ??= import("livekit-server-sdk");

/** The LiveKit sources a guest on stage may publish. */
export function guestSources(media: GuestMedia): TrackSource[] {
  if (media === "camera") return [TRACK_SOURCE.CAMERA];
  if (media === "mic") return [TRACK_SOURCE.MICROPHONE];
  return [TRACK_SOURCE.CAMERA, TRACK_SOURCE.MICROPHONE];
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
const PUBLISHER_SOURCES: TrackSource[] = [
  TRACK_SOURCE.CAMERA,
  TRACK_SOURCE.MICROPHONE,
  TRACK_SOURCE.SCREEN_SHARE,
  TRACK_SOURCE.SCREEN_SHARE_AUDIO,
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
export async function issueToken(
  settings: LivekitSettings,
  role: TokenRole,
  subject: TokenSubject,
  /** For `guest`: what the guest may publish (default both). */
  media: GuestMedia = "both",
): Promise<string> {
  const { AccessToken } = await loadSdk();
  const token = new AccessToken(settings.apiKey, settings.apiSecret, {
    identity: subject.identity,
    name: subject.name,
    ttl: subject.ttlSeconds ?? 6 * 3600,
    metadata: JSON.stringify({ role }),
  });
  token.addGrant(grantFor(role, livekitRoomName(subject.roomId), media));
  return await token.toJwt();
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
