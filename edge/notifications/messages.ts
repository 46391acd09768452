/**
 * The words of a notification, as a push message and as an e-mail, in the user's language
 * (zh-CN or en: `users.language`, set at sign-up and by `PUT /api/me/language`). An account
 * whose language is not known yet (older than it) gets both, Chinese first, as before.
 */
import type { NotifyKind } from "../../actors/notifications/kinds.ts";
import type { LocalLocale } from "../../actors/ai/language_tags.ts";

/** A notification's language: one of the two, or null (unknown: both). */
export type NotifyLanguage = LocalLocale | null;

export interface Worded {
  title: string;
  body: string;
  /** Where a click goes (a path of the web client). */
  path: string;
}

const str = (v: unknown, fallback = "") => typeof v === "string" ? v : fallback;

/** Removes what must not reach a mail header or a notification title. */
const oneLine = (s: string) => s.replace(/[\p{Cc}\u2028\u2029]+/gu, " ").trim().slice(0, 200);

/** Fixed texts by language. */
const TEXT = {
  live: { "zh-CN": (who: string) => `${who} 开播了`, en: (who: string) => `${who} is live` },
  withdrawal_paid: { "zh-CN": "提现已到账", en: "Your withdrawal was paid" },
  recording_ready: { "zh-CN": "录像已就绪", en: "Your recording is ready" },
  unsubscribe: { "zh-CN": "退订此类邮件", en: "Unsubscribe from these e-mails" },
  unsubscribeShort: { "zh-CN": "退订", en: "Unsubscribe" },
  settings: { "zh-CN": "通知设置", en: "Notification settings" },
  verifySubject: { "zh-CN": "确认你的邮箱", en: "Confirm your e-mail address" },
  verifyOpen: { "zh-CN": "打开此链接确认邮箱", en: "Open this link to confirm your address" },
} as const;

/** `text` in `language`; unknown: the Chinese and the English joined by ` · `. */
function say<T>(language: NotifyLanguage, text: Record<LocalLocale, T>, f: (t: T) => string) {
  return language ? f(text[language]) : `${f(text["zh-CN"])} · ${f(text.en)}`;
}

export function word(
  kind: NotifyKind,
  payload: Record<string, unknown>,
  language: NotifyLanguage,
): Worded {
  const streamer = payload.streamer as { displayName?: string; username?: string } | null;
  const who = oneLine(str(streamer?.displayName, str(streamer?.username, "?")));
  const roomId = encodeURIComponent(str(payload.roomId));
  const plain = (s: string) => s;
  switch (kind) {
    case "live":
      return {
        title: say(language, TEXT.live, (f) => f(who)),
        body: oneLine(str(payload.roomTitle)),
        path: `/r/${roomId}`,
      };
    case "withdrawal_paid":
      return {
        title: say(language, TEXT.withdrawal_paid, plain),
        body: `${oneLine(str(payload.amount))} · ${oneLine(str(payload.reference))}`,
        path: "/#/console",
      };
    case "recording_ready":
      return {
        title: say(language, TEXT.recording_ready, plain),
        body: oneLine(str(payload.roomTitle, str(payload.roomId))),
        path: `/vod/${roomId}/${encodeURIComponent(str(payload.recordingId))}`,
      };
  }
}

/** The JSON a push message carries (the service worker shows it). */
export function pushPayload(
  kind: NotifyKind,
  eventId: string,
  payload: Record<string, unknown>,
  language: NotifyLanguage,
) {
  const w = word(kind, payload, language);
  return JSON.stringify({ kind, title: w.title, body: w.body, path: w.path, tag: eventId });
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A notification e-mail's subject and bodies; `unsubscribeUrl` is shown and in the headers. */
export function mailOf(
  kind: NotifyKind,
  payload: Record<string, unknown>,
  links: { open: string; unsubscribe: string; settings: string },
  language: NotifyLanguage,
): { subject: string; text: string; html: string } {
  const w = word(kind, payload, language);
  const plain = (s: string) => s;
  const text = [
    w.title,
    w.body,
    "",
    links.open,
    "",
    `${say(language, TEXT.unsubscribe, plain)}: ${links.unsubscribe}`,
    `${say(language, TEXT.settings, plain)}: ${links.settings}`,
  ].join("\n");
  const html = `<!doctype html><html${language ? ` lang="${language}"` : ""}><body>
<h2>${escapeHtml(w.title)}</h2>
<p>${escapeHtml(w.body)}</p>
<p><a href="${escapeHtml(links.open)}">${escapeHtml(links.open)}</a></p>
<hr><p style="font-size:small">
<a href="${escapeHtml(links.unsubscribe)}">${say(language, TEXT.unsubscribeShort, plain)}</a> ·
<a href="${escapeHtml(links.settings)}">${say(language, TEXT.settings, plain)}</a></p>
</body></html>`;
  return { subject: w.title, text, html };
}

/** The e-mail that confirms an address (its link verifies it). */
export function verifyMail(
  link: string,
  language: NotifyLanguage,
): { subject: string; text: string; html: string } {
  const plain = (s: string) => s;
  const open = say(language, TEXT.verifyOpen, plain);
  return {
    subject: say(language, TEXT.verifySubject, plain),
    text: `${open}:\n${link}\n`,
    html: `<p>${escapeHtml(open)}:</p><p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>`,
  };
}
