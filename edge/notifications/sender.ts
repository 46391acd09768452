/**
 * The senders: one loop per outbound channel (e-mail, Web Push) taking due sends from the
 * database and sending them.
 *
 * A round claims a batch (`claimed`: nothing sent yet, an expired claim goes back to the
 * queue), then, `concurrency` at a time, marks those about to go out `sending`, sends them,
 * and records the outcomes. A sender that dies leaves at most `concurrency` sends `sending`;
 * the reaper marks them `uncertain` and nobody sends them again, so a crash never makes
 * anyone get a notification twice (it may cost those few theirs). Failures that may pass
 * (SMTP 4xx, a push service's 429/5xx, no answer) are retried on a schedule; others fail.
 */
import type { OutboundChannel } from "../../actors/notifications/kinds.ts";
import type {
  ClaimedSend,
  NotificationStore,
  SendOutcome,
} from "../../actors/notifications/store.ts";
import type { Logger } from "../../engine/log.ts";
import { metrics } from "../../engine/metrics.ts";
import { PollLoop } from "../../engine/resilience/poll_loop.ts";
import { type Mailer, MailError } from "./mailer.ts";
import { mailOf, pushPayload, word } from "./messages.ts";
import type { SignedLinks } from "./signed_links.ts";
import type { PushSender } from "./web_push.ts";

const SM = {
  sends: metrics.counter(
    "synapse_notification_sends_total",
    "Notification sends by channel and outcome (sent, queued, failed, skipped)",
  ),
  uncertain: metrics.counter(
    "synapse_notification_sends_uncertain_total",
    "Sends a sender died in the middle of (never retried)",
  ),
};

/** Seconds before each retry; then the send fails. */
export const SEND_RETRY_SCHEDULE = [30, 120, 600, 3600, 6 * 3600];

/** Sends one claimed notification on a channel. */
export type ChannelSend = (send: ClaimedSend) => Promise<SendOutcome>;

export interface SendWorkerOptions {
  channel: OutboundChannel;
  store: NotificationStore;
  workerId: string;
  send: ChannelSend;
  /** In flight at once (default 8). */
  concurrency?: number;
  /** Sends per second at most (default: no limit). */
  perSecond?: number;
  /** A claim's lease and a send's (default 60 s). */
  leaseMs?: number;
  pollMs?: number;
  log: Logger;
}

export class SendWorker {
  readonly #loop: PollLoop;
  readonly #concurrency: number;
  readonly #leaseMs: number;
  #nextSlot = 0;
  #lastReap = 0;

