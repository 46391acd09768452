/** Declarations of edge/routes/meeting.ts: meeting rooms. */

import { MeetingOp } from "../../../actors/room/meeting_contract.ts";
import { area } from "../area.ts";
import { MEETING_STATUS } from "../../routes/meeting_status.ts";
import type { MeetingRecord, MeetingRecordBrief } from "../../../actors/room/meeting_archive.ts";
import {
  BEARER,
  errors,
  type Holds,
  json,
  jsonBody,
  RoomIdParam,
  type Same,
  z,
} from "../schemas.ts";

/** Codes by status, from the router's MEETING_STATUS (one source). */
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
  manage: z.literal(true).optional().openapi({
    description: "the caller may manage the meeting room (host controls), also between meetings",
  }),
});
const Reply = json(MeetingReply, "where the caller stands and the meeting");

const Ms = z.number().openapi({ description: "ms since the epoch" });
const AttendanceRowSchema = z.object({
  userId: z.string(),
  name: z.string(),
  joinedAt: Ms,
  leftAt: Ms.optional(),
}).openapi("MeetingAttendanceRow");
const MeetingSummarySchema = z.object({
  source: z.enum(["llm", "local"]).openapi({
    description: "`llm`: the configured model wrote it; `local`: local rules",
  }),
  overview: z.string(),
  decisions: z.array(z.object({ text: z.string(), by: z.string() })),
  actionItems: z.array(z.object({ text: z.string(), owner: z.string() })),
  at: Ms,
}).openapi("MeetingSummary");
const MeetingRecordBriefSchema = z.object({
  meetingId: z.string(),
  roomId: z.string(),
  startedAt: Ms,
  endedAt: Ms,
  endedBy: z.string().optional(),
  e2ee: z.boolean(),
  attendees: z.number().int().openapi({ description: "distinct people who attended" }),
  overview: z.string().optional(),
  source: z.enum(["llm", "local"]).optional(),
}).openapi("MeetingRecordBrief");
const MeetingRecordSchema = MeetingRecordBriefSchema.extend({
  attendance: z.array(AttendanceRowSchema),
  summary: MeetingSummarySchema.optional(),
}).openapi("MeetingRecord");
export type _MeetingRecordBrief = Holds<
  Same<typeof MeetingRecordBriefSchema, MeetingRecordBrief>
>;
export type _MeetingRecord = Holds<Same<typeof MeetingRecordSchema, MeetingRecord>>;
const MeetingIdParam = RoomIdParam.extend({ meetingId: z.string().min(1).max(64) });
const HistoryQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  before: z.coerce.number().int().min(0).optional().openapi({
    description: "ms since the epoch: meetings that ended before it (the next page)",
  }),
});

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
      responses: () => ({ 200: Reply, ...MEETING_ERRORS }),
    },
    {
      method: "post",
      path: "/rooms/{id}/meeting",
      summary: "One meeting operation: join/leave/hand (own); host controls; invite links; end",
      description: "admit, admit_all, deny, remove, mute, lower_hand, settings, invite, revoke " +
        "and end need the host or a co-host, cohost the host (`forbidden` otherwise).",
      security: BEARER,
      request: { params: RoomIdParam, ...jsonBody(MeetingOp, { op: "join" }) },
      responses: () => ({ 200: Reply, ...MEETING_ERRORS }),
    },
    {
      method: "get",
      path: "/rooms/{id}/meetings",
      summary: "The room's ended meetings, newest first (meeting history)",
      description: "The room's owner, its admins and platform admins (`forbidden` otherwise). " +
        "Page back with `before` = the last one's `endedAt`.",
      security: BEARER,
      request: { params: RoomIdParam, query: HistoryQuery },
      responses: () => ({
        200: json(
          z.object({ roomId: z.string(), meetings: z.array(MeetingRecordBriefSchema) }),
          "the meetings",
        ),
        ...MEETING_ERRORS,
      }),
    },
    {
      method: "get",
      path: "/rooms/{id}/meetings/{meetingId}",
      summary: "One ended meeting with its attendance and summary",
      description: "The room's staff, and whoever attended it (`meeting_not_found` otherwise).",
      security: BEARER,
      request: { params: MeetingIdParam },
      responses: () => ({ 200: json(MeetingRecordSchema, "the meeting"), ...MEETING_ERRORS }),
    },
  ],
);
