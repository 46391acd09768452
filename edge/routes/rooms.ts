/**
 * `GET /api/rooms` (live rooms from the status directory), `/api/rooms/:id`,
 * `/api/rooms/:id/highlights`, `/api/rooms/:id/stats`. The room id is checked by the declarations' schema
 * (edge/openapi/paths/session.ts) before the handler runs: 400 `bad_room_id`.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { EdgeDeps } from "../deps.ts";
import { BAD_ROOM_ID_MESSAGE, roomErrorResponse } from "../http_errors.ts";
import { apiRouter, mount, refuse, validated } from "../openapi/router.ts";
import {
  getRoomRoute,
  highlightsRoute,
  listRoomsRoute,
  statsRoute,
} from "../openapi/paths/session.ts";
import { RoomIdParam } from "../openapi/schemas.ts";

export function roomsRoutes(deps: Pick<EdgeDeps, "rooms" | "directory">): OpenAPIHono {
  const app = apiRouter();
  const badId = refuse("bad_room_id", BAD_ROOM_ID_MESSAGE);
  mount(app, listRoomsRoute, (c) => c.json({ rooms: deps.directory.list() }));
  mount(app, getRoomRoute, async (c) => {
    const { id } = validated(c, "param", RoomIdParam);
    try {
      return c.json({ room: await deps.rooms.info(id) });
    } catch (err) {
      return roomErrorResponse(c, err);
    }
  }, badId);
  mount(app, highlightsRoute, async (c) => {
    const { id } = validated(c, "param", RoomIdParam);
    try {
      return c.json({ roomId: id, highlights: await deps.rooms.highlights(id) });
    } catch (err) {
      return roomErrorResponse(c, err);
    }
  }, badId);
  /** The room's time series (viewers, chat, gifts per bucket) for the streamer's charts. */
  mount(app, statsRoute, async (c) => {
    const { id } = validated(c, "param", RoomIdParam);
    try {
      return c.json({ roomId: id, ...(await deps.rooms.stats(id)) });
    } catch (err) {
      return roomErrorResponse(c, err);
    }
  }, badId);
  return app;
}
