/** `GET /ws/rooms/:roomId`: the viewer WebSocket (protocol in `edge/PROTOCOL.md`). */
import { Hono } from "hono";
import type { EdgeDeps } from "../deps.ts";
import { BAD_ROOM_ID_MESSAGE, jsonError, validRoomId } from "../http_errors.ts";

export function wsRoutes(deps: Pick<EdgeDeps, "gateway">): Hono {
  const app = new Hono();
  app.get("/rooms/:roomId", (c) => {
    const roomId = validRoomId(c.req.param("roomId"));
    if (!roomId) return jsonError(c, 400, "bad_room_id", BAD_ROOM_ID_MESSAGE);
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      return jsonError(c, 426, "upgrade_required", "this endpoint speaks WebSocket only");
    }
    return deps.gateway.upgrade(c.req.raw, roomId);
  });
  return app;
}
