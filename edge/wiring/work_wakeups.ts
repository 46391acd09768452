/**
 * Work queued in the database wakes the workers of every process, not only those of the
 * process that queued it. Migrations 211 and 212 send a NOTIFY on a queue's channel for every
 * new row of work (and a manual redelivery); a process whose worker runs LISTENs on it and
 * nudges the worker. Idle workers back off to 10 s between polls (PollLoop), so without
 * this a delivery queued by another process (an endpoint's lane leased here, a process whose
 * own worker is off) could wait that long. A notification is only a hint: the worker still
 * claims its work from the tables, so a duplicate or a missed one is harmless.
 */
import type { SqlStore } from "../../engine/sql/sql.ts";
import type { Shutdown } from "./shutdown.ts";

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
