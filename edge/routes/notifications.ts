/**
 * Notifications under /api/notifications: the signed-in user's inbox (the bell), their
 * switches per kind × channel, their browsers' Web Push subscriptions, their e-mail
 * address's verification, and the one-click unsubscribe link of every notification e-mail
 * (RFC 8058: a POST unsubscribes at once; a GET shows a page with one button, since mail
 * scanners follow links). Declared in edge/openapi/paths/notifications.ts.
 */
import { type Context, Hono } from "hono";
import type { NotificationStore } from "../../actors/notifications/store.ts";
import type { SqlExecutor } from "../../engine/sql/sql.ts";
import { sqlState, UNIQUE_VIOLATION } from "../../engine/sql/sql.ts";
import type { Logger } from "../../engine/log.ts";
import { requireUserIdentity } from "../accounts/http.ts";
import type { AccountsIdentityResolver } from "../accounts/identity_resolver.ts";
import { codedErrorResponse } from "../http_errors.ts";
import type { Mailer } from "../notifications/mailer.ts";
import { type NotifyLanguage, verifyMail } from "../notifications/messages.ts";
import { type SignedLinks, VERIFY_LINK_TTL_MS } from "../notifications/signed_links.ts";
import { declared } from "../openapi/area.ts";
import { mount } from "../openapi/router.ts";
import { notificationsApi as api } from "../openapi/lazy_areas.ts";

export interface NotificationRouteDeps {
  store: NotificationStore;
  /** The accounts' database (the user's e-mail address). */
  sql: SqlExecutor;
  resolver: AccountsIdentityResolver;
  links: SignedLinks;
  /** The SMTP mailer (absent: no e-mail). */
  mailer?: Mailer;
  publicUrl: string;
  vapidPublicKey: () => Promise<string>;
  /** Refuses a push endpoint on a private network (`url_forbidden`). */
  checkPushEndpoint: (endpoint: string) => Promise<void>;
  log: Logger;
}

/** One verification mail per user per this long. */
const VERIFY_MAIL_EVERY_MS = 60_000;

