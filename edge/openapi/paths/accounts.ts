/** Declarations of edge/routes/accounts.ts and admin_users.ts (accounts on PGlite/Postgres). */
import { LoginInput, RegisterInput } from "../../accounts/auth.ts";
import { CreateRoomInput, UpdateRoomInput } from "../../accounts/rooms.ts";
import { ROLES } from "../../accounts/users.ts";
import { USER_LANGUAGES, UserLanguageInput } from "../../accounts/user_language.ts";
import { area, type Replies } from "../area.ts";
import { BEARER, errors, json, jsonBody, Ok, RoomIdParam, z } from "../schemas.ts";

const Profile = z.looseObject({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  roles: z.array(z.enum(ROLES)),
}).openapi("Profile");

const Me = Profile.extend({
  email: z.string().nullable().optional(),
  emailVerified: z.boolean().optional(),
  status: z.string(),
  createdAt: z.string(),
  language: z.enum(USER_LANGUAGES).nullable().optional().openapi({
    description: "what notifications are written in; null: not known yet (an older account)",
  }),
}).openapi("Me");

const Session = z.object({
  user: Me,
  accessToken: z.string(),
  tokenType: z.literal("Bearer"),
  expiresIn: z.number().int(),
  refreshToken: z.string(),
  refreshExpiresAt: z.string(),
}).openapi("Session");

const Room = z.looseObject({
  id: z.string(),
  ownerId: z.string(),
  title: z.string(),
  category: z.string(),
  coverUrl: z.string().nullable(),
  guestChat: z.boolean(),
  /** `auto` or a BCP-47 tag (zh-CN, en...): the language of the room's AI output. */
  language: z.string(),
  liveStreamId: z.string().nullable(),
  admins: z.array(z.string()),
}).openapi("Room");

const SESSION_EXAMPLE = {
  user: {
    id: "u_1",
    username: "rose",
    displayName: "Rose",
    roles: ["viewer" as const],
    status: "active",
    createdAt: "2026-12-04T20:00:00.000Z",
  },
  accessToken: "eyJhbGciOiJIUzI1NiJ9.e30.sig",
  tokenType: "Bearer" as const,
  expiresIn: 900,
  refreshToken: "rt_0123456789abcdef",
  refreshExpiresAt: "2027-01-03T20:00:00.000Z",
};

const AUTH = ["token_missing", "token_expired", "token_bad_signature", "session_revoked"];
const AUTH_ERRORS = errors({ 400: ["invalid_request"], 401: AUTH, 404: ["unknown_user"] });
const ADMIN_ERRORS = errors({
  400: ["invalid_request", "unknown_role", "role_not_grantable"],
  401: AUTH,
  403: ["forbidden"],
  404: ["unknown_user"],
  409: ["last_admin"],
});
const ROOM_ERRORS = errors({
  400: ["invalid_request"],
  401: AUTH,
  403: ["forbidden"],
  404: ["unknown_room"],
  409: ["room_taken", "room_limit", "room_has_history"],
});
export const RefreshInput = z.object({ refreshToken: z.string().min(1).max(200) }).strict();
export const RolesInput = z.object({ roles: z.array(z.string().max(40)).max(ROLES.length) })
  .strict();
export const BanInput = z.object({ banned: z.boolean() }).strict();
export const RoleInput = z.object({ role: z.string().min(1).max(40) }).strict();
const UsersQuery = z.object({
  q: z.string().max(24).optional(),
  role: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  after: z.string().max(64).optional(),
});
const UserParam = z.object({ id: z.string().min(1).max(64) });
const Page = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.iso.datetime({ offset: true }).optional().openapi({
    description: "ISO date-time: older than",
  }),
});
const RoomChange = z.object({ room: Room, settingsApplied: z.boolean() });
/** One row of a follow list (edge/accounts/follows.ts `FollowEntry`). */
const FollowEntry = z.object({
  userId: z.string(),
  username: z.string(),
  displayName: z.string(),
  since: z.string().openapi({ format: "date-time" }),
}).openapi("FollowEntry");
/** A followed streamer's live room (edge/accounts/follows.ts `LiveRoom`). */
const LiveRoom = z.object({
  roomId: z.string(),
  title: z.string(),
  category: z.string(),
  coverUrl: z.string().nullable(),
  streamId: z.string(),
  startedAt: z.string().openapi({ format: "date-time" }),
  owner: z.object({ id: z.string(), username: z.string(), displayName: z.string() }),
}).openapi("LiveRoom");

