/** The one JSON error shape of every REST endpoint: `{error: {code, message}}`. */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "../engine/log.ts";
import { RoomRequestError } from "../actors/room/client.ts";

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

export function jsonError(c: Context, status: ContentfulStatusCode, code: string, message: string) {
  return c.json(errorBody(code, message), status);
}

export const BAD_ROOM_ID_MESSAGE = "room id must be 1-64 characters of A-Z a-z 0-9 _ -";

/** Map a failed room request to an HTTP status with the same error shape. */
export function roomErrorResponse(c: Context, err: unknown) {
  if (err instanceof RoomRequestError) {
    const status = err.code === "room_unavailable" ? 503 : err.code === "internal" ? 500 : 400;
    return jsonError(c, status, err.code, err.message);
  }
  return jsonError(c, 500, "internal", "request failed");
}

/** Statuses of the refusals of a signed-in caller's action (its token, its role, a ban). */
export const SIGNED_IN_STATUS = {
  auth_required: 401,
  auth_invalid: 401,
  auth_expired: 401,
  auth_revoked: 401,
  login_required: 401,
  forbidden: 403,
  banned: 403,
} as const;

/**
 * Any error that carries a stable snake_case `code` (and usually an HTTP `status`:
 * AccountError, EconomyError, MediaError, HttpError...) becomes its JSON error response;
 * anything else is logged and answered as a 500 `internal`.
 */
export function codedErrorResponse(
  c: Context,
  err: unknown,
  log: Logger,
  /** A feature's own code -> status table (then 400 for other codes), instead of `status`. */
  statuses?: Record<string, ContentfulStatusCode>,
) {
  const e = err as { code?: unknown; status?: unknown; message?: unknown } | null;
  if (typeof e?.code === "string" && /^[a-z][a-z0-9_]*$/.test(e.code)) {
    const status = statuses
      ? statuses[e.code] ?? 400
      : typeof e.status === "number"
      ? e.status
      : e.code.startsWith("auth_")
      ? 401
      : 400;
    return jsonError(c, status as ContentfulStatusCode, e.code, String(e.message ?? e.code));
  }
  log.error("request failed", { path: c.req.path, err });
  return jsonError(c, 500, "internal", "internal error");
}

/** Wraps route handlers so that a thrown coded error becomes its JSON response. */
export function guarded(log: Logger) {
  return <A extends unknown[]>(fn: (c: Context, ...rest: A) => Promise<Response>) =>
  async (c: Context, ...rest: A): Promise<Response> => {
    try {
      return await fn(c, ...rest);
    } catch (err) {
      return codedErrorResponse(c, err, log);
    }
  };
}
