/** HTTP statuses of the bridge and co-host error codes (everything else: 400, or 500). */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "../../engine/log.ts";
import { codedErrorResponse } from "../http_errors.ts";

const STATUS: Record<string, ContentfulStatusCode> = {
  auth_required: 401,
  auth_invalid: 401,
  auth_expired: 401,
  auth_revoked: 401,
  forbidden: 403,
  link_not_found: 404,
  input_not_found: 404,
  already_linked: 409,
  too_many_links: 409,
  nothing_to_interrupt: 409,
  secret_storage_off: 422,
  unavailable: 503,
  timeout: 503,
  room_unavailable: 503,
};

export function bridgeErrorResponse(c: Context, err: unknown, log: Logger): Response {
  return codedErrorResponse(c, err, log, STATUS);
}
