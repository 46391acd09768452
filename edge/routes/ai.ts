/**
 * The room's AI over REST, under `/api/rooms/:id/ai` (the same commands exist on the
 * WebSocket as `{type:"ai", cmd}`):
 * - `GET  /ai` - the AI panel: mood series, hot topics, answers, Q&A status; room admins also
 *   get the audit log and the knowledge base. The token is optional here.
 * - `GET  /ai/audit?limit=`, `POST /ai/audit/:auditId/undo` - room admins.
 * - `GET|POST /ai/kb`, `PUT|DELETE /ai/kb/:entryId` - the knowledge base, room admins.
 * - `POST /ai/qa/pause|resume|interrupt`, `POST /ai/qa/skip` `{questionId}` - room admins.
 * Permissions are checked by the room actor (owner, room admins, platform admins).
 */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import type { AiOp } from "../../actors/room/contract.ts";
import type { Actor } from "../../actors/room/contract.ts";
import { AuthError, identityToActor } from "../auth/identity.ts";
import type { EdgeDeps } from "../deps.ts";
import { jsonError } from "../http_errors.ts";
import { RoomRequestError } from "../../actors/room/client.ts";
import { bearerToken } from "../accounts/http.ts";
import { declared } from "../openapi/area.ts";
import { roomAiApi } from "../openapi/lazy_areas.ts";
import { BAD_ROOM_ID, mount, type Refusals, RequestRefused } from "../openapi/router.ts";

/** Someone reading the public panel without a token. */
const ANONYMOUS: Actor = { userId: "anonymous", name: "anonymous", kind: "guest", roles: [] };

/** A bad room id first; a knowledge-base entry the room's own `KbEntryInput` refuses. */
const AI_REFUSALS: Refusals = { param: BAD_ROOM_ID, json: { code: "kb_invalid" } };

const STATUS: Record<string, ContentfulStatusCode> = {
  forbidden: 403,
  auth_required: 401,
  auth_invalid: 401,
  auth_expired: 401,
  auth_revoked: 401,
  audit_not_found: 404,
  kb_not_found: 404,
  question_not_found: 404,
  nothing_to_interrupt: 409,
  kb_full: 409,
  room_unavailable: 503,
  ai_unavailable: 503,
  internal: 500,
};

export function aiRoutes(deps: Pick<EdgeDeps, "rooms" | "identity" | "log">): Hono {
  const app = new Hono();

  /** Resolves the caller and sends one `ai` command to the room (its id already checked). */
  const run = async (
    c: Context,
    roomId: string,
    build: () => Promise<z.input<typeof AiOp>> | z.input<typeof AiOp>,
    opts: { anonymous?: boolean; status?: ContentfulStatusCode } = {},
  ) => {
    try {
      const token = bearerToken(c);
      let actor = ANONYMOUS;
      if (token) actor = identityToActor(await deps.identity.resolve(token));
      else if (!opts.anonymous) {
        throw new AuthError("auth_required", "send Authorization: Bearer <token>");
      }
      const cmd = await build();
      return c.json(await deps.rooms.ai(roomId, actor, cmd), opts.status ?? 200);
    } catch (err) {
      if (
        err instanceof RequestRefused || err instanceof AuthError ||
        err instanceof RoomRequestError
      ) {
        const status = STATUS[err.code] ?? 400;
        return jsonError(c, status, err.code, err.message);
      }
      deps.log.error("ai request failed", { err });
      return jsonError(c, 500, "internal", "request failed");
    }
  };

  mount(
    app,
    declared(roomAiApi, "get", "/rooms/{id}/ai"),
    (c, input) => run(c, input.param().id, () => ({ op: "state" }), { anonymous: true }),
    AI_REFUSALS,
  );
  mount(
    app,
    declared(roomAiApi, "get", "/rooms/{id}/ai/audit"),
    (c, input) => run(c, input.param().id, () => ({ op: "audit", limit: input.query().limit })),
    AI_REFUSALS,
  );
  mount(
    app,
    declared(roomAiApi, "post", "/rooms/{id}/ai/audit/{auditId}/undo"),
    (c, input) => {
      const { id, auditId } = input.param();
      return run(c, id, () => ({ op: "undo", auditId }));
    },
    AI_REFUSALS,
  );
  mount(
    app,
    declared(roomAiApi, "get", "/rooms/{id}/ai/kb"),
    (c, input) => run(c, input.param().id, () => ({ op: "kb_list" })),
    AI_REFUSALS,
  );
  mount(
    app,
    declared(roomAiApi, "post", "/rooms/{id}/ai/kb"),
    (c, input) =>
      run(c, input.param().id, async () => ({ op: "kb_put", entry: await input.json() }), {
        status: 201,
      }),
    AI_REFUSALS,
  );
  mount(
    app,
    declared(roomAiApi, "put", "/rooms/{id}/ai/kb/{entryId}"),
    (c, input) => {
      const { id, entryId } = input.param();
      return run(c, id, async () => ({ op: "kb_put", id: entryId, entry: await input.json() }));
    },
    AI_REFUSALS,
  );
  mount(
    app,
    declared(roomAiApi, "delete", "/rooms/{id}/ai/kb/{entryId}"),
    (c, input) => {
      const { id, entryId } = input.param();
      return run(c, id, () => ({ op: "kb_delete", id: entryId }));
    },
    AI_REFUSALS,
  );
  mount(
    app,
    declared(roomAiApi, "post", "/rooms/{id}/ai/qa/{action}"),
    (c, input) => {
      const { id, action } = input.param();
      return run(c, id, async () => {
        if (action !== "skip") return { op: "qa", action };
        const { questionId } = await input.json();
        return { op: "qa", action, questionId };
      });
    },
    { param: BAD_ROOM_ID, json: { code: "invalid_request" } },
  );
  return app;
}
