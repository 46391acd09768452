/**
 * Who may run a room's bridges and co-host: its owner, its room admins, platform admins. The
 * edge resolves the token, then reads the room's owner and admins from the room (its `info`).
 */
import { AuthError, type Identity, type IdentityResolver } from "../auth/identity.ts";
import type { RoomClient } from "../../actors/room/client.ts";

export class ForbiddenError extends Error {
  readonly code = "forbidden";
}

export async function requireRoomManager(
  deps: { identity: IdentityResolver; rooms: RoomClient },
  roomId: string,
  token: string | undefined,
): Promise<Identity> {
  if (!token) throw new AuthError("auth_required", "a session token is required");
  const who = await deps.identity.resolve(token);
  if (who.roles.includes("admin")) return who;
  const info = await deps.rooms.info(roomId);
  if (info.owner === who.userId || info.admins.includes(who.userId)) return who;
  throw new ForbiddenError("only the room's owner and admins may do this");
}
