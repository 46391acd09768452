/**
 * Declarations of edge/routes/notifications.ts: the inbox, preferences per kind and channel,
 * Web Push subscriptions, the e-mail address's verification, one-click unsubscribe.
 */
import { NOTIFY_CHANNELS, NOTIFY_KINDS } from "../../../actors/notifications/kinds.ts";
import { area } from "../area.ts";
import { BEARER, errors, json, jsonBody, text, z } from "../schemas.ts";

const AUTH_ERRORS = {
  401: ["token_missing", "token_expired", "token_bad_signature", "session_revoked"],
} as const;

const Kind = z.enum(NOTIFY_KINDS);
const Channel = z.enum(NOTIFY_CHANNELS);
const Switches = z.object({ in_app: z.boolean(), push: z.boolean(), email: z.boolean() });
export const Preferences = z.object({
  live: Switches,
  withdrawal_paid: Switches,
  recording_ready: Switches,
}).openapi("NotificationPreferences");
const Notification = z.object({
  id: z.string(),
  kind: Kind,
  payload: z.looseObject({
    streamer: z.object({ displayName: z.string(), username: z.string() }).nullable().optional(),
    roomTitle: z.string().nullable().optional(),
    roomId: z.string().optional(),
    recordingId: z.string().optional(),
    withdrawalId: z.string().optional(),
    amount: z.string().optional(),
    reference: z.string().optional(),
  }).openapi({
    description: "The event's own fields (its webhook payload: more may come) with the " +
      "subject's `streamer` and `roomTitle`. live: roomId, streamer, roomTitle · " +
      "withdrawal_paid: withdrawalId, amount, reference · recording_ready: roomId, " +
      "recordingId, roomTitle",
  }),
  createdAt: z.string(),
  readAt: z.string().nullable(),
}).openapi("Notification");

export const InboxQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(30).openapi({ description: "1-100 (30)" }),
  before: z.string().regex(/^\d{1,18}$/).optional().openapi({ description: "a page's `next`" }),
});
export const ReadInput = z.object({
  ids: z.array(z.string().regex(/^\d{1,18}$/)).min(1).max(200).optional(),
}).strict();
export const PreferencesInput = z.object({
  changes: z.array(z.object({ kind: Kind, channel: Channel, enabled: z.boolean() }).strict())
    .min(1).max(NOTIFY_KINDS.length * NOTIFY_CHANNELS.length),
}).strict();
const B64url = (max: number) => z.string().regex(/^[A-Za-z0-9_-]+={0,2}$/).max(max);
export const SubscribeInput = z.object({
  endpoint: z.string().max(2000).refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === "https:" || u.protocol === "http:") && !u.username && !u.password;
    } catch {
      return false;
    }
  }, "an http(s) URL without credentials"),
  keys: z.object({ p256dh: B64url(200), auth: B64url(50) }),
  expirationTime: z.number().nullable().optional(),
});
export const UnsubscribePushQuery = z.object({ endpoint: z.string().min(1).max(2000) });
export const EmailInput = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email()).pipe(z.string().max(254)).optional(),
}).strict();
export const TokenQuery = z.object({
  token: z.string().min(1).max(2200).openapi({ description: "the signed link's token" }),
});

const EmailState = z.object({
  available: z.boolean().openapi({ description: "an SMTP server is configured" }),
  address: z.string().nullable(),
  verified: z.boolean(),
});
const PREFS_EXAMPLE = {
  live: { in_app: true, push: true, email: false },
  withdrawal_paid: { in_app: true, push: true, email: true },
  recording_ready: { in_app: true, push: false, email: true },
};

export const inboxRoute = {
  method: "get" as const,
  path: "/notifications",
  summary: "My notifications (the inbox), newest first, with the unread count",
  security: BEARER,
  request: { query: InboxQuery },
  responses: () => ({
    200: json(
      z.object({
        notifications: z.array(Notification),
        unread: z.number().int(),
        next: z.string().nullable(),
      }),
      "the inbox",
      {
        notifications: [{
          id: "42",
          kind: "live" as const,
          payload: { roomId: "r1", streamer: { displayName: "Ann", username: "ann" } },
          createdAt: "2026-12-05T01:00:00.000Z",
          readAt: null,
        }],
        unread: 1,
        next: null,
      },
    ),
    ...errors({ ...AUTH_ERRORS, 400: ["invalid_request"] }),
  }),
};

