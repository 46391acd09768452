/**
 * A room's bridges to outside live rooms, for its owner and admins:
 * - `GET /api/rooms/:id/bridges` — the links, each with its bridge's health;
 * - `POST /api/rooms/:id/bridges` — link one (`{platform: "bilibili", roomId, cookie?}` or
 *   `{platform: "relay", name, url, mapping?, token?}`); the reply holds the link and health;
 * - `DELETE /api/rooms/:id/bridges/:linkId` — unlink (the bridge disconnects).
 * Secrets (a cookie, a relay token) are write-only: sealed at rest, never returned.
 */
import { Hono } from "hono";
import { BRIDGE_ACTOR_TYPE, type BridgeHealth } from "../../actors/bridges/bridge_actor.ts";
import { LINKS_ACTOR_TYPE } from "../../actors/bridges/links_actor.ts";
import type { EdgeDeps } from "../deps.ts";
import { BAD_ROOM_ID_MESSAGE, jsonError, validRoomId } from "../http_errors.ts";
import { bridgeErrorResponse, jsonBody } from "./coded_status.ts";
import { requireRoomManager } from "./room_managers.ts";
import { bearerToken } from "../accounts/http.ts";

type Deps = Pick<EdgeDeps, "actors" | "identity" | "rooms" | "log">;

export function bridgesRoutes(deps: Deps): Hono {
  const app = new Hono();
  const log = deps.log.child({ component: "bridges" });

  app.get("/rooms/:id/bridges", async (c) => {
    const roomId = validRoomId(c.req.param("id"));
    if (!roomId) return jsonError(c, 400, "bad_room_id", BAD_ROOM_ID_MESSAGE);
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
  });

  app.post("/rooms/:id/bridges", async (c) => {
    const roomId = validRoomId(c.req.param("id"));
    if (!roomId) return jsonError(c, 400, "bad_room_id", BAD_ROOM_ID_MESSAGE);
    try {
      const who = await requireRoomManager(deps, roomId, bearerToken(c));
      const request = await jsonBody(c);
      const out = await deps.actors.ask(LINKS_ACTOR_TYPE, roomId, { kind: "link", request });
      log.info("bridge linked", { room: roomId, by: who.userId });
      return c.json(out as Record<string, unknown>, 201);
    } catch (err) {
      return bridgeErrorResponse(c, err, log);
    }
  });

  app.delete("/rooms/:id/bridges/:linkId", async (c) => {
    const roomId = validRoomId(c.req.param("id"));
    if (!roomId) return jsonError(c, 400, "bad_room_id", BAD_ROOM_ID_MESSAGE);
    const linkId = c.req.param("linkId");
    if (!/^ln_[0-9a-f]{16}$/.test(linkId)) {
      return jsonError(c, 404, "link_not_found", `no link ${linkId.slice(0, 40)}`);
    }
    try {
      await requireRoomManager(deps, roomId, bearerToken(c));
      return c.json(await deps.actors.ask(LINKS_ACTOR_TYPE, roomId, { kind: "unlink", linkId }));
    } catch (err) {
      return bridgeErrorResponse(c, err, log);
    }
  });
  return app;
}
