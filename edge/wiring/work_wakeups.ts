/**
 * Work queued in the database wakes the workers of every process, not only those of the
 * process that queued it. Migrations 211 and 212 send a NOTIFY on a queue's channel for every
 * new row of work (and a manual redelivery); a process whose worker runs LISTENs on it and
 * nudges the worker. Without this a delivery queued by another process (an endpoint's lane
 * leased here, a process whose own worker is off) would wait for a poll. A notification is
 * only a hint: the worker still claims its work from the tables, so a duplicate is harmless
 * and a missed one waits for the next poll, at most `IDLE_POLL_WITH_WAKEUPS_MS` once the
 * LISTEN is up (1 s doubling to 10 s before).
 */
import type { SqlStore } from "../../engine/sql/sql.ts";
import type { Shutdown } from "./shutdown.ts";

/**
 * An idle worker's poll once its queue's wake-ups are live (`relyOnWakeups`): a safety net for
 * a lost notification (postgres.js also nudges after its LISTEN connection comes back), no
 * longer the way work is found, so an idle process asks its database about once a minute per
 * worker instead of every 1-10 s. Work due by the clock (retries, lapsing leases) still wakes
 * the worker when due.
 */
export const IDLE_POLL_WITH_WAKEUPS_MS = 60_000;

/** The channels the migrations' `notify_work_queued` triggers send on. */
export const QUEUED_WORK_CHANNELS = {
  webhookDeliveries: "webhook_deliveries_queued",
  notificationJobs: "notification_jobs_queued",
  notificationSends: "notification_sends_queued",
} as const;

type Channel = typeof QUEUED_WORK_CHANNELS[keyof typeof QUEUED_WORK_CHANNELS];

/** Nudge `nudge` whenever work is queued on `channel`, until shutdown. */
export async function wakeOnQueuedWork(
  sql: SqlStore,
  shutdown: Shutdown,
  channel: Channel,
  nudge: () => void,
): Promise<void> {
  const unlisten = await sql.listen(channel, nudge);
  shutdown.defer(`listen ${channel}`, unlisten);
}