export const accountsApi = area(
  "accounts",
  "Sign-up, sessions, OAuth, people and follows",
  "/api",
  [
    {
      method: "post",
      path: "/auth/register",
      summary: "Create an account (and a session)",
      request: jsonBody(RegisterInput, { username: "rose", password: "a fine password" }),
      responses: () => ({
        201: json(Session, "the new account's session", SESSION_EXAMPLE),
        ...errors({ 400: ["invalid_request"], 409: ["username_taken"], 429: ["rate_limited"] }),
      }),
    },
    {
      method: "post",
      path: "/auth/login",
      summary: "Sign in with a password",
      request: jsonBody(LoginInput, { username: "rose", password: "a fine password" }),
      responses: () => ({
        200: json(Session, "a session", SESSION_EXAMPLE),
        ...errors({
          400: ["invalid_request"],
          401: ["invalid_credentials"],
          403: ["account_banned"],
          429: ["too_many_attempts", "rate_limited"],
        }),
      }),
    },
    {
      method: "post",
      path: "/auth/refresh",
      summary: "Trade a refresh token for a new session (the old one is spent)",
      request: jsonBody(RefreshInput, { refreshToken: "rt_0123456789abcdef" }),
      responses: () => ({
        200: json(Session, "a new session"),
        ...errors({
          400: ["invalid_request"],
          401: ["refresh_invalid", "refresh_expired", "refresh_revoked", "refresh_reused"],
        }),
      }),
    },
    {
      method: "post",
      path: "/auth/logout",
      summary: "End this session",
      security: BEARER,
      responses: () => ({ 200: json(Ok, "done", { ok: true }), ...AUTH_ERRORS }),
    },
    {
      method: "post",
      path: "/auth/logout-all",
      summary: "End every session of this account",
      security: BEARER,
      responses: () => ({
        200: json(Ok.extend({ revoked: z.number().int() }), "done", { ok: true, revoked: 2 }),
        ...AUTH_ERRORS,
      }),
    },
    {
      method: "get",
      path: "/me",
      summary: "The signed-in account with its follow counts",
      security: BEARER,
      responses: () => ({ 200: json(z.looseObject({ user: Me }), "me"), ...AUTH_ERRORS }),
    },
    {
      method: "put",
      path: "/me/language",
      summary: "The language notifications are written in (zh-CN or en)",
      description: "Set at sign-up from the body's `language` or the request's " +
        "`Accept-Language`; the web client sends its language switch here.",
      security: BEARER,
      request: jsonBody(z.object({ language: UserLanguageInput }).strict(), { language: "zh-CN" }),
      responses: () => ({ 200: json(z.object({ user: Me }), "me"), ...AUTH_ERRORS }),
    },
    {
      method: "get",
      path: "/auth/providers",
      summary: "OAuth providers configured here",
      responses: () => ({
        200: json(z.object({ providers: z.array(z.string()) }), "providers", {
          providers: ["github"],
        }),
      }),
    },
    {
      method: "get",
      path: "/oauth/{provider}/start",
      summary: "Start OAuth (302 to the provider, or `{url}` with `mode=json`)",
      description: "With a bearer token the provider is linked to the signed-in account.",
      request: {
        params: z.object({ provider: z.string() }),
        query: z.object({ mode: z.enum(["json"]).optional() }),
      },
      responses: () => ({
        200: json(z.object({ url: z.string() }), "with mode=json"),
        302: { description: "to the provider" },
        ...errors({ 404: ["oauth_unknown_provider"], 503: ["oauth_not_configured"] }),
      }),
    },
    {
      method: "get",
      path: "/oauth/{provider}/callback",
      summary: "OAuth callback: a session (JSON), or a browser redirect to `/#/oauth?...`",
      request: {
        params: z.object({ provider: z.string() }),
        query: z.object({
          code: z.string().optional(),
          state: z.string().optional(),
          error: z.string().optional(),
        }),
      },
      responses: () => ({
        200: json(Session, "a session"),
        302: { description: "a browser (Accept: text/html) goes back to the web client" },
        ...errors({
          400: ["oauth_state_mismatch", "oauth_denied"],
          404: ["oauth_unknown_provider"],
          409: ["oauth_already_linked"],
          502: ["oauth_provider_error"],
        }),
      }),
    },
    {
      method: "get",
      path: "/users/{id}",
      summary: "A public profile with follow counts",
      request: { params: UserParam },
      responses: () => ({
        200: json(z.looseObject({ user: Profile }), "the profile"),
        ...AUTH_ERRORS,
      }),
    },
    {
      method: "get",
      path: "/usernames/{username}",
      summary: "Find a profile by username",
      request: { params: z.object({ username: z.string().min(1).max(64) }) },
      responses: () => ({ 200: json(z.object({ user: Profile }), "the profile"), ...AUTH_ERRORS }),
    },
    {
      method: "post",
      path: "/users/{id}/follow",
      summary: "Follow someone",
      security: BEARER,
      request: { params: UserParam },
      responses: () => ({
        200: json(z.looseObject({ following: z.literal(true) }), "following"),
        ...errors({ 400: ["cannot_follow_self"], 401: AUTH, 404: ["unknown_user"] }),
      }),
    },
    {
      method: "delete",
      path: "/users/{id}/follow",
      summary: "Stop following",
      security: BEARER,
      request: { params: UserParam },
      responses: () => ({
        200: json(z.looseObject({ following: z.literal(false) }), "not following"),
        ...AUTH_ERRORS,
      }),
    },
    {
      method: "get",
      path: "/users/{id}/followers",
      summary: "Who follows this user (newest first)",
      request: { params: UserParam, query: Page },
      responses: () => ({
        200: json(z.object({ followers: z.array(FollowEntry) }), "a page"),
        ...AUTH_ERRORS,
      }),
    },
    {
      method: "get",
      path: "/users/{id}/following",
      summary: "Whom this user follows (newest first)",
      request: { params: UserParam, query: Page },
      responses: () => ({
        200: json(z.object({ following: z.array(FollowEntry) }), "a page"),
        ...AUTH_ERRORS,
      }),
    },
    {
      method: "get",
      path: "/me/following/live",
      summary: "Streamers I follow who are live now",
      security: BEARER,
      responses: () => ({
        200: json(z.object({ live: z.array(LiveRoom) }), "live rooms"),
        ...AUTH_ERRORS,
      }),
    },
    {
      method: "get",
      path: "/me/following/{id}",
      summary: "Do I follow this user?",
      security: BEARER,
      request: { params: UserParam },
      responses: () => ({
        200: json(z.object({ following: z.boolean() }), "yes or no", { following: true }),
        ...AUTH_ERRORS,
      }),
    },
  ],
);

