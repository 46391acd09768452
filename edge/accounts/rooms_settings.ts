/**
 * The bridge between streamer rooms in the database and the room actors:
 * - `sqlRoomSettings(store)`: the room actor's settings port, read on activation;
 * - `RoomSettingsPublisher`: after the accounts routes create, edit or delete a room, it
 *   sends the room an internal `configure` command (`RoomClient.configure`) so the change
 *   applies at once. This is the only sender of `configure`; viewers' frames can never
 *   become one.
 */
import type { RoomSettings } from "../../actors/room/contract.ts";
import type { RoomSettingsSource } from "../../actors/room/ports.ts";
import type { SqlExecutor } from "../../engine/sql/sql.ts";
import type { Logger } from "../../engine/log.ts";
import type { RoomClient } from "../../actors/room/client.ts";
import { getRoom, type Room } from "./rooms.ts";

/** What a room actor needs to know about a registered room. */
export function roomSettingsOf(room: Room): RoomSettings {
  return {
    ownerId: room.ownerId,
    admins: room.admins,
    guestChat: room.guestChat,
    title: room.title,
    ...(room.kind === "meeting" ? { kind: "meeting" as const } : {}),
    language: room.language,
  };
}

/** The settings port over the accounts database (`null` for a room nobody registered). */
export function sqlRoomSettings(db: SqlExecutor): RoomSettingsSource {
  return {
    async load(roomId) {
      const room = await getRoom(db, roomId);
      return room ? roomSettingsOf(room) : null;
    },
  };
}

export class RoomSettingsPublisher {
  constructor(private readonly rooms: RoomClient, private readonly log: Logger) {}

  /**
   * Push `room`'s settings (or `null` after a deletion) to its actor. The database is the
   * record of truth: when the room cannot be reached the change still holds and the room
   * reads it at its next activation, so this reports instead of throwing.
   */
  async publish(roomId: string, room: Room | null): Promise<boolean> {
    const settings = room ? roomSettingsOf(room) : null;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.rooms.configure(roomId, settings);
        return true;
      } catch (err) {
        if (attempt === 2) {
          this.log.warn("room settings not pushed; the room reads them when it activates", {
            roomId,
            err,
          });
        } else await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
      }
    }
    return false;
  }
}