export const notificationsApi = area(
  "notifications",
  "Notifications: the inbox, preferences per kind and channel, Web Push, e-mail, unsubscribe",
  "/api",
  [
    inboxRoute,
    {
      method: "get",
      path: "/notifications/unread",
      summary: "How many of my notifications are unread (the bell's badge)",
      security: BEARER,
      responses: () => ({
        200: json(z.object({ unread: z.number().int() }), "count", { unread: 3 }),
        ...errors(AUTH_ERRORS),
      }),
    },
    {
      method: "post",
      path: "/notifications/read",
      summary: "Mark notifications read (`ids`), or all of them (no `ids`)",
      security: BEARER,
      request: jsonBody(ReadInput, { ids: ["42"] }),
      responses: () => ({
        200: json(z.object({ unread: z.number().int() }), "unread left", { unread: 0 }),
        ...errors({ ...AUTH_ERRORS, 400: ["invalid_request"] }),
      }),
    },
    {
      method: "get",
      path: "/notifications/preferences",
      summary: "My switches per kind × channel, and what each channel can reach",
      security: BEARER,
      responses: () => ({
        200: json(
          z.object({
            preferences: Preferences,
            email: EmailState,
            push: z.object({ publicKey: z.string(), subscriptions: z.number().int() }),
          }),
          "preferences",
          {
            preferences: PREFS_EXAMPLE,
            email: { available: true, address: "ann@example.com", verified: true },
            push: { publicKey: "BJKhcFzh...", subscriptions: 1 },
          },
        ),
        ...errors(AUTH_ERRORS),
      }),
    },
    {
      method: "put",
      path: "/notifications/preferences",
      summary: "Turn (kind, channel) switches on or off; the others keep their values",
      security: BEARER,
      request: jsonBody(PreferencesInput, {
        changes: [{ kind: "live", channel: "email", enabled: false }],
      }),
      responses: () => ({
        200: json(z.object({ preferences: Preferences }), "all switches now", {
          preferences: PREFS_EXAMPLE,
        }),
        ...errors({ ...AUTH_ERRORS, 400: ["invalid_request"] }),
      }),
    },
    {
      method: "get",
      path: "/notifications/push/key",
      summary: "The VAPID public key (RFC 8292) browsers subscribe with (`applicationServerKey`)",
      responses: () => ({
        200: json(z.object({ publicKey: z.string() }), "key", { publicKey: "BJKhcFzh..." }),
      }),
    },
    {
      method: "post",
      path: "/notifications/push/subscriptions",
      summary: "Add this browser's push subscription (`PushSubscription.toJSON()`)",
      security: BEARER,
      request: jsonBody(SubscribeInput, {
        endpoint: "https://push.example.net/send/abc",
        keys: { p256dh: "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA", auth: "tBHItJI5svbpez7KI4CCXg" },
      }),
      responses: () => ({
        201: json(z.object({ id: z.string() }), "subscribed", { id: "ps_0a1b2c" }),
        ...errors({
          ...AUTH_ERRORS,
          400: ["invalid_request", "url_unresolvable"],
          403: ["url_forbidden"],
          409: ["too_many_subscriptions"],
        }),
      }),
    },
    {
      method: "delete",
      path: "/notifications/push/subscriptions",
      summary: "Remove a browser's push subscription by its endpoint",
      security: BEARER,
      request: { query: UnsubscribePushQuery },
      responses: () => ({
        200: json(z.object({ deleted: z.literal(true) }), "removed", { deleted: true }),
        ...errors({ ...AUTH_ERRORS, 400: ["invalid_request"], 404: ["unknown_subscription"] }),
      }),
    },
    {
      method: "post",
      path: "/notifications/email",
      summary: "Set my e-mail address (optional) and send it a verification link; only a " +
        "verified address gets notification e-mail",
      security: BEARER,
      request: jsonBody(EmailInput, { email: "ann@example.com" }, false),
      responses: () => ({
        202: json(z.object({ email: EmailState }), "link sent", {
          email: { available: true, address: "ann@example.com", verified: false },
        }),
        ...errors({
          ...AUTH_ERRORS,
          400: ["invalid_request"],
          409: ["no_email"],
          429: ["rate_limited"],
          503: ["email_unavailable"],
        }),
      }),
    },
    {
      method: "get",
      path: "/notifications/email/verify",
      summary: "The verification link of a notification e-mail address (a page)",
      request: { query: TokenQuery },
      responses: () => ({
        200: text("text/html", "verified"),
        400: text("text/html", "the link is invalid or expired (`invalid_link`)"),
        409: text("text/html", "another account verified this address (`email_taken`)"),
      }),
    },
    {
      method: "get",
      path: "/notifications/unsubscribe",
      summary: "A notification e-mail's unsubscribe link: a page with one button",
      request: { query: TokenQuery },
      responses: () => ({
        200: text("text/html", "the page"),
        400: text("text/html", "the link is invalid (`invalid_link`)"),
      }),
    },
    {
      method: "post",
      path: "/notifications/unsubscribe",
      summary: "One-click unsubscribe (RFC 8058: the mail's List-Unsubscribe-Post, or the " +
        "page's button): that kind of notification by that channel is turned off",
      request: { query: TokenQuery },
      responses: () => ({
        200: text("text/html", "unsubscribed"),
        400: text("text/html", "the link is invalid (`invalid_link`)"),
      }),
    },
  ],
);
