/**
 * Accounts REST under /api: register, login, refresh, logout, logout-all, me; OAuth start
 * and callback; follows; streamer rooms; platform-admin roles and bans.
 *
 * The OAuth callback answers JSON to API clients and, for a browser (`Accept: text/html`),
 * redirects to the web client with the session in the URL fragment (`/#/oauth?...`), which
 * never reaches a server or its logs. Room changes are pushed to the live room actor.
 */
import { codedErrorResponse, guarded } from "../http_errors.ts";
import { type Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { login, LoginInput, register, RegisterInput } from "../accounts/auth.ts";
import {
  follow,
  followCounts,
  isFollowing,
  listFollows,
  liveNow,
  unfollow,
} from "../accounts/follows.ts";
import {
  bearerToken,
  parseBody,
  parseWith,
  pathParam,
  requireAdmin,
  requireUserIdentity,
} from "../accounts/http.ts";
import { OAUTH_STATE_COOKIE } from "../accounts/oauth.ts";
import {
  canManage,
  createRoom,
  CreateRoomInput,
  deleteRoom,
  endStream,
  requireRoom,
  type Room,
  roomsOf,
  startStream,
  updateRoom,
  UpdateRoomInput,
} from "../accounts/rooms.ts";
import type { RoomSettingsPublisher } from "../accounts/rooms_settings.ts";
import type { IpLimits } from "../ip_limits.ts";
import type { Accounts } from "../accounts/service.ts";
import type { IssuedSession } from "../accounts/sessions.ts";
import { AccountError } from "../accounts/errors.ts";
import { replaceRoles } from "../accounts/roles.ts";
import { adminUsersRoutes } from "./admin_users.ts";
import {
  findByUsername,
  publicProfile,
  requireUser,
  ROLES,
  setStatus,
  type User,
} from "../accounts/users.ts";

export const RefreshInput = z.object({ refreshToken: z.string().min(1).max(200) }).strict();
const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.iso.datetime({ offset: true }).transform((s) => new Date(s)).optional(),
});
const UserIdParam = z.string().min(1).max(64);
export const RolesInput = z.object({ roles: z.array(z.string().max(40)).max(ROLES.length) })
  .strict();
export const BanInput = z.object({ banned: z.boolean() }).strict();

function me(user: User) {
  return {
    ...publicProfile(user),
    email: user.email,
    emailVerified: user.emailVerified,
    status: user.status,
    createdAt: user.createdAt.toISOString(),
  };
}

function sessionBody(user: User, s: IssuedSession) {
  return {
    user: me(user),
    accessToken: s.accessToken,
    tokenType: "Bearer",
    expiresIn: s.expiresIn,
    refreshToken: s.refreshToken,
    refreshExpiresAt: s.refreshExpiresAt.toISOString(),
  };
}

/** Where a browser lands after OAuth: the web client's `#/oauth` route. */
function oauthLanding(params: Record<string, string>): string {
  return `/#/oauth?${new URLSearchParams(params)}`;
}

const wantsHtml = (c: Context) => (c.req.header("accept") ?? "").includes("text/html");

export interface AccountsRoutesOptions {
  /** Pushes room changes to the room actors (absent: rooms read them at activation). */
  roomSettings?: RoomSettingsPublisher;
  /** Per-client-IP bucket of login/register attempts (`rate_limited`); absent: none. */
  ipLimits?: IpLimits;
  /**
   * Tells the room actor its stream ended (the streamer's "End stream"), whatever LiveKit
   * says: a streamer whose connection died with a restarted livekit-server never "leaves".
   */
  endRoomStream?: (roomId: string) => Promise<unknown>;
}

