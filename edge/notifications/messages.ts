/**
 * The words of a notification, as a push message and as an e-mail. Users have no language
 * on file, so both say it in Chinese and English (the web client's inbox words them from
 * its own catalogues instead).
 */
import type { NotifyKind } from "../../actors/notifications/kinds.ts";

export interface Worded {
  title: string;
  body: string;
  /** Where a click goes (a path of the web client). */
  path: string;
}

const str = (v: unknown, fallback = "") => typeof v === "string" ? v : fallback;

/** Removes what must not reach a mail header or a notification title. */
const oneLine = (s: string) => s.replace(/[\p{Cc}\u2028\u2029]+/gu, " ").trim().slice(0, 200);

export function word(kind: NotifyKind, payload: Record<string, unknown>): Worded {
  const streamer = payload.streamer as { displayName?: string; username?: string } | null;
  const who = oneLine(str(streamer?.displayName, str(streamer?.username, "?")));
  const roomId = encodeURIComponent(str(payload.roomId));
  switch (kind) {
    case "live":
      return {
        title: `${who} 开播了 · ${who} is live`,
        body: oneLine(str(payload.roomTitle)),
        path: `/r/${roomId}`,
      };
    case "withdrawal_paid":
      return {
        title: "提现已到账 · Your withdrawal was paid",
        body: `${oneLine(str(payload.amount))} · ${oneLine(str(payload.reference))}`,
        path: "/#/console",
      };
    case "recording_ready":
      return {
        title: "录像已就绪 · Your recording is ready",
        body: oneLine(str(payload.roomTitle, str(payload.roomId))),
        path: `/vod/${roomId}/${encodeURIComponent(str(payload.recordingId))}`,
      };
  }
}

/** The JSON a push message carries (the service worker shows it). */
export function pushPayload(kind: NotifyKind, eventId: string, payload: Record<string, unknown>) {
  const w = word(kind, payload);
  return JSON.stringify({ kind, title: w.title, body: w.body, path: w.path, tag: eventId });
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A notification e-mail's subject and bodies; `unsubscribeUrl` is shown and in the headers. */
export function mailOf(
  kind: NotifyKind,
  payload: Record<string, unknown>,
  links: { open: string; unsubscribe: string; settings: string },
): { subject: string; text: string; html: string } {
  const w = word(kind, payload);
  const text = [
    w.title,
    w.body,
    "",
    links.open,
    "",
    `退订此类邮件 · Unsubscribe from these e-mails: ${links.unsubscribe}`,
    `通知设置 · Notification settings: ${links.settings}`,
  ].join("\n");
  const html = `<!doctype html><html><body>
<h2>${escapeHtml(w.title)}</h2>
<p>${escapeHtml(w.body)}</p>
<p><a href="${escapeHtml(links.open)}">${escapeHtml(links.open)}</a></p>
<hr><p style="font-size:small">
<a href="${escapeHtml(links.unsubscribe)}">退订此类邮件 · Unsubscribe</a> ·
<a href="${escapeHtml(links.settings)}">通知设置 · Notification settings</a></p>
</body></html>`;
  return { subject: w.title, text, html };
}