export const streamerRoomsApi = area(
  "streamer rooms",
  "Registered rooms and their settings",
  "/api",
  [
    {
      method: "post",
      path: "/rooms",
      summary: "Register a room (its settings reach the live room at once)",
      security: BEARER,
      request: jsonBody(CreateRoomInput, { id: "rose-live", title: "Night chat" }),
      responses: () => ({ 201: json(RoomChange, "the room"), ...ROOM_ERRORS }),
    },
    {
      method: "get",
      path: "/me/rooms",
      summary: "My rooms",
      security: BEARER,
      responses: () => ({ 200: json(z.object({ rooms: z.array(Room) }), "rooms"), ...ROOM_ERRORS }),
    },
    {
      method: "get",
      path: "/rooms/{id}/settings",
      summary: "A registered room's settings",
      request: { params: RoomIdParam },
      responses: () => ({ 200: json(z.object({ room: Room }), "the room"), ...ROOM_ERRORS }),
    },
    {
      method: "patch",
      path: "/rooms/{id}",
      summary: "Change a room's title, category, cover, guest chat or admins",
      security: BEARER,
      request: { params: RoomIdParam, ...jsonBody(UpdateRoomInput, { guestChat: false }) },
      responses: () => ({ 200: json(RoomChange, "the room"), ...ROOM_ERRORS }),
    },
    {
      method: "delete",
      path: "/rooms/{id}",
      summary: "Delete a room that has no history",
      security: BEARER,
      request: { params: RoomIdParam },
      responses: () => ({
        200: json(Ok.extend({ settingsApplied: z.boolean() }), "deleted"),
        ...ROOM_ERRORS,
      }),
    },
    ...(["start", "stop"] as const).map((action) => ({
      method: "post" as const,
      path: `/rooms/{id}/stream/${action}`,
      summary: action === "start"
        ? "Mark the room's stream started (owner)"
        : "End the room's stream (owner): the record ends and the room goes offline for viewers",
      security: BEARER,
      request: { params: RoomIdParam },
      responses: () => ({
        200: json(
          z.object({ roomId: z.string(), live: z.boolean(), streamId: z.string().nullable() }),
          "the stream",
        ),
        ...ROOM_ERRORS,
      }),
    })),
  ],
);

