/**
 * The bridges' and the AI co-host's routes (`/api/rooms/:id/bridges`, `/api/rooms/:id/cohost`,
 * `/proxy-ws/rooms/:roomId`, the co-host console). Their actor types are built by
 * bridges_cohost_actors.ts, which only engine-running processes load.
 */
import type { Hono } from "hono";
import type { EdgeDeps } from "../deps.ts";
import { bridgesRoutes } from "../routes/bridges.ts";
import { cohostRoutes } from "../routes/cohost.ts";
import { cohostConsoleRoutes } from "../routes/cohost_console.ts";
import { proxyWsRoutes } from "../routes/proxy_ws.ts";

/** Mounts the routes; returns what the server closes on shutdown. */
export function mountBridgesCohost(app: Hono, deps: EdgeDeps): { close(): Promise<void> } {
  app.route("/api", bridgesRoutes(deps));
  app.route("/api", cohostRoutes(deps));
  app.route("/", cohostConsoleRoutes());
  const proxy = proxyWsRoutes(deps);
  app.route("/", proxy.app); // /proxy-ws/rooms/:roomId
  return { close: () => proxy.close() };
}
