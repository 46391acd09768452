/** A room's stream going off and on again, as LiveKit's webhooks tell the room (`stream`). */
import type { RoomClient } from "../../actors/room/client.ts";

/** Offline at `at + 1`, live again at `at + 2` (a second go-live after the one at `at`). */
export async function goLiveAgain(rooms: RoomClient, roomId: string, at: number): Promise<void> {
  await rooms.stream(roomId, {
    state: "offline",
    eventId: `off:${at}`,
    at: at + 1,
    source: "room",
  });
  await rooms.stream(roomId, { state: "live", eventId: `live2:${at}`, at: at + 2, source: "room" });
}
