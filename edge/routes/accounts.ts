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
import { login, register } from "../accounts/auth.ts";
import {
  follow,
  followCounts,
  isFollowing,
  listFollows,
  liveNow,
  unfollow,
} from "../accounts/follows.ts";
import { bearerToken, requireAdmin, requireUserIdentity } from "../accounts/http.ts";
import { OAUTH_STATE_COOKIE } from "../accounts/oauth.ts";
import {
  canManage,
  createRoom,
  deleteRoom,
  endStream,
  requireRoom,
  type Room,
  roomsOf,
  startStream,
  updateRoom,
} from "../accounts/rooms.ts";
import type { RoomSettingsPublisher } from "../accounts/rooms_settings.ts";
import type { IpLimits } from "../ip_limits.ts";
import type { Accounts } from "../accounts/service.ts";
import type { IssuedSession } from "../accounts/sessions.ts";
import { AccountError } from "../accounts/errors.ts";
import { languageFromAcceptLanguage } from "../accounts/user_language.ts";
import { replaceRoles } from "../accounts/roles.ts";
import { adminUsersRoutes } from "./admin_users.ts";
import {
  findByUsername,
  publicProfile,
  requireUser,
  setStatus,
  setUserLanguage,
  type User,
} from "../accounts/users.ts";
import { declared } from "../openapi/area.ts";
import { accountsApi, adminUsersApi, streamerRoomsApi } from "../openapi/lazy_areas.ts";
import { mount } from "../openapi/router.ts";

