/**
 * `GET /ws/rooms/:roomId` (mounted at `/`): the viewer WebSocket (protocol in `edge/PROTOCOL.md`). A client at
 * its per-IP socket cap gets 429 `too_many_connections` instead of an upgrade; a plain GET
 * gets the same 429 while its client is at the cap (browsers cannot read a refused upgrade's
 * response, so the web client asks this way), else 426.
 */
import { Hono } from "hono";
import type { EdgeDeps } from "../deps.ts";
import { BAD_ROOM_ID_MESSAGE, jsonError } from "../http_errors.ts";
import { declared } from "../openapi/area.ts";
import { socketsApi } from "../openapi/lazy_areas.ts";
import { mount } from "../openapi/router.ts";

export function wsRoutes(deps: Pick<EdgeDeps, "gateway" | "ipLimits">): Hono {
  const app = new Hono();
  mount(app, declared(socketsApi, "get", "/ws/rooms/{roomId}"), (c, input) => {
    const { roomId } = input.param();
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      return deps.ipLimits?.connectionProbe(c) ??
        jsonError(c, 426, "upgrade_required", "this endpoint speaks WebSocket only");
    }
    const slot = deps.ipLimits?.connection(c);
    if (slot && "refused" in slot) return slot.refused;
    return deps.gateway.upgrade(c.req.raw, roomId, slot?.release);
  }, { code: "bad_room_id", message: BAD_ROOM_ID_MESSAGE });
  return app;
}
