/**
 * The fan-out worker: turns each notification job into inbox rows and sends, one keyset page
 * of recipients per statement (`NotificationStore.fanOutPage`). A job is held by one worker
 * at a time (a lease on its row, renewed with every page), so workers in several processes
 * share the jobs; one that dies leaves its job at the last page it wrote, and the next worker
 * to take it after the lease carries on from there. Nothing here runs on a room's path: the
 * room emitted one `stream.started` event into the outbox and is done.
 *
 * A streamer going live again within `liveCooldownMs` of a live notification (a dropped
 * connection, a restart) notifies nobody a second time.
 */
import type { Logger } from "../../engine/log.ts";
import { metrics } from "../../engine/metrics.ts";
import { PollLoop } from "../../engine/resilience/poll_loop.ts";
import type { Job, NotificationStore } from "./store.ts";

const FM = {
  written: metrics.counter(
    "synapse_notifications_total",
    "Notifications written (one per event and recipient), by kind",
  ),
  jobs: metrics.counter("synapse_notification_jobs_total", "Fan-out jobs finished, by outcome"),
};

export interface FanoutOptions {
  store: NotificationStore;
  workerId: string;
  /** Recipients per statement (default 1,000). */
  pageSize?: number;
  /** A job's lease, renewed with every page (default 30 s). */
  leaseMs?: number;
  /** Look for jobs at least this often (default 1 s). */
  pollMs?: number;
  /** No second live notification for a streamer within this window (default 10 min). */
  liveCooldownMs?: number;
  /** Whether e-mail sends are written (an SMTP server is configured). */
  emailOn: boolean;
  /** Sends were queued: the senders may look now. */
  onSends?: () => void;
  /** Test hook: called after each page is written (a test stops the worker mid-job). */
  afterPage?: (job: Job, page: number) => void | Promise<void>;
  log: Logger;
}

export class FanoutWorker {
  readonly #o: Required<Omit<FanoutOptions, "onSends" | "afterPage">> & FanoutOptions;
  readonly #loop: PollLoop;

  constructor(opts: FanoutOptions) {
    this.#o = { pageSize: 1_000, leaseMs: 30_000, pollMs: 1_000, liveCooldownMs: 600_000, ...opts };
    this.#loop = new PollLoop(
      () => this.#one(),
      this.#o.pollMs,
      (err) => this.#o.log.warn("notification fan-out failed", { error: err as Error }),
    );
  }

  /** A job may be waiting: look now. */
  nudge(): void {
    this.#loop.nudge();
  }

  /** Queued jobs wake this worker wherever they are queued (a LISTEN is up): an idle worker
   * looks every `idleMs` (a job whose worker died is found once its lease has lapsed). */
  relyOnWakeups(idleMs: number): void {
    this.#loop.relyOnWakeups(idleMs);
  }

  /** Runs one job to its end; true when there was one (look again at once). */
  async #one(): Promise<boolean> {
    const { store, workerId, pageSize, leaseMs, emailOn } = this.#o;
    const job = await store.claimJob(workerId, leaseMs);
    if (!job) return false;
    if (
      job.kind === "live" && job.cursor === null &&
      await store.recentJob(job, this.#o.liveCooldownMs)
    ) {
      await store.skipJob(job, workerId);
      FM.jobs.inc({ outcome: "skipped" });
      return true;
    }
    const payload = await store.describe(job);
    let page = 0;
    let total = 0;
    try {
      while (!this.#loop.closed) {
        const r = await store.fanOutPage(job, payload, {
          worker: workerId,
          pageSize,
          leaseMs,
          emailOn,
        });
        job.cursor = r.cursor;
        total += r.written;
        FM.written.inc({ kind: job.kind }, r.written);
        if (r.sends > 0) this.#o.onSends?.();
        await this.#o.afterPage?.(job, ++page);
        if (r.done) {
          FM.jobs.inc({ outcome: "done" });
          this.#o.log.info("notifications fanned out", {
            eventId: job.eventId,
            kind: job.kind,
            recipients: total,
          });
          return true;
        }
      }
    } finally {
      if (this.#loop.closed) await store.releaseJob(job, workerId).catch(() => {});
    }
    return true;
  }

  async close(): Promise<void> {
    await this.#loop.close();
  }
}
