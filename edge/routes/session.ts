/**
 * `POST /api/session/guest {nickname?}` -> `{token, identity, expiresAt}`: anyone can chat,
 * within the per-client-IP guest bucket (429 `rate_limited` + `Retry-After` beyond it).
 */
import { Hono } from "hono";
import { type Identity } from "../auth/identity.ts";
import { randomGuestId, randomGuestName, sanitizeNickname } from "../auth/nickname.ts";
import type { EdgeDeps } from "../deps.ts";
import { jsonError } from "../http_errors.ts";
import { declared } from "../openapi/area.ts";
import { publicApi } from "../openapi/lazy_areas.ts";
import { mount } from "../openapi/router.ts";

/** Guest sessions last a day; the client asks for a new one after that. */
export const GUEST_TOKEN_TTL_S = 24 * 3600;

const BAD_GUEST_REQUEST = { code: "bad_request", message: "body must be {nickname?: string}" };

export function sessionRoutes(deps: Pick<EdgeDeps, "tokens" | "ipLimits">): Hono {
  const app = new Hono();
  mount(app, declared(publicApi, "post", "/session/guest"), async (c, input) => {
    const refused = deps.ipLimits?.guestSession(c);
    if (refused) return refused;
    const { nickname } = await input.json();
    let name = randomGuestName();
    if (nickname !== undefined) {
      const nick = sanitizeNickname(nickname);
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
  }, BAD_GUEST_REQUEST);
  return app;
}