  constructor(private readonly o: SendWorkerOptions) {
    this.#concurrency = o.concurrency ?? 8;
    this.#leaseMs = o.leaseMs ?? 60_000;
    this.#loop = new PollLoop(
      () => this.#round(),
      o.pollMs ?? 1_000,
      (err) => o.log.warn("notification send round failed", { error: err as Error }),
    );
  }

  nudge(): void {
    this.#loop.nudge();
  }

  /** Queued sends wake this worker wherever they are queued (a LISTEN is up): an idle worker
   * sleeps until the next retry or send lease falls due, at most `idleMs`. */
  relyOnWakeups(idleMs: number): void {
    this.#loop.relyOnWakeups(idleMs, () => this.o.store.nextSendDueInMs(this.o.channel));
  }

  async #round(): Promise<boolean> {
    const { store, channel, workerId } = this.o;
    if (Date.now() - this.#lastReap > Math.min(5_000, this.#leaseMs / 2)) {
      this.#lastReap = Date.now();
      const { uncertain } = await store.reap();
      if (uncertain > 0) {
        SM.uncertain.inc({}, uncertain);
        this.o.log.warn("notification sends left uncertain by a stopped sender", { uncertain });
      }
    }
    const claimed = await store.claimSends(channel, workerId, this.#concurrency * 4, this.#leaseMs);
    if (claimed.length === 0) return false;
    for (let i = 0; i < claimed.length && !this.#loop.closed; i += this.#concurrency) {
      const round = claimed.slice(i, i + this.#concurrency);
      await this.#pace(round.length);
      await store.markSending(channel, workerId, round.map((s) => s.notificationId), this.#leaseMs);
      const outcomes = await Promise.all(round.map((s) => this.#one(s)));
      await store.recordSends(channel, workerId, outcomes);
    }
    if (this.#loop.closed) await store.unclaim(channel, workerId);
    return true;
  }

  async #one(s: ClaimedSend): Promise<SendOutcome> {
    let out: SendOutcome;
    try {
      out = await this.o.send(s);
    } catch (err) {
      out = { notificationId: s.notificationId, status: "queued", error: String(err) };
    }
    if (out.status === "queued") {
      const wait = SEND_RETRY_SCHEDULE[s.attempts]; // attempts: before this one
      out = wait === undefined
        ? { ...out, status: "failed" }
        : { ...out, retryAt: new Date(Date.now() + wait * 1000) };
    }
    SM.sends.inc({ channel: this.o.channel, outcome: out.status });
    return out;
  }

  /** Waits until `n` more sends fit the per-second limit. */
  async #pace(n: number): Promise<void> {
    const rate = this.o.perSecond;
    if (!rate) return;
    const now = Date.now();
    const start = Math.max(now, this.#nextSlot);
    this.#nextSlot = start + (n * 1000) / rate;
    if (start > now) await new Promise((r) => setTimeout(r, start - now));
  }

  async close(): Promise<void> {
    await this.#loop.close();
  }
}

/** The e-mail channel: the notification worded, with its one-click unsubscribe link. */
export function emailChannel(
  mailer: Mailer,
  links: SignedLinks,
  publicUrl: string,
): ChannelSend {
  const base = publicUrl.replace(/\/+$/, "");
  return async (s) => {
    const id = s.notificationId;
    if (!s.email) return { notificationId: id, status: "skipped", error: "no verified address" };
    const token = await links.sign({ t: "unsub", u: s.userId, k: s.kind, c: "email" });
    const unsubscribe = `${base}/api/notifications/unsubscribe?token=${token}`;
    const mail = mailOf(s.kind, s.payload, {
      open: `${base}${word(s.kind, s.payload, s.language).path}`,
      unsubscribe,
      settings: `${base}/#/notifications`,
    }, s.language);
    try {
      await mailer.send({
        to: s.email,
        ...mail,
        unsubscribeUrl: unsubscribe,
        messageKey: `${s.eventId}.${s.userId}`,
      });
      return { notificationId: id, status: "sent" };
    } catch (err) {
      const permanent = err instanceof MailError && err.permanent;
      return { notificationId: id, status: permanent ? "failed" : "queued", error: String(err) };
    }
  };
}

/** The push channel: every browser the user subscribed; gone subscriptions are dropped. */
export function pushChannel(store: NotificationStore, push: PushSender): ChannelSend {
  return async (s) => {
    const id = s.notificationId;
    const subs = await store.subscriptions(s.userId);
    if (subs.length === 0) return { notificationId: id, status: "skipped", error: "no browser" };
    const body = pushPayload(s.kind, s.eventId, s.payload, s.language);
    let delivered = 0;
    let transient: string | undefined;
    let lastError = "";
    for (const sub of subs) {
      const r = await push.send(sub, body, { topic: s.eventId.slice(0, 32), ttlSeconds: 3600 });
      if (r.ok) {
        delivered++;
        await store.subscriptionWorked(sub.id);
      } else {
        lastError = r.error;
        if (r.gone) await store.dropSubscription(sub.id);
        else if (r.transient) transient = r.error;
      }
    }
    if (delivered > 0) return { notificationId: id, status: "sent" };
    if (transient) return { notificationId: id, status: "queued", error: transient };
    return { notificationId: id, status: "failed", error: lastError };
  };
}
