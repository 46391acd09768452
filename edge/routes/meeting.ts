/**
 * Meeting rooms over REST (the same command exists on the WebSocket as `{type:"meeting", cmd}`):
 * - `GET  /api/rooms/:id/meeting` - where the caller stands (`me`) and the meeting (members see
 *   all of it: members, waiting room, attendance, captions, summary; others its status).
 * - `POST /api/rooms/:id/meeting` `{op, ...}` - one meeting operation (`MeetingOp` in
 *   `actors/room/meeting_contract.ts`): `join` (signed-in, or `invite` with a link's token),
 *   `leave`, `hand`; the host and co-hosts `admit`, `admit_all`, `deny`, `remove`, `mute`,
 *   `lower_hand`, `settings`, `invite`, `revoke`, `end`; the host `cohost`.
 * The room checks who may do what; the answer is `{me, view, invite?}`. Declarations and the
 * status table: edge/openapi/paths/meeting.ts and meeting_status.ts.
 * - `GET  /api/rooms/:id/meetings` - the room's ended meetings, newest first (the room's
 *   staff: owner, room admins, platform admins), from the meeting history
 *   (`actors/room/meeting_archive.ts`).
 * - `GET  /api/rooms/:id/meetings/:meetingId` - one of them with its attendance and summary
 *   (the staff, and whoever attended it).
 */
import { type Context, Hono } from "hono";
import type { Actor } from "../../actors/room/contract.ts";
import type { MeetingOp } from "../../actors/room/meeting_contract.ts";
import { MeetingHistory } from "../../actors/room/meeting_archive.ts";
import { bearerToken } from "../accounts/http.ts";
import { AuthError, identityToActor } from "../auth/identity.ts";
import type { EdgeDeps } from "../deps.ts";
import { BAD_ROOM_ID_MESSAGE, codedErrorResponse } from "../http_errors.ts";
import { declared } from "../openapi/area.ts";
import { meetingApi } from "../openapi/lazy_areas.ts";
import { MEETING_STATUS } from "./meeting_status.ts";
import { mount, RequestRefused } from "../openapi/router.ts";

export function meetingRoutes(
  deps: Pick<EdgeDeps, "rooms" | "identity" | "log" | "economy">,
): Hono {
  const app = new Hono();
  const history = deps.economy && new MeetingHistory(deps.economy.store);
  const actorOf = async (c: Context): Promise<Actor> => {
    const token = bearerToken(c);
    if (!token) throw new AuthError("auth_required", "send Authorization: Bearer <token>");
    return identityToActor(await deps.identity.resolve(token));
  };
  const roomIdOf = (read: () => { id: string }) => {
    try {
      return read().id;
    } catch {
      throw new RequestRefused("bad_room_id", BAD_ROOM_ID_MESSAGE);
    }
  };
  const answer = async (c: Context, roomId: string, op: () => Promise<MeetingOp> | MeetingOp) => {
    try {
      const actor = await actorOf(c);
      return c.json(await deps.rooms.meeting(roomId, actor, await op()));
    } catch (err) {
      if (err instanceof RequestRefused) throw err;
      return codedErrorResponse(c, err, deps.log, MEETING_STATUS);
    }
  };
  mount(
    app,
    declared(meetingApi, "get", "/rooms/{id}/meeting"),
    (c, input) => answer(c, roomIdOf(() => input.param()), () => ({ op: "state" })),
  );
  mount(
    app,
    declared(meetingApi, "post", "/rooms/{id}/meeting"),
    (c, input) => answer(c, roomIdOf(() => input.param()), () => input.json()),
  );

  // --- history: ended meetings kept in the relational store
  const refuse = (code: string, message: string) => Object.assign(new Error(message), { code });
  const staff = async (roomId: string, actor: Actor) => {
    if (!history) throw refuse("history_unavailable", "meeting history needs the database");
    const info = await deps.rooms.info(roomId);
    return actor.kind === "user" &&
      (info.owner === actor.userId || info.admins.includes(actor.userId) ||
        actor.roles.includes("admin"));
  };
  const read = async (c: Context, fn: () => Promise<Response>) => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof RequestRefused) throw err;
      return codedErrorResponse(c, err, deps.log, MEETING_STATUS);
    }
  };
  mount(
    app,
    declared(meetingApi, "get", "/rooms/{id}/meetings"),
    (c, input) =>
      read(c, async () => {
        const roomId = roomIdOf(() => input.param());
        const actor = await actorOf(c);
        if (!await staff(roomId, actor)) {
          throw refuse("forbidden", "only the room's host and admins read its meeting history");
        }
        const { limit, before } = input.query();
        return c.json({ roomId, meetings: await history!.list(roomId, limit, before) });
      }),
  );
  mount(
    app,
    declared(meetingApi, "get", "/rooms/{id}/meetings/{meetingId}"),
    (c, input) =>
      read(c, async () => {
        const { id: roomId, meetingId } = input.param();
        const actor = await actorOf(c);
        const isStaff = await staff(roomId, actor);
        const meeting = await history!.get(roomId, meetingId);
        const attended = meeting?.attendance.some((a) => a.userId === actor.userId) ?? false;
        if (!meeting || (!isStaff && !attended)) {
          throw refuse("meeting_not_found", "no such meeting in this room's history");
        }
        return c.json(meeting);
      }),
  );
  return app;
}
