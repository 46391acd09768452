/**
 * Guests on stage over REST (the same command exists on the WebSocket as `{type:"stage", cmd}`):
 * - `GET  /api/rooms/:id/stage` - the stage: layout, guests, raised hands (token optional).
 * - `POST /api/rooms/:id/stage` `{op, ...}` - one stage command (`StageOp` in the room's
 *   contract): `raise`, `lower`, `leave` for oneself; `accept`, `decline`, `remove`, `mute`,
 *   `layout` for the streamer and room admins. The room checks who may do what.
 * Answers the new stage view.
 */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Actor, StageOp } from "../../actors/room/contract.ts";
import { bearerToken } from "../accounts/http.ts";
import { AuthError, identityToActor } from "../auth/identity.ts";
import type { EdgeDeps } from "../deps.ts";
import { codedErrorResponse, SIGNED_IN_STATUS } from "../http_errors.ts";
import { declared } from "../openapi/area.ts";
import { stageApi } from "../openapi/lazy_areas.ts";
import { BAD_ROOM_ID, mount } from "../openapi/router.ts";

const ANONYMOUS: Actor = { userId: "anonymous", name: "anonymous", kind: "guest", roles: [] };

const STATUS: Record<string, ContentfulStatusCode> = {
  ...SIGNED_IN_STATUS,
  stage_not_found: 404,
  stage_full: 409,
  limit_reached: 409,
  room_unavailable: 503,
  internal: 500,
};

export function stageRoutes(deps: Pick<EdgeDeps, "rooms" | "identity" | "log">): Hono {
  const app = new Hono();
  const actorOf = async (c: Context, anonymous: boolean): Promise<Actor> => {
    const token = bearerToken(c);
    if (token) return identityToActor(await deps.identity.resolve(token));
    if (anonymous) return ANONYMOUS;
    throw new AuthError("auth_required", "send Authorization: Bearer <token>");
  };
  /** Runs one stage command for the caller (the room id was checked first: `bad_room_id`). */
  const run = async (
    c: Context,
    roomId: string,
    anonymous: boolean,
    command: () => Promise<StageOp> | StageOp,
  ) => {
    try {
      const actor = await actorOf(c, anonymous);
      return c.json(await deps.rooms.stage(roomId, actor, await command()));
    } catch (err) {
      return codedErrorResponse(c, err, deps.log, STATUS);
    }
  };
  const refusals = { param: BAD_ROOM_ID, json: { code: "invalid_request", notJson: "bad_json" } };
  mount(
    app,
    declared(stageApi, "get", "/rooms/{id}/stage"),
    (c, input) => run(c, input.param().id, true, () => ({ op: "state" })),
    refusals,
  );
  mount(
    app,
    declared(stageApi, "post", "/rooms/{id}/stage"),
    (c, input) => run(c, input.param().id, false, () => input.json()),
    refusals,
  );
  return app;
}
