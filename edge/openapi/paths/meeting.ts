/** Declarations of edge/routes/meeting.ts: meeting rooms. */
import { z } from "zod";
import { MeetingOp } from "../../../actors/room/meeting_contract.ts";
import { area } from "../area.ts";
import { BEARER, errors, json, jsonBody, RoomIdParam } from "../schemas.ts";

/** HTTP statuses of the meeting's refusals (the router answers with this table). */
export const MEETING_STATUS = {
  auth_required: 401,
  auth_invalid: 401,
  auth_expired: 401,
  auth_revoked: 401,
  login_required: 401,
  forbidden: 403,
  banned: 403,
  not_admitted: 403,
  meeting_removed: 403,
  invite_invalid: 403,
  not_waiting: 404,
  not_member: 404,
  invite_not_found: 404,
  not_a_meeting: 409,
  meeting_full: 409,
  meeting_running: 409,
  meeting_not_running: 409,
  limit_reached: 409,
  invite_expired: 410,
  invite_revoked: 410,
  internal: 500,
  room_unavailable: 503,
} as const;

/** Codes by status, from the table above (one source). */
function byStatus(): Parameters<typeof errors>[0] {
  const out: Record<number, string[]> = { 400: ["bad_room_id", "invalid_request", "bad_json"] };
  for (const [code, status] of Object.entries(MEETING_STATUS)) (out[status] ??= []).push(code);
  return out as Parameters<typeof errors>[0];
}
const MEETING_ERRORS = errors(byStatus());

const MeetingReply = z.object({
  me: z.enum(["host", "cohost", "participant", "waiting", "removed", "none"]),
  view: z.object({
    status: z.enum(["idle", "running", "ended"]),
    e2ee: z.boolean(),
    waitingRoom: z.boolean(),
  }).passthrough().meta({
    description: "members see the whole MeetingView (members, waiting, attendance, captions, " +
      "summary: edge/PROTOCOL.md, Meeting rooms); others these three fields",
  }),
  invite: z.object({ inviteId: z.string(), token: z.string(), expiresAt: z.number() })
    .optional(),
});
const Reply = json(MeetingReply, "where the caller stands and the meeting");

export const meetingApi = area(
  "meeting",
  "Meeting rooms: waiting room, host controls, invite links, attendance, summary",
  "/api",
  [
    {
      method: "get",
      path: "/rooms/{id}/meeting",
      summary: "Where the caller stands in the meeting, and the meeting",
      security: BEARER,
      request: { params: RoomIdParam },
      responses: { 200: Reply, ...MEETING_ERRORS },
    },
    {
      method: "post",
      path: "/rooms/{id}/meeting",
      summary: "One meeting operation: join/leave/hand (own); host controls; invite links; end",
      description: "admit, admit_all, deny, remove, mute, lower_hand, settings, invite, revoke " +
        "and end need the host or a co-host, cohost the host (`forbidden` otherwise).",
      security: BEARER,
      request: { params: RoomIdParam, ...jsonBody(MeetingOp, { op: "join" }) },
      responses: { 200: Reply, ...MEETING_ERRORS },
    },
  ],
);