function me(user: User) {
  return {
    ...publicProfile(user),
    email: user.email,
    emailVerified: user.emailVerified,
    status: user.status,
    createdAt: user.createdAt.toISOString(),
    language: user.language,
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
  /**
   * An account from before languages were kept learns one from the request's Accept-Language
   * (when it names Chinese or English) the next time it signs in or reads `/me`.
   */
  const learnLanguage = async (c: Context, user: User): Promise<User> => {
    if (user.language !== null) return user;
    const heard = languageFromAcceptLanguage(c.req.header("accept-language"));
    if (!heard) return user;
    return (await setUserLanguage(store, user.id, heard, true)) ?? user;
  };

  // --- password auth and sessions
  mount(
    app,
    declared(accountsApi, "post", "/auth/register"),
    guard(async (c, input) => {
      const refused = opts.ipLimits?.authAttempt(c);
      if (refused) return refused;
      const body = await input.json();
      const { user, session } = await register(
        store,
        sessions,
        body,
        c.req.header("accept-language"),
      );
      return c.json(sessionBody(user, session), 201);
    }),
  );
  mount(
    app,
    declared(accountsApi, "post", "/auth/login"),
    guard(async (c, input) => {
      const refused = opts.ipLimits?.authAttempt(c);
      if (refused) return refused;
      const body = await input.json();
      const { user, session } = await login(store, sessions, body, deps.loginThrottle);
      return c.json(sessionBody(await learnLanguage(c, user), session));
    }),
  );
  mount(
    app,
    declared(accountsApi, "post", "/auth/refresh"),
    guard(async (c, input) => {
      const { refreshToken } = await input.json();
      const session = await sessions.refresh(refreshToken);
      return c.json(sessionBody(await requireUser(store, session.userId), session));
    }),
  );
  mount(
    app,
    declared(accountsApi, "post", "/auth/logout"),
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      await sessions.logout(who.userId, who.sessionId);
      return c.json({ ok: true });
    }),
  );
  mount(
    app,
    declared(accountsApi, "post", "/auth/logout-all"),
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      return c.json({ ok: true, revoked: await sessions.logoutAll(who.userId) });
    }),
  );
  mount(
    app,
    declared(accountsApi, "get", "/me"),
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      const user = await learnLanguage(c, await requireUser(store, who.userId));
      return c.json({ user: me(user), ...(await followCounts(store, user.id)) });
    }),
  );
  mount(
    app,
    declared(accountsApi, "put", "/me/language"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      const { language } = await input.json();
      const user = await setUserLanguage(store, who.userId, language);
      if (!user) throw new AccountError("unknown_user", "no such user");
      return c.json({ user: me(user) });
    }),
  );

  // --- OAuth2 (authorization code + PKCE + state)
  mount(
    app,
    declared(accountsApi, "get", "/auth/providers"),
    (c) => c.json({ providers: oauth.configured }),
  );
  mount(
    app,
    declared(accountsApi, "get", "/oauth/{provider}/start"),
    guard(async (c, input) => {
      // With a bearer token the provider is linked to the signed-in account.
      const linkUser = bearerToken(c) ? (await requireUserIdentity(c, resolver)).userId : undefined;
      const { url, state } = await oauth.start(input.param().provider, linkUser);
      setCookie(c, OAUTH_STATE_COOKIE, state, {
        httpOnly: true,
        sameSite: "Lax",
        secure: deps.secureCookies,
        path: "/api/oauth",
        maxAge: 600,
      });
      if (input.query().mode === "json") return c.json({ url });
      return c.redirect(url, 302);
    }),
  );
  mount(
    app,
    declared(accountsApi, "get", "/oauth/{provider}/callback"),
    async (c, input) => {
      try {
        const { provider } = input.param();
        const query = input.query();
        const cookieState = getCookie(c, OAUTH_STATE_COOKIE);
        deleteCookie(c, OAUTH_STATE_COOKIE, { path: "/api/oauth" });
        const user = await oauth.callback(provider, {
          code: query.code,
          state: query.state,
          error: query.error,
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
  mount(
    app,
    declared(accountsApi, "get", "/users/{id}"),
    guard(async (c, input) => {
      const user = await requireUser(store, input.param().id);
      return c.json({ user: publicProfile(user), ...(await followCounts(store, user.id)) });
    }),
  );
  mount(
    app,
    declared(accountsApi, "get", "/usernames/{username}"),
    guard(async (c, input) => {
      const name = input.param().username;
      const found = await findByUsername(store, name);
      if (!found) throw new AccountError("unknown_user", `no user named ${name}`);
      return c.json({ user: publicProfile(found.user) });
    }),
  );
  mount(
    app,
    declared(accountsApi, "post", "/users/{id}/follow"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      const target = input.param().id;
      return c.json({ following: true, ...(await follow(store, who.userId, target)) });
    }),
  );
  mount(
    app,
    declared(accountsApi, "delete", "/users/{id}/follow"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      const target = input.param().id;
      return c.json({ following: false, ...(await unfollow(store, who.userId, target)) });
    }),
  );
  for (const direction of ["followers", "following"] as const) {
    mount(
      app,
      declared(accountsApi, "get", `/users/{id}/${direction}`),
      guard(async (c, input) => {
        const userId = input.param().id;
        await requireUser(store, userId);
        const { limit, before } = input.query();
        const page = { limit, before: before === undefined ? undefined : new Date(before) };
        return c.json({ [direction]: await listFollows(store, userId, direction, page) });
      }),
    );
  }
  mount(
    app,
    declared(accountsApi, "get", "/me/following/live"),
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      return c.json({ live: await liveNow(store, who.userId) });
    }),
  );
  // After `/me/following/live` (routes match in order).
  mount(
    app,
    declared(accountsApi, "get", "/me/following/{id}"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      const target = input.param().id;
      return c.json({ following: await isFollowing(store, who.userId, target) });
    }),
  );

  // --- streamer rooms
  mount(
    app,
    declared(streamerRoomsApi, "post", "/rooms"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      const room = await createRoom(store, who.userId, await input.json());
      return c.json({ room, settingsApplied: await pushSettings(room.id, room) }, 201);
    }),
  );
  mount(
    app,
    declared(streamerRoomsApi, "get", "/me/rooms"),
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      return c.json({ rooms: await roomsOf(store, who.userId) });
    }),
  );
  mount(
    app,
    declared(streamerRoomsApi, "get", "/rooms/{id}/settings"),
    guard(async (c, input) => c.json({ room: await requireRoom(store, input.param().id) })),
  );
  mount(
    app,
    declared(streamerRoomsApi, "patch", "/rooms/{id}"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      const patch = await input.json();
      const room = await updateRoom(store, who, input.param().id, patch);
      return c.json({ room, settingsApplied: await pushSettings(room.id, room) });
    }),
  );
  mount(
    app,
    declared(streamerRoomsApi, "delete", "/rooms/{id}"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      const roomId = input.param().id;
      await deleteRoom(store, who, roomId);
      return c.json({ ok: true, settingsApplied: await pushSettings(roomId, null) });
    }),
  );
  for (const action of ["start", "stop"] as const) {
    mount(
      app,
      declared(streamerRoomsApi, "post", `/rooms/{id}/stream/${action}`),
      guard(async (c, input) => {
        const who = await requireUserIdentity(c, resolver);
        const room = await requireRoom(store, input.param().id);
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
  mount(
    app,
    declared(adminUsersApi, "put", "/admin/users/{id}/roles"),
    guard(async (c, input) => {
      // The whole set at once; each difference is a grant or revoke, audited like the
      // POST .../roles/grant|revoke endpoints (edge/routes/admin_users.ts).
      const who = await requireUserIdentity(c, resolver);
      requireAdmin(who);
      const { roles } = await input.json();
      const actor = await requireUser(store, who.userId);
      const { user } = await replaceRoles(store, { id: input.param().id }, roles, {
        via: "api",
        userId: actor.id,
        name: actor.username,
      });
      resolver.forgetUser(user.id);
      return c.json({ user: me(user) });
    }),
  );
  mount(
    app,
    declared(adminUsersApi, "put", "/admin/users/{id}/ban"),
    guard(async (c, input) => {
      requireAdmin(await requireUserIdentity(c, resolver));
      const { banned } = await input.json();
      const user = await setStatus(store, input.param().id, banned ? "banned" : "active");
      resolver.forgetUser(user.id);
      if (banned) await sessions.logoutAll(user.id);
      return c.json({ user: me(user) });
    }),
  );
  return app;
}