export function accountsRoutes(deps: Accounts, opts: AccountsRoutesOptions = {}): Hono {
  const app = new Hono();
  const { store, sessions, resolver, oauth, log } = deps;
  /** Tell the live room (if any) about its new settings; true when it took them. */
  const pushSettings = async (roomId: string, room: Room | null) =>
    opts.roomSettings ? await opts.roomSettings.publish(roomId, room) : false;
  /** Run `fn`, mapping domain errors to their JSON responses. */
  const guard = guarded(log);

  // --- password auth and sessions
  app.post(
    "/auth/register",
    guard(async (c) => {
      const refused = opts.ipLimits?.authAttempt(c);
      if (refused) return refused;
      const input = await parseBody(c, RegisterInput);
      const { user, session } = await register(store, sessions, input);
      return c.json(sessionBody(user, session), 201);
    }),
  );
  app.post(
    "/auth/login",
    guard(async (c) => {
      const refused = opts.ipLimits?.authAttempt(c);
      if (refused) return refused;
      const input = await parseBody(c, LoginInput);
      const { user, session } = await login(store, sessions, input, deps.loginThrottle);
      return c.json(sessionBody(user, session));
    }),
  );
  app.post(
    "/auth/refresh",
    guard(async (c) => {
      const { refreshToken } = await parseBody(c, RefreshInput);
      const session = await sessions.refresh(refreshToken);
      return c.json(sessionBody(await requireUser(store, session.userId), session));
    }),
  );
  app.post(
    "/auth/logout",
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      await sessions.logout(who.userId, who.sessionId);
      return c.json({ ok: true });
    }),
  );
  app.post(
    "/auth/logout-all",
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      return c.json({ ok: true, revoked: await sessions.logoutAll(who.userId) });
    }),
  );
  app.get(
    "/me",
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      const user = await requireUser(store, who.userId);
      return c.json({ user: me(user), ...(await followCounts(store, user.id)) });
    }),
  );

  // --- OAuth2 (authorization code + PKCE + state)
  app.get("/auth/providers", (c) => c.json({ providers: oauth.configured }));
  app.get(
    "/oauth/:provider/start",
    guard(async (c) => {
      // With a bearer token the provider is linked to the signed-in account.
      const linkUser = bearerToken(c) ? (await requireUserIdentity(c, resolver)).userId : undefined;
      const { url, state } = await oauth.start(pathParam(c, "provider"), linkUser);
      setCookie(c, OAUTH_STATE_COOKIE, state, {
        httpOnly: true,
        sameSite: "Lax",
        secure: deps.secureCookies,
        path: "/api/oauth",
        maxAge: 600,
      });
      if (c.req.query("mode") === "json") return c.json({ url });
      return c.redirect(url, 302);
    }),
  );
  app.get(
    "/oauth/:provider/callback",
    async (c) => {
      try {
        const cookieState = getCookie(c, OAUTH_STATE_COOKIE);
        deleteCookie(c, OAUTH_STATE_COOKIE, { path: "/api/oauth" });
        const user = await oauth.callback(pathParam(c, "provider"), {
          code: c.req.query("code"),
          state: c.req.query("state"),
          error: c.req.query("error"),
          cookieState,
        });
        const session = await sessions.issue(user);
        if (!wantsHtml(c)) return c.json(sessionBody(user, session));
        c.header("cache-control", "no-store");
        c.header("referrer-policy", "no-referrer");
        return c.redirect(
          oauthLanding({
            accessToken: session.accessToken,
            refreshToken: session.refreshToken,
            expiresIn: String(session.expiresIn),
          }),
          302,
        );
      } catch (err) {
        if (!wantsHtml(c) || !(err instanceof AccountError)) return codedErrorResponse(c, err, log);
        return c.redirect(oauthLanding({ error: err.code, message: err.message }), 302);
      }
    },
  );

  // --- people and follows
  app.get(
    "/users/:id",
    guard(async (c) => {
      const user = await requireUser(store, parseWith(UserIdParam, pathParam(c, "id")));
      return c.json({ user: publicProfile(user), ...(await followCounts(store, user.id)) });
    }),
  );
  app.get(
    "/usernames/:username",
    guard(async (c) => {
      const name = parseWith(z.string().min(1).max(64), pathParam(c, "username"));
      const found = await findByUsername(store, name);
      if (!found) throw new AccountError("unknown_user", `no user named ${name}`);
      return c.json({ user: publicProfile(found.user) });
    }),
  );
  app.post(
    "/users/:id/follow",
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      const target = parseWith(UserIdParam, pathParam(c, "id"));
      return c.json({ following: true, ...(await follow(store, who.userId, target)) });
    }),
  );
  app.delete(
    "/users/:id/follow",
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      const target = parseWith(UserIdParam, pathParam(c, "id"));
      return c.json({ following: false, ...(await unfollow(store, who.userId, target)) });
    }),
  );
  for (const direction of ["followers", "following"] as const) {
    app.get(
      `/users/:id/${direction}`,
      guard(async (c) => {
        const userId = parseWith(UserIdParam, pathParam(c, "id"));
        await requireUser(store, userId);
        const page = parseWith(PageQuery, c.req.query());
        return c.json({ [direction]: await listFollows(store, userId, direction, page) });
      }),
    );
  }
  app.get(
    "/me/following/live",
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      return c.json({ live: await liveNow(store, who.userId) });
    }),
  );
  // After `/me/following/live` (routes match in order).
  app.get(
    "/me/following/:id",
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      const target = parseWith(UserIdParam, pathParam(c, "id"));
      return c.json({ following: await isFollowing(store, who.userId, target) });
    }),
  );

  // --- streamer rooms
  app.post(
    "/rooms",
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      const room = await createRoom(store, who.userId, await parseBody(c, CreateRoomInput));
      return c.json({ room, settingsApplied: await pushSettings(room.id, room) }, 201);
    }),
  );
  app.get(
    "/me/rooms",
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      return c.json({ rooms: await roomsOf(store, who.userId) });
    }),
  );
  app.get(
    "/rooms/:id/settings",
    guard(async (c) => c.json({ room: await requireRoom(store, pathParam(c, "id")) })),
  );
  app.patch(
    "/rooms/:id",
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      const patch = await parseBody(c, UpdateRoomInput);
      const room = await updateRoom(store, who, pathParam(c, "id"), patch);
      return c.json({ room, settingsApplied: await pushSettings(room.id, room) });
    }),
  );
  app.delete(
    "/rooms/:id",
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      const roomId = pathParam(c, "id");
      await deleteRoom(store, who, roomId);
      return c.json({ ok: true, settingsApplied: await pushSettings(roomId, null) });
    }),
  );
  for (const action of ["start", "stop"] as const) {
    app.post(
      `/rooms/:id/stream/${action}`,
      guard(async (c) => {
        const who = await requireUserIdentity(c, resolver);
        const room = await requireRoom(store, pathParam(c, "id"));
        if (!canManage(room, who, false)) throw new AccountError("forbidden", "not your room");
        const streamId = action === "start"
          ? await startStream(store, room.id)
          : await endStream(store, room.id);
        if (action === "stop") await opts.endRoomStream?.(room.id);
        return c.json({ roomId: room.id, live: action === "start", streamId });
      }),
    );
  }

  // --- platform admin
  app.route("/", adminUsersRoutes(deps)); // users and roles, audited
  app.put(
    "/admin/users/:id/roles",
    guard(async (c) => {
      // The whole set at once; each difference is a grant or revoke, audited like the
      // POST .../roles/grant|revoke endpoints (edge/routes/admin_users.ts).
      const who = await requireUserIdentity(c, resolver);
      requireAdmin(who);
      const { roles } = await parseBody(c, RolesInput);
      const actor = await requireUser(store, who.userId);
      const { user } = await replaceRoles(store, { id: pathParam(c, "id") }, roles, {
        via: "api",
        userId: actor.id,
        name: actor.username,
      });
      resolver.forgetUser(user.id);
      return c.json({ user: me(user) });
    }),
  );
  app.put(
    "/admin/users/:id/ban",
    guard(async (c) => {
      requireAdmin(await requireUserIdentity(c, resolver));
      const { banned } = await parseBody(c, BanInput);
      const user = await setStatus(store, pathParam(c, "id"), banned ? "banned" : "active");
      resolver.forgetUser(user.id);
      if (banned) await sessions.logoutAll(user.id);
      return c.json({ user: me(user) });
    }),
  );
  return app;
}
