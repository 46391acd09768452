/**
 * `GET /console/cohost?room=...`: the older bridges and co-host page, now the dashboard's Co-host
 * tab (`/studio/{room}#cohost`, edge/web/client/src/studio/cohost.tsx); old links redirect.
 */
import { Hono } from "hono";

const ROOM_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function cohostConsoleRoutes(): Hono {
  const app = new Hono();
  app.get("/console/cohost", (c) => {
    const room = c.req.query("room");
    return c.redirect(room && ROOM_ID.test(room) ? `/studio/${room}#cohost` : "/studio", 301);
  });
  return app;
}
