/**
 * A room's AI co-host over REST (room owner, room admins, platform admins):
 * - `GET /api/rooms/:id/cohost` - persona, state, the waiting queue, counters;
 * - `PUT /api/rooms/:id/cohost` - the persona (name, style, language, mustNotSay,
 *   interruptPhrases, stale policy, listen, voice, enabled);
 * - `POST /api/rooms/:id/cohost/interrupt` - end the current reply now;
 * - `POST /api/rooms/:id/cohost/skip` `{inputId}` - drop a waiting input;
 * - `POST /api/rooms/:id/cohost/proxy-key` - a new per-room key for `/proxy-ws` (shown once).
 */
import { type Context, Hono } from "hono";
import { COHOST_ACTOR_TYPE } from "../../actors/cohost/address.ts";
import type { EdgeDeps } from "../deps.ts";
import { bridgeErrorResponse } from "./coded_status.ts";
import { requireRoomManager } from "./room_managers.ts";
import { bearerToken } from "../accounts/http.ts";
import { declared } from "../openapi/area.ts";
import { managersApi } from "../openapi/lazy_areas.ts";
import { BAD_ROOM_ID, mount } from "../openapi/router.ts";

type Deps = Pick<EdgeDeps, "actors" | "identity" | "rooms" | "log">;

export function cohostRoutes(deps: Deps): Hono {
  const app = new Hono();
  const log = deps.log.child({ component: "cohost" });
  /** The caller manages the room: ask its co-host (the room id was checked first). */
  const ask = async (
    c: Context,
    roomId: string,
    msg: (userId: string) => Promise<unknown> | unknown,
  ) => {
    try {
      const who = await requireRoomManager(deps, roomId, bearerToken(c));
      const reply = await deps.actors.ask(COHOST_ACTOR_TYPE, roomId, await msg(who.userId));
      return c.json(reply as Record<string, unknown>);
    } catch (err) {
      return bridgeErrorResponse(c, err, log);
    }
  };
  const refusals = (badBody: string, message?: string) => ({
    param: BAD_ROOM_ID,
    json: { code: badBody, message, notJson: "bad_json" },
  });

  mount(
    app,
    declared(managersApi, "get", "/rooms/{id}/cohost"),
    (c, input) => ask(c, input.param().id, () => ({ kind: "status" })),
    BAD_ROOM_ID,
  );
  mount(
    app,
    declared(managersApi, "put", "/rooms/{id}/cohost"),
    (c, input) =>
      ask(c, input.param().id, async () => ({ kind: "configure", persona: await input.json() })),
    refusals("bad_persona"),
  );
  mount(
    app,
    declared(managersApi, "post", "/rooms/{id}/cohost/interrupt"),
    (c, input) => ask(c, input.param().id, (by) => ({ kind: "interrupt", by })),
    BAD_ROOM_ID,
  );
  mount(
    app,
    declared(managersApi, "post", "/rooms/{id}/cohost/skip"),
    (c, input) =>
      ask(c, input.param().id, async () => ({
        kind: "skip",
        inputId: (await input.json()).inputId,
      })),
    refusals("bad_request", "body: {inputId}"),
  );
  mount(
    app,
    declared(managersApi, "post", "/rooms/{id}/cohost/proxy-key"),
    (c, input) => ask(c, input.param().id, () => ({ kind: "rotate_key" })),
    BAD_ROOM_ID,
  );
  return app;
}
