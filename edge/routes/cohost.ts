/**
 * A room's AI co-host over REST (room owner, room admins, platform admins):
 * - `GET /api/rooms/:id/cohost` — persona, state, the waiting queue, counters;
 * - `PUT /api/rooms/:id/cohost` — the persona (name, style, language, mustNotSay,
 *   interruptPhrases, stale policy, listen, voice, enabled);
 * - `POST /api/rooms/:id/cohost/interrupt` — end the current reply now;
 * - `POST /api/rooms/:id/cohost/skip` `{inputId}` — drop a waiting input;
 * - `POST /api/rooms/:id/cohost/proxy-key` — a new per-room key for `/proxy-ws` (shown once).
 */
import { Hono } from "hono";
import { z } from "zod";
import { COHOST_ACTOR_TYPE } from "../../actors/cohost/cohost_actor.ts";
import type { EdgeDeps } from "../deps.ts";
import { BAD_ROOM_ID_MESSAGE, jsonError, validRoomId } from "../http_errors.ts";
import { bridgeErrorResponse, jsonBody } from "./coded_status.ts";
import { requireRoomManager } from "./room_managers.ts";
import { bearerToken } from "../accounts/http.ts";

type Deps = Pick<EdgeDeps, "actors" | "identity" | "rooms" | "log">;

const SkipBody = z.object({ inputId: z.string().min(1).max(100) }).strict();

export function cohostRoutes(deps: Deps): Hono {
  const app = new Hono();
  const log = deps.log.child({ component: "cohost" });
  const route = (
    method: "get" | "put" | "post",
    path: string,
    msg: (body: unknown, userId: string) => unknown,
  ) =>
    app[method](`/rooms/:id/cohost${path}`, async (c) => {
      const roomId = validRoomId(c.req.param("id"));
      if (!roomId) return jsonError(c, 400, "bad_room_id", BAD_ROOM_ID_MESSAGE);
      try {
        const who = await requireRoomManager(deps, roomId, bearerToken(c));
        const body = method === "get" ? {} : await jsonBody(c);
        const reply = await deps.actors.ask(COHOST_ACTOR_TYPE, roomId, msg(body, who.userId));
        return c.json(reply as Record<string, unknown>);
      } catch (err) {
        return bridgeErrorResponse(c, err, log);
      }
    });

  route("get", "", () => ({ kind: "status" }));
  route("put", "", (persona) => ({ kind: "configure", persona }));
  route("post", "/interrupt", (_b, by) => ({ kind: "interrupt", by }));
  route("post", "/skip", (body) => {
    const p = SkipBody.safeParse(body);
    if (!p.success) throw Object.assign(new Error("body: {inputId}"), { code: "bad_request" });
    return { kind: "skip", inputId: p.data.inputId };
  });
  route("post", "/proxy-key", () => ({ kind: "rotate_key" }));
  return app;
}
