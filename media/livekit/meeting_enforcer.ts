/**
 * Meetings reach the SFU: every room batch is watched for `meeting` events
 * (`actors/room/parts/meeting.ts`). A participant removed by the host, or one who left, is
 * disconnected from the LiveKit room (its next token is refused: `GET /api/media/token` asks
 * the room, which answers `removed` or `none`); a host's `muted` mutes that participant's
 * track; the end of the meeting disconnects everyone. Admission needs no call here: an
 * admitted participant asks for its token after the room says it is a member. The `meeting`
 * handler of the shared batch watcher (`watchRoomEvents`, `room_events.ts`).
 */
import type { MeetingRoomEvent } from "../../actors/room/meeting_contract.ts";
import type { Logger } from "../../engine/log.ts";

export interface MeetingSfu {
  removeParticipant(roomId: string, identity: string): Promise<boolean>;
  muteSource(
    roomId: string,
    identity: string,
    source: "camera" | "mic" | "screen_share",
  ): Promise<boolean>;
  listParticipants(roomId: string): Promise<{ identity: string }[]>;
}

/** The LiveKit calls a meeting event asks for. */
export function meetingActions(
  e: MeetingRoomEvent,
): {
  disconnect?: string[] | "all";
  mute?: { userId: string; source: "camera" | "mic" | "screen_share" };
} {
  if ((e.op === "removed" || e.op === "left") && e.userId) return { disconnect: [e.userId] };
  if (e.op === "ended") return { disconnect: "all" };
  if (e.op === "muted" && e.userId && e.source) {
    return { mute: { userId: e.userId, source: e.source } };
  }
  return {};
}

/** The `meeting` handler for `watchRoomEvents` (`room_events.ts`). */
export function meetingEnforcement(
  sfu: MeetingSfu,
  log: Logger,
): (roomId: string, event: MeetingRoomEvent) => Promise<void> {
  return async (roomId, event) => {
    const action = meetingActions(event);
    try {
      if (action.mute) {
        const { userId, source } = action.mute;
        const connected = await sfu.muteSource(roomId, userId, source);
        log.info("meeting mute enforced on the SFU", { roomId, userId, source, connected });
      }
      if (action.disconnect) {
        const who = action.disconnect === "all"
          ? (await sfu.listParticipants(roomId).catch(() => [])).map((p) => p.identity)
            .filter((id) => !id.startsWith("recorder-"))
          : action.disconnect;
        for (const id of who) await sfu.removeParticipant(roomId, id);
        if (who.length) log.info("meeting participants disconnected", { roomId, n: who.length });
      }
    } catch (err) {
      log.warn("meeting not enforced on the SFU", { roomId, op: event.op, error: err as Error });
    }
  };
}
