/**
 * HTTP statuses of the meeting's refusals: the meeting router answers with this table, and the
 * meeting's declarations (edge/openapi/paths/meeting.ts) list each status's codes from it. Its
 * own module so the router has it without loading the declarations.
 */
import { SIGNED_IN_STATUS } from "../http_errors.ts";

export const MEETING_STATUS = {
  ...SIGNED_IN_STATUS,
  not_admitted: 403,
  meeting_removed: 403,
  invite_invalid: 403,
  not_waiting: 404,
  not_member: 404,
  invite_not_found: 404,
  meeting_not_found: 404,
  not_a_meeting: 409,
  meeting_full: 409,
  meeting_running: 409,
  meeting_not_running: 409,
  limit_reached: 409,
  invite_expired: 410,
  invite_revoked: 410,
  internal: 500,
  room_unavailable: 503,
  history_unavailable: 503,
} as const;
