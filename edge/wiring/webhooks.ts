/**
 * Outbound webhooks in a process: the store on the relational database, the outbox the
 * room, the recorder and the actors hand events to, and (with WEBHOOKS, the default) the
 * worker sending deliveries. Every role that has the database runs a worker; endpoint lanes
 * are leased in the database, so workers share the endpoints between them. Close steps: the
 * outbox's last write (after the engine's last batch), then the worker.
 */
import type { OutboundEventSink } from "../../actors/webhooks/events.ts";
import { WebhookOutbox } from "../../actors/webhooks/outbox.ts";
import type { RecordingEventHub } from "../../media/recorder/events.ts";
import { WebhookStore } from "../../actors/webhooks/store.ts";
import { isPublicAddress } from "../../media/recorder/public_address.ts";
import type { WebhookRouteDeps } from "../routes/webhooks.ts";
import { DEFAULT_RETRY_SCHEDULE } from "../webhooks/config.ts";
import { WebhookWorker } from "../webhooks/worker.ts";
import type { AccountsAndEconomy } from "./accounts.ts";
import type { Root } from "./options.ts";
import {
  IDLE_POLL_WITH_WAKEUPS_MS,
  QUEUED_WORK_CHANNELS,
  wakeOnQueuedWork,
} from "./work_wakeups.ts";

export interface Webhooks {
  store: WebhookStore;
  outbox: WebhookOutbox;
  routes: WebhookRouteDeps;
  worker?: WebhookWorker;
}

export async function openWebhooks(
  { config, id, log: rootLog, shutdown }: Root,
  relational: AccountsAndEconomy,
): Promise<Webhooks> {
  const log = rootLog.child({ component: "webhooks" });
  const store = new WebhookStore(relational.store);
  const extra = new Set(config.WEBHOOK_ALLOW_ADDRESSES ?? []);
  const allowAddress = (a: string) => isPublicAddress(a) || extra.has(a);
  const worker = config.WEBHOOKS
    ? new WebhookWorker({
      store,
      workerId: id,
      schedule: config.WEBHOOK_RETRY_SCHEDULE ?? DEFAULT_RETRY_SCHEDULE,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      concurrency: config.WEBHOOK_ENDPOINT_CONCURRENCY,
      allowAddress,
      log,
    })
    : undefined;
  if (worker) {
    shutdown.defer("webhook worker", () => worker.close());
    // Deliveries another process queued (or an operator redelivered there) wake it too.
    await wakeOnQueuedWork(
      relational.store,
      shutdown,
      QUEUED_WORK_CHANNELS.webhookDeliveries,
      () => worker.nudge(),
    );
    // Listening now: an idle worker only polls as a safety net.
    worker.relyOnWakeups(IDLE_POLL_WITH_WAKEUPS_MS);
  }
  const outbox = new WebhookOutbox(store, { log, onQueued: () => worker?.nudge() });
  shutdown.defer("webhook outbox", () => outbox.close());
  return {
    store,
    outbox,
    worker,
    routes: {
      store,
      resolver: relational.accounts.resolver,
      allowAddress,
      nudge: () => worker?.nudge(),
      log,
    },
  };
}

/** A finished recording with media in it is `recording.ready`; returns the unsubscribe. */
export function publishRecordingsReady(
  events: RecordingEventHub,
  sink: OutboundEventSink,
): () => void {
  return events.subscribe((e) => {
    if (e.type !== "recording_stopped" || e.segments === 0) return;
    sink.publish({
      type: "recording.ready",
      key: e.recordingId,
      roomId: e.roomId,
      at: e.at,
      data: {
        roomId: e.roomId,
        recordingId: e.recordingId,
        segments: e.segments,
        reason: e.reason,
      },
    });
  });
}
