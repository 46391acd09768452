/**
 * `GET /console/cohost?room=…`: the streamer's page for a room's bridges (link, unlink, health)
 * and its AI co-host (persona, state, queue with skip, interrupt, proxy key, what it says).
 * A standalone page without a build step (like `/cluster.html`); it calls the REST routes with
 * the signed-in user's token.
 */
import { Hono } from "hono";

const PAGE = new URL("../web/cohost_console.html", import.meta.url);

export function cohostConsoleRoutes(): Hono {
  const body = Deno.readTextFileSync(PAGE);
  const app = new Hono();
  app.get("/console/cohost", () =>
    new Response(body, {
      headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" },
    }));
  return app;
}