export const adminUsersApi = area("admin", "Platform administration (role `admin`)", "/api", [
  {
    method: "get",
    path: "/admin/users",
    summary: "Find users (by name, by role), paged",
    security: BEARER,
    request: { query: UsersQuery },
    responses: (replies) => ({
      200: json(replies.AdminReplySchemas.users, "a page of users"),
      ...ADMIN_ERRORS,
    }),
  },
  {
    method: "get",
    path: "/admin/users/{id}",
    summary: "One user with roles and status",
    security: BEARER,
    request: { params: UserParam },
    responses: (replies) => ({
      200: json(replies.AdminReplySchemas.user, "the user and their role changes"),
      ...ADMIN_ERRORS,
    }),
  },
  ...(["grant", "revoke"] as const).map((verb) => ({
    method: "post" as const,
    path: `/admin/users/{id}/roles/${verb}`,
    summary: `${verb === "grant" ? "Grant" : "Revoke"} one role (audited)`,
    security: BEARER,
    request: { params: UserParam, ...jsonBody(RoleInput, { role: "finance" }) },
    responses: (replies: Replies) => ({
      200: json(replies.AdminReplySchemas.change, "the user"),
      ...ADMIN_ERRORS,
    }),
  })),
  {
    method: "get",
    path: "/admin/role-events",
    summary: "The role audit log, newest first",
    security: BEARER,
    request: {
      query: z.object({
        limit: z.coerce.number().int().min(1).max(200).default(50),
        before: z.string().regex(/^\d{1,19}$/).optional().openapi({
          description: "an event id: older than",
        }),
      }),
    },
    responses: (replies) => ({
      200: json(replies.AdminReplySchemas.events, "a page of events"),
      ...ADMIN_ERRORS,
    }),
  },
  {
    method: "put",
    path: "/admin/users/{id}/roles",
    summary: "Replace a user's roles (each difference audited)",
    security: BEARER,
    request: { params: UserParam, ...jsonBody(RolesInput, { roles: ["admin"] }) },
    responses: () => ({ 200: json(z.object({ user: Me }), "the user"), ...ADMIN_ERRORS }),
  },
  {
    method: "put",
    path: "/admin/users/{id}/ban",
    summary: "Ban (all sessions end) or unban a user",
    security: BEARER,
    request: { params: UserParam, ...jsonBody(BanInput, { banned: true }) },
    responses: () => ({ 200: json(z.object({ user: Me }), "the user"), ...ADMIN_ERRORS }),
  },
]);
