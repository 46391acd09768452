/**
 * The notifications' variables (edge/notifications/, actors/notifications/). Validated at
 * start-up with every other part's (edge/wiring/config.ts) and listed in the README's
 * configuration table.
 */
import { z } from "zod";
import { bool, int, type Variables } from "../../engine/config.ts";

const smtpUrl = z.string().refine((s) => {
  try {
    return ["smtp:", "smtps:"].includes(new URL(s).protocol);
  } catch {
    return false;
  }
}, "smtp://[user:pass@]host[:port] or smtps://...").optional();

const addresses = z.string().transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))
  .optional();

export const NOTIFY_VARIABLES = {
  /** Fan notifications out and send them from this process (jobs are written anyway). */
  NOTIFICATIONS: bool.default(true),
  /** The SMTP server for notification e-mail (`smtp://user:pass@host:587`, `smtps://...:465`); unset: no e-mail. */
  SMTP_URL: smtpUrl,
  /** The sender of notification e-mail. */
  SMTP_FROM: z.string().min(3).default("Synapse Live <no-reply@localhost>"),
  /** E-mails sent per second at most, per process (SMTP providers limit senders). */
  NOTIFY_EMAIL_PER_SEC: int(20, 1),
  /** VAPID contact (RFC 8292 `sub`): a `mailto:` or `https:` URL push services may use. */
  NOTIFY_VAPID_SUBJECT: z.string().regex(/^(mailto:|https:)/, "mailto: or https: URL")
    .default("mailto:admin@localhost"),
  /** Push service addresses allowed besides public ones (tests and development: `127.0.0.1`). */
  NOTIFY_PUSH_ALLOW_ADDRESSES: addresses,
  /** No second "is live" notification for a streamer within this many seconds. */
  NOTIFY_LIVE_COOLDOWN_S: int(600, 0),
  /** Recipients written per fan-out statement (a page of followers). */
  NOTIFY_PAGE_SIZE: int(1000, 1),
};

export type NotifyVariables = Variables<typeof NOTIFY_VARIABLES>;
