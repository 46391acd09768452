/**
 * PK battles over REST (the coordinator is its own actor, `actors/pk`; both rooms also get
 * every change as `pk` batch events):
 * - `POST /api/pk` `{from, to, durationSec?}` - the streamer (or an admin) of room `from`
 *   invites live room `to`; 201 with the battle's view.
 * - `GET /api/pk/:pkId` - the battle (scores, top gifters, status, winner).
 * - `POST /api/pk/:pkId/accept|decline|end` - `to`'s staff accepts or declines; either
 *   side's staff ends a running round early.
 * - `GET /api/rooms/:id/pk/history` - the room's finished rounds, newest first.
 */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { PkClient } from "../../actors/pk/client.ts";
import { SqlPkStore } from "../../actors/pk/sql_store.ts";
import type { Actor } from "../../actors/room/contract.ts";
import { bearerToken } from "../accounts/http.ts";
import { AuthError, identityToActor } from "../auth/identity.ts";
import type { EdgeDeps } from "../deps.ts";
import { codedErrorResponse, jsonError } from "../http_errors.ts";
import { declared } from "../openapi/area.ts";
import { pkApi } from "../openapi/lazy_areas.ts";
import { BAD_ROOM_ID, mount } from "../openapi/router.ts";

/** A body that is not JSON is `bad_json`, as the room's other routers say. */
const PK_REFUSAL = { code: "invalid_request", notJson: "bad_json" };

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
  const guard =
    <A extends unknown[]>(fn: (c: Context, ...rest: A) => Promise<Response>) =>
    async (c: Context, ...rest: A) => {
      try {
        return await fn(c, ...rest);
      } catch (err) {
        return codedErrorResponse(c, err, deps.log, STATUS);
      }
    };

  mount(
    app,
    declared(pkApi, "post", "/pk"),
    guard(async (c, input) => {
      const actor = await actorOf(c);
      const { from, to, durationSec } = await input.json();
      return c.json(await pk.invite(actor, from, to, durationSec), 201);
    }),
    PK_REFUSAL,
  );
  mount(
    app,
    declared(pkApi, "get", "/pk/{pkId}"),
    guard(async (c, input) => c.json(await pk.state(input.param().pkId))),
  );
  mount(
    app,
    declared(pkApi, "post", "/pk/{pkId}/{action}"),
    guard(async (c, input) => {
      const { pkId, action } = input.param();
      const actor = await actorOf(c);
      return c.json(await pk[action](pkId, actor));
    }),
  );
  mount(
    app,
    declared(pkApi, "get", "/rooms/{id}/pk/history"),
    guard(async (c, input) => {
      const roomId = input.param().id;
      if (!history) return jsonError(c, 503, "pk_unavailable", "no database on this server");
      return c.json({ roomId, battles: await history.history(roomId) });
    }),
    BAD_ROOM_ID,
  );
  return app;
}
