/**
 * Notification e-mail over SMTP (SMTP_URL) through nodemailer: the most used Node SMTP client,
 * maintained, with no dependencies of its own, and it runs under Deno's node:net/node:tls.
 * Each mail carries the RFC 2369 / RFC 8058 one-click unsubscribe headers
 * (`List-Unsubscribe: <https://.../api/notifications/unsubscribe?token=...>` and
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click`) and a Message-ID made from the event
 * and the recipient, so a mail sent twice is recognisably the same mail.
 *
 * nodemailer loads at the first mail sent, not when a process starts (issue 18: an idle edge
 * carries only what it runs; nodemailer brings Node's net/tls/dns/http).
 */
// @ts-types="@types/nodemailer"
import type Nodemailer from "nodemailer";

let nodemailerModule: Promise<typeof Nodemailer> | undefined;

/** nodemailer, loaded once, at the first mail. */
const loadNodemailer = (): Promise<typeof Nodemailer> =>
  nodemailerModule ??= import("nodemailer").then((m) =>
    // A CommonJS package: its exports are the default export at run time.
    (m as unknown as { default?: typeof Nodemailer }).default ?? (m as typeof Nodemailer)
  );

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The one-click unsubscribe URL (absent: a mail that is not a notification). */
  unsubscribeUrl?: string;
  /** Stable id part: the same notification always gets the same Message-ID. */
  messageKey: string;
}

/** An SMTP answer or a failure, sorted into "try again later" and "never". */
export class MailError extends Error {
  constructor(message: string, readonly permanent: boolean) {
    super(message);
    this.name = "MailError";
  }
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export class SmtpMailer implements Mailer {
  /** Made at the first mail (nodemailer loads then). */
  #transport: Promise<Nodemailer.Transporter> | undefined;
  #closed = false;
  readonly #domain: string;
  readonly #timeoutMs: number;

  constructor(
    private readonly smtpUrl: string,
    private readonly from: string,
    opts: { timeoutMs?: number } = {},
  ) {
    this.#timeoutMs = opts.timeoutMs ?? 20_000;
    this.#domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? "localhost";
  }

  #transporter(): Promise<Nodemailer.Transporter> {
    const timeout = this.#timeoutMs;
    return this.#transport ??= loadNodemailer().then((nodemailer) => {
      const transport = nodemailer.createTransport(this.smtpUrl, {
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
      } as never);
      if (this.#closed) transport.close(); // closed while it loaded
      return transport;
    });
  }

  async send(mail: OutgoingMail): Promise<void> {
    const headers: Record<string, string> = {};
    if (mail.unsubscribeUrl) {
      headers["List-Unsubscribe"] = `<${mail.unsubscribeUrl}>`;
      headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
    }
    try {
      const transport = await this.#transporter();
      await transport.sendMail({
        from: this.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        headers,
        messageId: `<${mail.messageKey}@${this.#domain}>`,
      });
    } catch (err) {
      const e = err as Error & { responseCode?: number };
      // 5xx: the server refused for good (no such mailbox...); anything else may pass later.
      const permanent = typeof e.responseCode === "number" && e.responseCode >= 500;
      throw new MailError((e.message ?? String(err)).slice(0, 300), permanent);
    }
  }

  close(): void {
    this.#closed = true;
    void this.#transport?.then((t) => t.close(), () => {});
  }
}
