/**
 * PK battles over REST (the coordinator is its own actor, `actors/pk`; both rooms also get
 * every change as `pk` batch events):
 * - `POST /api/pk` `{from, to, durationSec?}` — the streamer (or an admin) of room `from`
 *   invites live room `to`; 201 with the battle's view.
 * - `GET /api/pk/:pkId` — the battle (scores, top gifters, status, winner).
 * - `POST /api/pk/:pkId/accept|decline|end` — `to`'s staff accepts or declines; either
 *   side's staff ends a running round early.
 * - `GET /api/rooms/:id/pk/history` — the room's finished rounds, newest first.
 */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { PkClient } from "../../actors/pk/client.ts";
import { PK_DURATION } from "../../actors/pk/contract.ts";
import { SqlPkStore } from "../../actors/pk/sql_store.ts";
import type { Actor } from "../../actors/room/contract.ts";
import { ID_PATTERN } from "../../engine/subject.ts";
import { bearerToken } from "../accounts/http.ts";
import { AuthError, identityToActor } from "../auth/identity.ts";
import type { EdgeDeps } from "../deps.ts";
import { BAD_ROOM_ID_MESSAGE, codedErrorResponse, jsonError, validRoomId } from "../http_errors.ts";
import { jsonBody } from "./coded_status.ts";

export const PkInvite = z.object({
  from: z.string().regex(ID_PATTERN),
  to: z.string().regex(ID_PATTERN),
  durationSec: z.number().int().min(PK_DURATION.minSec).max(PK_DURATION.maxSec).optional(),
}).strict();
export const PK_ID_PATTERN = /^pk_[A-Za-z0-9_-]{1,60}$/;
const PkId = z.string().regex(PK_ID_PATTERN);
export const PkAction = z.enum(["accept", "decline", "end"]);

const STATUS: Record<string, ContentfulStatusCode> = {
  auth_required: 401,
  auth_invalid: 401,
  auth_expired: 401,
  auth_revoked: 401,
  forbidden: 403,
  pk_not_found: 404,
  pk_busy: 409,
  pk_not_live: 409,
  pk_state: 409,
  pk_exists: 409,
  room_unavailable: 503,
  pk_unavailable: 503,
  internal: 500,
};

class BadRequest extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  throw new BadRequest("invalid_request", `${where}${issue?.message}`);
}

export function pkRoutes(
  deps: Pick<EdgeDeps, "actors" | "identity" | "log" | "economy">,
): Hono {
  const app = new Hono();
  const pk = new PkClient(deps.actors);
  const history = deps.economy && new SqlPkStore(deps.economy.store);
  const actorOf = async (c: Context): Promise<Actor> => {
    const token = bearerToken(c);
    if (!token) throw new AuthError("auth_required", "send Authorization: Bearer <token>");
    return identityToActor(await deps.identity.resolve(token));
  };
  const guard = (fn: (c: Context) => Promise<Response>) => async (c: Context) => {
    try {
      return await fn(c);
    } catch (err) {
      return codedErrorResponse(c, err, deps.log, STATUS);
    }
  };

  app.post(
    "/pk",
    guard(async (c) => {
      const actor = await actorOf(c);
      const input = parse(PkInvite, await jsonBody(c));
      return c.json(await pk.invite(actor, input.from, input.to, input.durationSec), 201);
    }),
  );
  app.get(
    "/pk/:pkId",
    guard(async (c) => c.json(await pk.state(parse(PkId, c.req.param("pkId"))))),
  );
  app.post(
    "/pk/:pkId/:action",
    guard(async (c) => {
      const pkId = parse(PkId, c.req.param("pkId"));
      const action = parse(PkAction, c.req.param("action"));
      const actor = await actorOf(c);
      return c.json(await pk[action](pkId, actor));
    }),
  );
  app.get(
    "/rooms/:id/pk/history",
    guard(async (c) => {
      const roomId = validRoomId(c.req.param("id"));
      if (!roomId) return jsonError(c, 400, "bad_room_id", BAD_ROOM_ID_MESSAGE);
      if (!history) return jsonError(c, 503, "pk_unavailable", "no database on this server");
      return c.json({ roomId, battles: await history.history(roomId) });
    }),
  );
  return app;
}
