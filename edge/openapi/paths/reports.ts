/** OpenAPI declarations of viewers' reports (edge/routes/reports.ts). */
import { ReportInput } from "../../accounts/reports.ts";
import { area } from "../area.ts";
import { BEARER, errors, json, jsonBody, RoomIdParam, z } from "../schemas.ts";

const Report = z.object({
  id: z.string(),
  roomId: z.string(),
  reporterId: z.string(),
  reason: ReportInput.shape.reason,
  messageId: z.string().nullable(),
  note: z.string(),
  createdAt: z.string(),
  state: z.enum(["open", "closed"]),
});
const AUTH = ["login_required", "token_missing", "token_expired", "token_bad_signature"];

export const reportsApi = area("reports", "Viewers' reports of rooms and messages", "/api", [
  {
    method: "post",
    path: "/rooms/{id}/reports",
    summary: "Report the room, or one message in it (signed-in viewers)",
    description: "One per reporter, room and message: a repeat answers 200 with the first. " +
      "At most 20 new reports per reporter an hour.",
    security: BEARER,
    request: {
      params: RoomIdParam,
      ...jsonBody(ReportInput, { reason: "spam", messageId: "m-1", note: "the same link again" }),
    },
    responses: () => ({
      201: json(z.object({ report: Report, created: z.literal(true) }), "the new report"),
      200: json(z.object({ report: Report, created: z.literal(false) }), "the earlier report"),
      ...errors({ 400: ["invalid_request"], 401: AUTH, 429: ["too_many_reports"] }),
    }),
  },
  {
    method: "get",
    path: "/admin/reports",
    summary: "Open reports, newest first (platform admins)",
    security: BEARER,
    request: { query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }) },
    responses: () => ({
      200: json(z.object({ reports: z.array(Report) }), "open reports"),
      ...errors({ 401: AUTH, 403: ["forbidden"] }),
    }),
  },
]);
