/**
 * A room's bridges to outside live rooms, for its owner and admins:
 * - `GET /api/rooms/:id/bridges` - the links, each with its bridge's health;
 * - `POST /api/rooms/:id/bridges` - link one (`{platform: "bilibili", roomId, cookie?}` or
 *   `{platform: "relay", name, url, mapping?, token?}`); the reply holds the link and health;
 * - `DELETE /api/rooms/:id/bridges/:linkId` - unlink (the bridge disconnects).
 * Secrets (a cookie, a relay token) are write-only: sealed at rest, never returned.
 */
import { Hono } from "hono";
import type { BridgeHealth } from "../../actors/bridges/bridge_actor.ts";
import { BRIDGE_ACTOR_TYPE, LINKS_ACTOR_TYPE } from "../../actors/bridges/address.ts";
import type { EdgeDeps } from "../deps.ts";
import { bridgeErrorResponse } from "./coded_status.ts";
import { requireRoomManager } from "./room_managers.ts";
import { bearerToken } from "../accounts/http.ts";
import { declared } from "../openapi/area.ts";
import { managersApi } from "../openapi/lazy_areas.ts";
import { BAD_ROOM_ID, mount, type Refusals } from "../openapi/router.ts";

type Deps = Pick<EdgeDeps, "actors" | "identity" | "rooms" | "log">;

/** The links actor's own code for a link request its schema refuses; ids it never made: 404. */
const REFUSALS: Refusals = {
  param: {
    ...BAD_ROOM_ID,
    fields: {
      ...BAD_ROOM_ID.fields,
      linkId: { code: "link_not_found", message: "no such link", status: 404 },
    },
  },
  json: { code: "bad_link", notJson: "bad_json" },
};

export function bridgesRoutes(deps: Deps): Hono {
  const app = new Hono();
  const log = deps.log.child({ component: "bridges" });

  mount(app, declared(managersApi, "get", "/rooms/{id}/bridges"), async (c, input) => {
    const roomId = input.param().id;
    try {
      await requireRoomManager(deps, roomId, bearerToken(c));
      const { links } = await deps.actors.ask<{ links: { id: string }[] }>(
        LINKS_ACTOR_TYPE,
        roomId,
        { kind: "list" },
      );
      const withHealth = await Promise.all(links.map(async (l) => ({
        ...l,
        health: await deps.actors.ask<BridgeHealth>(BRIDGE_ACTOR_TYPE, l.id, { kind: "health" })
          .catch(() => null),
      })));
      return c.json({ roomId, links: withHealth });
    } catch (err) {
      return bridgeErrorResponse(c, err, log);
    }
  }, REFUSALS);

  mount(app, declared(managersApi, "post", "/rooms/{id}/bridges"), async (c, input) => {
    const roomId = input.param().id;
    try {
      const who = await requireRoomManager(deps, roomId, bearerToken(c));
      const request = await input.json();
      const out = await deps.actors.ask(LINKS_ACTOR_TYPE, roomId, { kind: "link", request });
      log.info("bridge linked", { room: roomId, by: who.userId });
      return c.json(out as Record<string, unknown>, 201);
    } catch (err) {
      return bridgeErrorResponse(c, err, log);
    }
  }, REFUSALS);

  mount(app, declared(managersApi, "delete", "/rooms/{id}/bridges/{linkId}"), async (c, input) => {
    const { id: roomId, linkId } = input.param();
    try {
      await requireRoomManager(deps, roomId, bearerToken(c));
      return c.json(await deps.actors.ask(LINKS_ACTOR_TYPE, roomId, { kind: "unlink", linkId }));
    } catch (err) {
      return bridgeErrorResponse(c, err, log);
    }
  }, REFUSALS);
  return app;
}