class CodedError extends Error {
  constructor(readonly code: string, message: string, readonly status: number) {
    super(message);
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small bilingual page (the links are opened from a mail, outside the web client). */
function page(c: Context, status: 200 | 400 | 409, title: string, body: string) {
  return c.html(
    `<!doctype html><html><head><meta charset="utf-8">` +
      `<meta name="viewport" content="width=device-width,initial-scale=1">` +
      `<title>${escapeHtml(title)}</title>` +
      `<style>body{font:16px system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}` +
      `button{font-size:1rem;padding:.5rem 1rem}</style></head>` +
      `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
    status,
  );
}

const KIND_WORDS: Record<string, string> = {
  live: "开播提醒 · “is live” notifications",
  withdrawal_paid: "提现到账 · withdrawal paid notifications",
  recording_ready: "录像就绪 · recording ready notifications",
};

export function notificationRoutes(deps: NotificationRouteDeps): Hono {
  const app = new Hono();
  const { store, resolver, links, sql } = deps;
  const base = deps.publicUrl.replace(/\/+$/, "");
  const lastVerifyMail = new Map<string, number>();
  const guard =
    <I>(fn: (c: Context, input: I) => Promise<Response>) => async (c: Context, input: I) => {
      try {
        return await fn(c, input);
      } catch (err) {
        return codedErrorResponse(c, err, deps.log);
      }
    };
  const emailState = async (userId: string) => {
    const [u] = await sql.query<{ email: string | null; email_verified: boolean }>(
      "SELECT email, email_verified FROM users WHERE id = $1",
      [userId],
    );
    return {
      available: deps.mailer !== undefined,
      address: u?.email ?? null,
      verified: Boolean(u?.email && u.email_verified),
    };
  };

  mount(
    app,
    declared(api, "get", "/notifications"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      const q = input.query();
      const limit = q.limit;
      const got = await store.inbox(who.userId, {
        limit,
        before: q.before ? BigInt(q.before) : undefined,
      });
      const last = got.notifications.at(-1);
      return c.json({ ...got, next: got.notifications.length === limit && last ? last.id : null });
    }),
  );
  mount(
    app,
    declared(api, "get", "/notifications/unread"),
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      return c.json({ unread: await store.unread(who.userId) });
    }),
  );
  mount(
    app,
    declared(api, "post", "/notifications/read"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      const { ids } = await input.json();
      return c.json({ unread: await store.markRead(who.userId, ids) });
    }),
  );
  mount(
    app,
    declared(api, "get", "/notifications/preferences"),
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      return c.json({
        preferences: await store.preferences(who.userId),
        email: await emailState(who.userId),
        push: {
          publicKey: await deps.vapidPublicKey(),
          subscriptions: (await store.subscriptions(who.userId)).length,
        },
      });
    }),
  );
  mount(
    app,
    declared(api, "put", "/notifications/preferences"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      const { changes } = await input.json();
      return c.json({ preferences: await store.setPreferences(who.userId, changes) });
    }),
  );
  mount(
    app,
    declared(api, "get", "/notifications/push/key"),
    guard(async (c) => c.json({ publicKey: await deps.vapidPublicKey() })),
  );
  mount(
    app,
    declared(api, "post", "/notifications/push/subscriptions"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      const sub = await input.json();
      await deps.checkPushEndpoint(sub.endpoint);
      const id = await store.subscribe(who.userId, {
        endpoint: sub.endpoint,
        p256dh: sub.keys.p256dh,
        auth: sub.keys.auth,
      });
      return c.json({ id }, 201);
    }),
  );
  mount(
    app,
    declared(api, "delete", "/notifications/push/subscriptions"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      const { endpoint } = input.query();
      await store.unsubscribe(who.userId, endpoint);
      return c.json({ deleted: true });
    }),
  );
  mount(
    app,
    declared(api, "post", "/notifications/email"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      const { email } = await input.json();
      if (!deps.mailer) {
        throw new CodedError("email_unavailable", "this server sends no e-mail", 503);
      }
      const last = lastVerifyMail.get(who.userId) ?? 0;
      if (Date.now() - last < VERIFY_MAIL_EVERY_MS) {
        throw new CodedError("rate_limited", "one verification e-mail a minute", 429);
      }
      if (email) {
        await sql.query(
          `UPDATE users SET email = $2, email_verified = false
           WHERE id = $1 AND email IS DISTINCT FROM $2`,
          [who.userId, email],
        );
      }
      const state = await emailState(who.userId);
      if (!state.address) throw new CodedError("no_email", "give an e-mail address first", 409);
      lastVerifyMail.set(who.userId, Date.now());
      const token = await links.sign({
        t: "verify",
        u: who.userId,
        e: state.address,
        x: Date.now() + VERIFY_LINK_TTL_MS,
      });
      const link = `${base}/api/notifications/email/verify?token=${token}`;
      const [row] = await sql.query<{ language: NotifyLanguage }>(
        "SELECT language FROM users WHERE id = $1",
        [who.userId],
      );
      await deps.mailer.send({
        to: state.address,
        ...verifyMail(link, row?.language ?? null),
        messageKey: `verify.${who.userId}.${Date.now()}`,
      });
      return c.json({ email: state }, 202);
    }),
  );
  mount(app, declared(api, "get", "/notifications/email/verify"), async (c, input) => {
    const { token } = input.query();
    const claim = await links.open(token);
    if (claim?.t !== "verify") {
      return page(
        c,
        400,
        "链接无效 · Invalid link",
        "<p>This link is invalid or expired (invalid_link).</p>",
      );
    }
    try {
      const rows = await sql.query(
        `UPDATE users SET email_verified = true
         WHERE id = $1 AND lower(email) = lower($2) RETURNING 1`,
        [claim.u, claim.e],
      );
      if (rows.length === 0) {
        return page(
          c,
          400,
          "链接无效 · Invalid link",
          "<p>The address has changed since (invalid_link).</p>",
        );
      }
    } catch (err) {
      if (sqlState(err) !== UNIQUE_VIOLATION) throw err;
      return page(
        c,
        409,
        "邮箱已被使用 · Address in use",
        "<p>Another account has verified this address (email_taken).</p>",
      );
    }
    return page(
      c,
      200,
      "邮箱已确认 · Address confirmed",
      `<p>${
        escapeHtml(claim.e)
      }</p><p><a href="${base}/#/notifications">通知设置 · Notification settings</a></p>`,
    );
  });
  mount(app, declared(api, "get", "/notifications/unsubscribe"), async (c, input) => {
    const { token } = input.query();
    const claim = await links.open(token);
    if (claim?.t !== "unsub") {
      return page(c, 400, "链接无效 · Invalid link", "<p>This link is invalid (invalid_link).</p>");
    }
    return page(
      c,
      200,
      "退订 · Unsubscribe",
      `<p>不再通过邮件接收 · Stop receiving by e-mail: ${escapeHtml(KIND_WORDS[claim.k])}</p>` +
        `<form method="post" action="?token=${escapeHtml(encodeURIComponent(token))}">` +
        `<button type="submit" name="List-Unsubscribe" value="One-Click">退订 · Unsubscribe</button></form>`,
    );
  });
  mount(app, declared(api, "post", "/notifications/unsubscribe"), async (c, input) => {
    const { token } = input.query();
    const claim = await links.open(token);
    if (claim?.t !== "unsub") {
      return page(c, 400, "链接无效 · Invalid link", "<p>This link is invalid (invalid_link).</p>");
    }
    await store.setPreferences(claim.u, [{ kind: claim.k, channel: claim.c, enabled: false }]);
    deps.log.info("notifications unsubscribed by link", { kind: claim.k, channel: claim.c });
    return page(
      c,
      200,
      "已退订 · Unsubscribed",
      `<p>${escapeHtml(KIND_WORDS[claim.k])}</p>` +
        `<p><a href="${base}/#/notifications">通知设置 · Notification settings</a></p>`,
    );
  });
  return app;
}
