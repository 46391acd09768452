/**
 * `POST /api/session/guest {nickname?}` → `{token, identity, expiresAt}`: anyone can chat,
 * within the per-client-IP guest bucket (429 `rate_limited` + `Retry-After` beyond it).
 */
import { Hono } from "hono";
import { z } from "zod";
import { type Identity } from "../auth/identity.ts";
import { randomGuestId, randomGuestName, sanitizeNickname } from "../auth/nickname.ts";
import type { EdgeDeps } from "../deps.ts";
import { jsonError } from "../http_errors.ts";

/** Guest sessions last a day; the client asks for a new one after that. */
export const GUEST_TOKEN_TTL_S = 24 * 3600;

export const GuestRequest = z.object({ nickname: z.string().max(200).optional() }).strict();

export function sessionRoutes(deps: Pick<EdgeDeps, "tokens" | "ipLimits">): Hono {
  const app = new Hono();
  app.post("/session/guest", async (c) => {
    const refused = deps.ipLimits?.guestSession(c);
    if (refused) return refused;
    const raw = await c.req.text();
    let body: unknown = {};
    if (raw.trim() !== "") {
      try {
        body = JSON.parse(raw);
      } catch {
        return jsonError(c, 400, "bad_request", "body must be JSON");
      }
    }
    const parsed = GuestRequest.safeParse(body);
    if (!parsed.success) {
      return jsonError(c, 400, "bad_request", "body must be {nickname?: string}");
    }
    let name = randomGuestName();
    if (parsed.data.nickname !== undefined) {
      const nick = sanitizeNickname(parsed.data.nickname);
      if (!nick.ok) return jsonError(c, 400, "bad_nickname", nick.message);
      name = nick.nickname;
    }
    const identity: Identity = { userId: randomGuestId(), name, kind: "guest", roles: [] };
    const token = await deps.tokens.sign(
      { sub: identity.userId, name, kind: "guest", roles: [] },
      GUEST_TOKEN_TTL_S,
    );
    const expiresAt = new Date(Date.now() + GUEST_TOKEN_TTL_S * 1000).toISOString();
    return c.json({ token, identity, expiresAt }, 201);
  });
  return app;
}
