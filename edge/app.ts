/**
 * The edge's HTTP app. Each router mounts with one line; add yours here
 * (e.g. `app.route("/api", accountsRoutes(deps))`).
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { EdgeDeps } from "./deps.ts";
import { errorBody, jsonError } from "./http_errors.ts";
import { RoomSettingsPublisher } from "./accounts/rooms_settings.ts";
import { accountsRoutes } from "./routes/accounts.ts";
import { reportsRoutes } from "./routes/reports.ts";
import { aiRoutes } from "./routes/ai.ts";
import { stageRoutes } from "./routes/stage.ts";
import { meetingRoutes } from "./routes/meeting.ts";
import { pkRoutes } from "./routes/pk.ts";
import { analysisRoutes } from "./routes/analysis.ts";
import { directoryRoutes } from "./routes/directory.ts";
import { docsRoutes } from "./routes/docs.ts";
import { economyRoutes } from "./routes/economy.ts";
import { healthRoutes } from "./routes/health.ts";
import { mediaRoutes } from "./routes/media.ts";
import { mediaWebRoutes } from "./routes/media_web.ts";
import { roomsRoutes } from "./routes/rooms.ts";
import { sessionRoutes } from "./routes/session.ts";
import { webRoutes } from "./routes/web.ts";
import { webhookRoutes } from "./routes/webhooks.ts";
import { notificationRoutes } from "./routes/notifications.ts";
import { wsRoutes } from "./routes/ws.ts";
import { mountBridgesCohost } from "./wiring/bridges_cohost.ts";
import { textGuard } from "./text_guard.ts";
import { originGuard } from "./cors.ts";

/** Largest accepted REST request body. */
const MAX_API_BODY_BYTES = 64 * 1024;

export async function createApp(deps: EdgeDeps): Promise<Hono> {
  const app = new Hono();
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: MAX_API_BODY_BYTES,
      onError: (c) => jsonError(c, 413, "body_too_large", "request body too large"),
    }),
  );
  // The text policy for every route's path, query and JSON body (400 `invalid_text`).
  app.use("*", textGuard());
  // The recording and analysis API answers trusted origins only (edge/cors.ts).
  const origins = originGuard(deps.config.CORS_ORIGINS);
  app.use("/api/recording/*", origins);
  app.use("/api/analysis/*", origins);

  app.route("/", healthRoutes(deps));
  app.route("/", docsRoutes()); // /api/openapi.json, /api/protocol.schema.json, /docs
  app.route("/api", sessionRoutes(deps));
  app.route("/api", roomsRoutes(deps));
  app.route("/api", directoryRoutes(deps));
  app.route("/api", aiRoutes(deps));
  app.route("/api", stageRoutes(deps));
  app.route("/api", meetingRoutes(deps));
  app.route("/api", pkRoutes(deps));
  if (deps.accounts) {
    const roomSettings = new RoomSettingsPublisher(deps.rooms, deps.log);
    // "End stream" puts the room offline itself (an event id of its own: applied once).
    const endRoomStream = (roomId: string) => {
      const at = Date.now();
      return deps.rooms.stream(roomId, {
        state: "offline",
        eventId: `ended:${roomId}:${at}`,
        at,
        source: "room",
      });
    };
    app.route(
      "/api",
      accountsRoutes(deps.accounts, { roomSettings, ipLimits: deps.ipLimits, endRoomStream }),
    );
    app.route("/api", reportsRoutes(deps.accounts));
  }
  if (deps.economy) app.route("/api", economyRoutes(deps.economy));
  if (deps.media) app.route("/", mediaRoutes(deps.media));
  if (deps.analysis) app.route("/", analysisRoutes(deps.analysis));
  if (deps.webhooks) app.route("/api", webhookRoutes(deps.webhooks));
  if (deps.notifications) app.route("/api", notificationRoutes(deps.notifications));
  app.route("/", wsRoutes(deps)); // /ws/rooms/:roomId
  mountBridgesCohost(app, deps); // /api/rooms/:id/bridges, /api/rooms/:id/cohost, /proxy-ws
  app.route("/", await webRoutes());
  app.route("/", mediaWebRoutes());

  app.notFound((c) => jsonError(c, 404, "not_found", `no route for ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    deps.log.error("request failed", { path: c.req.path, err });
    return c.json(errorBody("internal", "internal error"), 500);
  });
  return app;
}
