/**
 * The room's AI over REST, under `/api/rooms/:id/ai` (the same commands exist on the
 * WebSocket as `{type:"ai", cmd}`):
 * - `GET  /ai` — the AI panel: mood series, hot topics, answers, Q&A status; room admins also
 *   get the audit log and the knowledge base. The token is optional here.
 * - `GET  /ai/audit?limit=`, `POST /ai/audit/:auditId/undo` — room admins.
 * - `GET|POST /ai/kb`, `PUT|DELETE /ai/kb/:entryId` — the knowledge base, room admins.
 * - `POST /ai/qa/pause|resume|interrupt`, `POST /ai/qa/skip` `{questionId}` — room admins.
 * Permissions are checked by the room actor (owner, room admins, platform admins).
 */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import type { AiOp } from "../../actors/room/contract.ts";
import type { Actor } from "../../actors/room/contract.ts";
import { AuthError, identityToActor } from "../auth/identity.ts";
import type { EdgeDeps } from "../deps.ts";
import { BAD_ROOM_ID_MESSAGE, jsonError, validRoomId } from "../http_errors.ts";
import { RoomRequestError } from "../../actors/room/client.ts";
import { bearerToken } from "../accounts/http.ts";

/** Someone reading the public panel without a token. */
const ANONYMOUS: Actor = { userId: "anonymous", name: "anonymous", kind: "guest", roles: [] };

class BadRequest extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const AuditQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });
const SkipBody = z.object({ questionId: z.string().min(1).max(80) }).strict();
const EntryId = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/);
const QaAction = z.enum(["pause", "resume", "interrupt", "skip"]);

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

async function jsonBody(c: Context): Promise<unknown> {
  try {
    const text = await c.req.text();
    return text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new BadRequest("invalid_request", "body must be JSON");
  }
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  throw new BadRequest("invalid_request", `${where}${issue?.message}`);
}

export function aiRoutes(deps: Pick<EdgeDeps, "rooms" | "identity" | "log">): Hono {
  const app = new Hono();

  /** Resolves the caller and sends one `ai` command to the room. */
  const run = (
    build: (c: Context) => Promise<z.input<typeof AiOp>> | z.input<typeof AiOp>,
    opts: { anonymous?: boolean; status?: ContentfulStatusCode } = {},
  ) =>
  async (c: Context) => {
    const roomId = validRoomId(c.req.param("id"));
    if (!roomId) return jsonError(c, 400, "bad_room_id", BAD_ROOM_ID_MESSAGE);
    try {
      const token = bearerToken(c);
      let actor = ANONYMOUS;
      if (token) actor = identityToActor(await deps.identity.resolve(token));
      else if (!opts.anonymous) {
        throw new AuthError("auth_required", "send Authorization: Bearer <token>");
      }
      const cmd = await build(c);
      return c.json(await deps.rooms.ai(roomId, actor, cmd), opts.status ?? 200);
    } catch (err) {
      if (
        err instanceof BadRequest || err instanceof AuthError || err instanceof RoomRequestError
      ) {
        const status = STATUS[err.code] ?? 400;
        return jsonError(c, status, err.code, err.message);
      }
      deps.log.error("ai request failed", { err });
      return jsonError(c, 500, "internal", "request failed");
    }
  };

  app.get("/rooms/:id/ai", run(() => ({ op: "state" }), { anonymous: true }));
  app.get(
    "/rooms/:id/ai/audit",
    run((c) => ({ op: "audit", limit: parse(AuditQuery, c.req.query()).limit })),
  );
  app.post(
    "/rooms/:id/ai/audit/:auditId/undo",
    run((c) => ({ op: "undo", auditId: parse(EntryId, c.req.param("auditId")) })),
  );
  app.get("/rooms/:id/ai/kb", run(() => ({ op: "kb_list" })));
  app.post(
    "/rooms/:id/ai/kb",
    run(async (c) => ({ op: "kb_put", entry: await jsonBody(c) }), { status: 201 }),
  );
  app.put(
    "/rooms/:id/ai/kb/:entryId",
    run(async (c) => ({
      op: "kb_put",
      id: parse(EntryId, c.req.param("entryId")),
      entry: await jsonBody(c),
    })),
  );
  app.delete(
    "/rooms/:id/ai/kb/:entryId",
    run((c) => ({ op: "kb_delete", id: parse(EntryId, c.req.param("entryId")) })),
  );
  app.post(
    "/rooms/:id/ai/qa/:action",
    run(async (c) => {
      const action = parse(QaAction, c.req.param("action"));
      if (action !== "skip") return { op: "qa", action };
      const { questionId } = parse(SkipBody, await jsonBody(c));
      return { op: "qa", action, questionId };
    }),
  );
  return app;
}
