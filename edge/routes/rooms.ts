/**
 * `GET /api/rooms` (live rooms from the status directory), `/api/rooms/:id`,
 * `/api/rooms/:id/highlights`, `/api/rooms/:id/stats`, `/api/rooms/:id/stats/minutes`. The room id is checked by the declarations' schema
 * (edge/openapi/paths/session.ts): 400 `bad_room_id`.
 */
import { Hono } from "hono";
import type { EdgeDeps } from "../deps.ts";
import { roomErrorResponse } from "../http_errors.ts";
import { BAD_ROOM_ID, mount } from "../openapi/router.ts";
import { declared } from "../openapi/area.ts";
import { publicApi } from "../openapi/lazy_areas.ts";
import { readStatsMinutes } from "../../actors/room/stats_archive.ts";

export function roomsRoutes(deps: Pick<EdgeDeps, "rooms" | "directory" | "accounts">): Hono {
  const app = new Hono();
  mount(app, declared(publicApi, "get", "/rooms"), (c) => c.json({ rooms: deps.directory.list() }));
  mount(app, declared(publicApi, "get", "/rooms/{id}"), async (c, input) => {
    const { id } = input.param();
    try {
      return c.json({ room: await deps.rooms.info(id) });
    } catch (err) {
      return roomErrorResponse(c, err);
    }
  }, BAD_ROOM_ID);
  mount(app, declared(publicApi, "get", "/rooms/{id}/highlights"), async (c, input) => {
    const { id } = input.param();
    try {
      return c.json({ roomId: id, highlights: await deps.rooms.highlights(id) });
    } catch (err) {
      return roomErrorResponse(c, err);
    }
  }, BAD_ROOM_ID);
  /** The room's time series (viewers, chat, gifts per bucket) for the streamer's charts. */
  mount(app, declared(publicApi, "get", "/rooms/{id}/stats"), async (c, input) => {
    const { id } = input.param();
    try {
      return c.json({ roomId: id, ...(await deps.rooms.stats(id)) });
    } catch (err) {
      return roomErrorResponse(c, err);
    }
  }, BAD_ROOM_ID);
  /** The same per minute from Postgres, across the room's activations (default: 4 hours). */
  mount(app, declared(publicApi, "get", "/rooms/{id}/stats/minutes"), async (c, input) => {
    const { id } = input.param();
    const q = input.query();
    const until = q.until ?? Date.now();
    const since = q.since ?? until - 4 * 3600_000;
    const sql = deps.accounts?.store;
    return c.json({
      roomId: id,
      minutes: sql ? await readStatsMinutes(sql, id, since, until) : [],
    });
  }, BAD_ROOM_ID);
  return app;
}
