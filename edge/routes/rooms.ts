/** `GET /api/rooms` (live rooms from the status directory), `/api/rooms/:id`, `/api/rooms/:id/highlights`,
 * `/api/rooms/:id/stats`. */
import { Hono } from "hono";
import type { EdgeDeps } from "../deps.ts";
import { BAD_ROOM_ID_MESSAGE, jsonError, roomErrorResponse, validRoomId } from "../http_errors.ts";

export function roomsRoutes(deps: Pick<EdgeDeps, "rooms" | "directory">): Hono {
  const app = new Hono();
  app.get("/rooms", (c) => c.json({ rooms: deps.directory.list() }));
  app.get("/rooms/:id", async (c) => {
    const id = validRoomId(c.req.param("id"));
    if (!id) return jsonError(c, 400, "bad_room_id", BAD_ROOM_ID_MESSAGE);
    try {
      return c.json({ room: await deps.rooms.info(id) });
    } catch (err) {
      return roomErrorResponse(c, err);
    }
  });
  app.get("/rooms/:id/highlights", async (c) => {
    const id = validRoomId(c.req.param("id"));
    if (!id) return jsonError(c, 400, "bad_room_id", BAD_ROOM_ID_MESSAGE);
    try {
      return c.json({ roomId: id, highlights: await deps.rooms.highlights(id) });
    } catch (err) {
      return roomErrorResponse(c, err);
    }
  });
  /** The room's time series (viewers, chat, gifts per bucket) for the streamer's charts. */
  app.get("/rooms/:id/stats", async (c) => {
    const id = validRoomId(c.req.param("id"));
    if (!id) return jsonError(c, 400, "bad_room_id", BAD_ROOM_ID_MESSAGE);
    try {
      return c.json({ roomId: id, ...(await deps.rooms.stats(id)) });
    } catch (err) {
      return roomErrorResponse(c, err);
    }
  });
  return app;
}
