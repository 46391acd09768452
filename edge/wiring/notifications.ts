/**
 * Notifications in a process: the store on the relational database, the signed links, the
 * mailer (with SMTP_URL), Web Push with the deployment's VAPID keys, and (with NOTIFICATIONS,
 * the default) the fan-out worker and one sender per channel. Jobs are written by a trigger
 * on the webhooks' event log, so the events come through the same `OutboundEventSink` the
 * room, the recorder and the finance desk already hand them to; the outbox's write nudges the
 * fan-out, and the fan-out nudges the senders. Close steps: senders and fan-out stop (what
 * is claimed but not started goes back to the queue), then the mailer and the push client.
 */
import { FanoutWorker } from "../../actors/notifications/fanout.ts";
import { NotificationStore } from "../../actors/notifications/store.ts";
import { isPublicAddress } from "../../media/recorder/public_address.ts";
import { MediaError } from "../../media/errors.ts";
import type { Mailer } from "../notifications/mailer.ts";
import { SmtpMailer } from "../notifications/mailer.ts";
import { emailChannel, pushChannel, SendWorker } from "../notifications/sender.ts";
import { SignedLinks } from "../notifications/signed_links.ts";
import { loadVapidKeys, PushSender } from "../notifications/web_push.ts";
import type { NotificationRouteDeps } from "../routes/notifications.ts";
import type { AccountsAndEconomy } from "./accounts.ts";
import type { Root } from "./options.ts";
import {
  IDLE_POLL_WITH_WAKEUPS_MS,
  QUEUED_WORK_CHANNELS,
  wakeOnQueuedWork,
} from "./work_wakeups.ts";

export interface Notifications {
  store: NotificationStore;
  routes: NotificationRouteDeps;
  /** An event was written to the outbox: a job may be waiting. */
  nudge(): void;
}

export async function openNotifications(
  { config, id, log: rootLog, shutdown }: Root,
  relational: AccountsAndEconomy,
  secret: string,
): Promise<Notifications> {
  const log = rootLog.child({ component: "notifications" });
  const store = new NotificationStore(relational.store);
  const links = await SignedLinks.create(secret);
  const keys = await loadVapidKeys(store);
  const extra = new Set(config.NOTIFY_PUSH_ALLOW_ADDRESSES ?? []);
  const push = new PushSender({
    keys,
    subject: config.NOTIFY_VAPID_SUBJECT,
    allowAddress: (a) => isPublicAddress(a) || extra.has(a),
    log,
  });
  shutdown.defer("push client", () => push.close());
  const mailer: Mailer | undefined = config.SMTP_URL
    ? new SmtpMailer(config.SMTP_URL, config.SMTP_FROM)
    : undefined;
  if (mailer) shutdown.defer("mailer", () => mailer.close());

  let fanout: FanoutWorker | undefined;
  if (config.NOTIFICATIONS) {
    const senders = [
      new SendWorker({
        channel: "push",
        store,
        workerId: id,
        send: pushChannel(store, push),
        concurrency: 16,
        log,
      }),
      ...(mailer
        ? [
          new SendWorker({
            channel: "email",
            store,
            workerId: id,
            send: emailChannel(mailer, links, config.PUBLIC_URL),
            concurrency: 4,
            perSecond: config.NOTIFY_EMAIL_PER_SEC,
            log,
          }),
        ]
        : []),
    ];
    for (const s of senders) shutdown.defer(`notification sender`, () => s.close());
    const worker = new FanoutWorker({
      store,
      workerId: id,
      pageSize: config.NOTIFY_PAGE_SIZE,
      liveCooldownMs: config.NOTIFY_LIVE_COOLDOWN_S * 1000,
      emailOn: mailer !== undefined,
      onSends: () => senders.forEach((s) => s.nudge()),
      log,
    });
    fanout = worker;
    shutdown.defer("notification fan-out", () => worker.close());
    // Jobs and sends another process queued wake these workers too.
    const sql = relational.store;
    const { notificationJobs, notificationSends } = QUEUED_WORK_CHANNELS;
    await wakeOnQueuedWork(sql, shutdown, notificationJobs, () => worker.nudge());
    await wakeOnQueuedWork(sql, shutdown, notificationSends, () => {
      for (const s of senders) s.nudge();
    });
    // Listening now: idle workers only poll as a safety net.
    worker.relyOnWakeups(IDLE_POLL_WITH_WAKEUPS_MS);
    for (const s of senders) s.relyOnWakeups(IDLE_POLL_WITH_WAKEUPS_MS);
  }
  return {
    store,
    nudge: () => fanout?.nudge(),
    routes: {
      store,
      sql: relational.store,
      resolver: relational.accounts.resolver,
      links,
      mailer,
      publicUrl: config.PUBLIC_URL,
      vapidPublicKey: () => Promise.resolve(keys.publicKey),
      checkPushEndpoint: async (endpoint) => {
        try {
          await push.checkEndpoint(endpoint);
        } catch (err) {
          if (err instanceof MediaError && err.code === "url_forbidden") {
            throw new MediaError(
              "url_forbidden",
              "push endpoints on private networks are refused",
              403,
            );
          }
          throw err;
        }
      },
      log,
    },
  };
}
