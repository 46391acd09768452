/** The static web client (`edge/web/`), read once and served from memory. */
import { Hono } from "hono";

const WEB_DIR = new URL("../web/", import.meta.url);
const FILES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  // The client's modules (imported by app.js).
  "ai_panel.js": "text/javascript; charset=utf-8",
  "ai_panel.css": "text/css; charset=utf-8",
  "api.js": "text/javascript; charset=utf-8",
  "auth.js": "text/javascript; charset=utf-8",
  "console.js": "text/javascript; charset=utf-8",
  "danmaku_fly.js": "text/javascript; charset=utf-8",
  "finance.js": "text/javascript; charset=utf-8",
  "follow.js": "text/javascript; charset=utf-8",
  "gifts.js": "text/javascript; charset=utf-8",
  "leaderboard.js": "text/javascript; charset=utf-8",
  "live_captions.js": "text/javascript; charset=utf-8",
  "moderation.js": "text/javascript; charset=utf-8",
  "wallet.js": "text/javascript; charset=utf-8",
  "users.js": "text/javascript; charset=utf-8",
  "withdrawals.js": "text/javascript; charset=utf-8",
  "style.css": "text/css; charset=utf-8",
};

export async function webRoutes(): Promise<Hono> {
  const app = new Hono();
  for (const [name, type] of Object.entries(FILES)) {
    const body = await Deno.readFile(new URL(name, WEB_DIR));
    const serve = () =>
      new Response(body, { headers: { "content-type": type, "cache-control": "no-cache" } });
    app.get(`/${name}`, serve);
    if (name === "index.html") {
      app.get("/", serve);
      // Deep links to a room (`/r/lobby`) load the same page.
      app.get("/r/:roomId", serve);
    }
  }
  return app;
}
