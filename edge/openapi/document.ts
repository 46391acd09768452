/**
 * The OpenAPI 3.1 document of the REST API, built once from the route declarations in
 * `paths/` (the same zod schemas the handlers parse with), plus the WebSocket protocol's frames
 * as components (`ClientFrame`, `ServerFrame`: edge/protocol_schema.ts) so one generated type
 * file serves the typed client (edge/sdk/). Served at `/api/openapi.json`, rendered at `/docs`.
 * The declarations' answer schemas, and replies.ts, are built here only: this module loads
 * with the first request for the document (edge/routes/docs.ts).
 */
import { reportsApi } from "./paths/reports.ts";
import { createRoute, OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import { protocolJsonSchema } from "../protocol_schema.ts";
import type { ApiArea } from "./area.ts";
import * as replies from "./replies.ts";
import { healthApi } from "./paths/health.ts";
import { publicApi } from "./paths/session.ts";
import { docsApi } from "./paths/docs.ts";
import { managersApi, roomAiApi, socketsApi } from "./paths/room_ai.ts";
import { accountsApi, adminUsersApi, streamerRoomsApi } from "./paths/accounts.ts";
import { economyApi } from "./paths/economy.ts";
import { analysisApi, mediaApi } from "./paths/media.ts";
import { stageApi } from "./paths/stage.ts";
import { meetingApi } from "./paths/meeting.ts";
import { pkApi } from "./paths/pk.ts";
import { webhooksApi } from "./paths/webhooks.ts";
import { notificationsApi } from "./paths/notifications.ts";

/** Every area of the API; a new router adds its area here. */
export const API_AREAS: readonly ApiArea[] = [
  healthApi,
  publicApi,
  accountsApi,
  streamerRoomsApi,
  roomAiApi,
  stageApi,
  meetingApi,
  pkApi,
  managersApi,
  economyApi,
  mediaApi,
  analysisApi,
  adminUsersApi,
  webhooksApi,
  notificationsApi,
  reportsApi,
  socketsApi,
  docsApi,
];

export const API_VERSION = "1.0.0";

/** Joins a mount prefix and a declared path the way Hono does (`/api` + `/rooms` → `/api/rooms`). */
export function joinPath(prefix: string, path: string): string {
  const p = prefix.replace(/\/+$/, "");
  return path === "/" && p ? p : `${p}${path}`;
}

/** The area's routes as the document lists them: tagged, their answers built. */
export function routesOf(api: ApiArea): RouteConfig[] {
  return api.declarations.map((r) =>
    createRoute({ ...r, tags: [api.tag], responses: r.responses(replies) } as RouteConfig)
  );
}

let cached: Record<string, unknown> | undefined;

/** The document (built on first use; the declarations never change while running). */
export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const registry = new OpenAPIHono();
  registry.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "A session token: `POST /api/session/guest`, or `POST /api/auth/login`",
  });
  // The socket's frames as the JSON Schemas served at /api/protocol.schema.json (OpenAPI 3.1
  // schemas are JSON Schema 2020-12). Not `registry.register(zodSchema)`: that needs zod
  // extended by zod-openapi before the schemas were made, which import order does not promise.
  const frames = protocolJsonSchema().$defs as Record<string, Record<string, unknown>>;
  for (const [name, schema] of Object.entries(frames)) {
    registry.openAPIRegistry.registerComponent("schemas", name, schema as never);
  }
  for (const api of API_AREAS) {
    for (const route of routesOf(api)) {
      registry.openAPIRegistry.registerPath({ ...route, path: joinPath(api.prefix, route.path) });
    }
  }
  cached = registry.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Synapse Live API",
      version: API_VERSION,
      description: "REST API of a Synapse Live edge. Errors are always " +
        "`{error: {code, message}}` with a stable code. The room's WebSocket " +
        "(`/ws/rooms/{roomId}`) is described by `/api/protocol.schema.json` and edge/PROTOCOL.md; " +
        "its frames are the `ClientFrame` and `ServerFrame` schemas below.",
    },
    tags: API_AREAS.map((a) => ({ name: a.tag, description: a.description }))
      .filter((t, i, all) => all.findIndex((u) => u.name === t.name) === i),
  }) as unknown as Record<string, unknown>;
  return cached;
}
