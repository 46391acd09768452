/**
 * The webhook worker: sends the outbox's due deliveries, one lane per endpoint.
 *
 * A scan (on a poll, or at once when the outbox queued something) lists endpoints with due
 * deliveries whose lane nobody holds; for each the worker takes the lane (a lease on the
 * endpoint row, so one worker in the cluster sends to an endpoint at a time) and sends that
 * endpoint's due deliveries, a few in flight at once, until none is due. Lanes run side by
 * side: a slow or dead endpoint uses up its own lane's time (each attempt is cut at the
 * timeout) and nobody else's. Rooms never wait for any of it: they only hand events to the
 * outbox (`actors/webhooks/outbox.ts`).
 *
 * Each attempt re-checks the URL against the external-URL recorder's SSRF rules (public
 * addresses only, after resolving the name) and is sent through its guard proxy
 * (`EgressGuardProxy`), which connects only to the address it checked, so a name that
 * resolves differently a moment later reaches nothing internal. Redirects are not followed.
 * A 2xx answer is delivered; anything else is retried on the schedule (with ±10 % jitter)
 * and, once the schedule is spent, the delivery fails for good (an operator can still
 * redeliver it).
 */
import type { Logger } from "../../engine/log.ts";
import { metrics } from "../../engine/metrics.ts";
import { idleWait, waitUntilDue } from "../../engine/resilience/poll_loop.ts";
import type { DueDelivery, WebhookStore } from "../../actors/webhooks/store.ts";
import { GuardedHttpClient } from "../../media/recorder/egress_guard.ts";
import {
  assertPublicHost,
  type HostLookup,
  isPublicAddress,
  systemLookup,
} from "../../media/recorder/public_address.ts";
import { signedHeaders } from "./signature.ts";

const WM = {
  attempts: metrics.counter(
    "synapse_webhook_attempts_total",
    "Webhook delivery attempts by outcome (delivered, retry, failed)",
  ),
  latency: metrics.histogram(
    "synapse_webhook_delivery_latency_ms",
    "From an event to its delivery's success (ms), first attempts and retries alike",
    [10, 25, 50, 100, 250, 500, 1000, 5000, 30_000, 300_000, 3_600_000],
  ),
  attemptMs: metrics.histogram(
    "synapse_webhook_attempt_ms",
    "One delivery attempt, request to answer or timeout (ms)",
    [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000],
  ),
  lanes: metrics.gauge("synapse_webhook_lanes", "Endpoint lanes this process is sending on"),
  backlog: metrics.gauge("synapse_webhook_pending", "Deliveries waiting (due or scheduled)"),
  oldest: metrics.gauge(
    "synapse_webhook_oldest_pending_seconds",
    "Age of the oldest waiting delivery (s)",
  ),
};

/** Open workers, summed for the lanes gauge. */
const openWorkers = new Set<WebhookWorker>();
WM.lanes.collect(() => [{ value: [...openWorkers].reduce((n, w) => n + w.lanes, 0) }]);

export interface WebhookWorkerOptions {
  store: WebhookStore;
  /** This process's name on the lanes it holds. */
  workerId: string;
  /** Seconds before each retry; its length is the number of retries. */
  schedule: readonly number[];
  timeoutMs: number;
  /** Requests in flight per endpoint. */
  concurrency: number;
  /** Lanes at once (default 256). */
  maxLanes?: number;
  /** Scan this long after a scan that found work or failed (default 1 s). */
  pollMs?: number;
  /**
   * An idle worker's longest sleep (default 10 × pollMs): after scans that found nothing it
   * sleeps until the next pending delivery falls due, doubling from `pollMs` up to this while
   * none is pending. Deliveries queued in this process nudge it awake, and those queued by
   * another process through a database notification (edge/wiring/work_wakeups.ts); a
   * delivery whose wake-up was lost waits at most this long.
   */
  maxIdleMs?: number;
  /** Which resolved addresses may be reached (default: public ones only). */
  allowAddress?: (address: string) => boolean;
  lookup?: HostLookup;
  log: Logger;
}

const MAX_ERROR_CHARS = 300;
/** A lane's round takes this many deliveries per request in flight. */
const ROUND_PER_FLIGHT = 8;

type Attempted = Parameters<WebhookStore["recordAttempts"]>[0][number];

export class WebhookWorker {
  readonly #o: Required<Omit<WebhookWorkerOptions, "lookup" | "allowAddress" | "maxIdleMs">>;
  readonly #maxIdleMs: number;
  /** Scans in a row that found nothing due (and were not nudged). */
  #idleScans = 0;
  /** Set once wake-ups are live (`relyOnWakeups`): an idle worker's longest sleep. */
  #wakeupIdleMs: number | undefined;
  readonly #allow: (address: string) => boolean;
  readonly #lookup: HostLookup;
  readonly #lanes = new Map<string, Promise<void>>();
  readonly #http: GuardedHttpClient;
  #closed = false;
  /** Aborts attempts in flight on close (they are not recorded: the lease lapses, and the
   * delivery stays due for the next worker). */
  readonly #stop = new AbortController();
  #wake: (() => void) | undefined;
  #rescan = false;
  readonly #loop: Promise<void>;
  #lastBacklog = 0;

  constructor(opts: WebhookWorkerOptions) {
    this.#o = { maxLanes: 256, pollMs: 1_000, ...opts };
    this.#maxIdleMs = Math.max(this.#o.pollMs, opts.maxIdleMs ?? this.#o.pollMs * 10);
    this.#allow = opts.allowAddress ?? isPublicAddress;
    this.#lookup = opts.lookup ?? systemLookup;
    this.#http = new GuardedHttpClient(
      { lookup: this.#lookup, allowAddress: this.#allow },
      opts.log,
    );
    openWorkers.add(this);
    this.#loop = this.#run();
  }

  /** Deliveries queued anywhere wake this worker (a LISTEN is up): an idle worker sleeps
   * until the next delivery falls due, at most `idleMs`, with no backoff from `pollMs`. */
  relyOnWakeups(idleMs: number): void {
    this.#wakeupIdleMs = Math.max(this.#o.pollMs, idleMs);
  }

  /** Deliveries were queued: scan now rather than at the next poll. */
  nudge(): void {
    this.#rescan = true;
    this.#wake?.();
  }

  get lanes(): number {
    return this.#lanes.size;
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      this.#rescan = false;
      let waitMs = this.#o.pollMs;
      try {
        const found = await this.#scan();
        if (found || this.#lanes.size > 0) this.#idleScans = 0;
        else {
          // nothing due: sleep until the next delivery is (a retry's time, a lapsing lease)
          const next = await this.#o.store.nextDueInMs();
          const idle = this.#wakeupIdleMs ??
            idleWait(this.#o.pollMs, this.#maxIdleMs, ++this.#idleScans);
          const longest = this.#wakeupIdleMs ?? this.#maxIdleMs;
          waitMs = next === null ? idle : waitUntilDue(next, longest);
        }
      } catch (err) {
        this.#o.log.warn("webhook scan failed", { error: err as Error });
      }
      if (this.#closed || this.#rescan) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, waitMs);
        const wake = () => {
          this.#idleScans = 0;
          done();
        };
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#wake = wake;
      });
      this.#wake = undefined;
    }
  }

  /** Starts a lane for each endpoint with deliveries due; true when there was any. */
  async #scan(): Promise<boolean> {
    if (Date.now() - this.#lastBacklog > 10_000) {
      this.#lastBacklog = Date.now();
      const { pending, oldestAgeS } = await this.#o.store.backlog();
      WM.backlog.set(pending);
      WM.oldest.set(oldestAgeS);
    }
    const room = this.#o.maxLanes - this.#lanes.size;
    if (room <= 0) return true;
    const ids = await this.#o.store.dueEndpoints(room + this.#lanes.size);
    for (const id of ids) {
      if (this.#lanes.has(id) || this.#lanes.size >= this.#o.maxLanes) continue;
      const lane = this.#lane(id).catch((err) =>
        this.#o.log.warn("webhook lane failed", { endpointId: id, error: err as Error })
      ).finally(() => {
        this.#lanes.delete(id);
        this.nudge(); // its endpoint may have more due by now, others may be waiting
      });
      this.#lanes.set(id, lane);
    }
    return ids.length > 0;
  }

  /**
   * Holds the endpoint's lane while it has due deliveries: each round takes up to
   * `ROUND_PER_FLIGHT` × concurrency of them, sends them `concurrency` at a time, and records
   * the round's attempts in one transaction.
   */
  async #lane(endpointId: string): Promise<void> {
    const { store, workerId, timeoutMs, concurrency } = this.#o;
    const leaseMs = Math.max(30_000, timeoutMs * (ROUND_PER_FLIGHT + 2));
    try {
      while (!this.#closed) {
        const target = await store.acquireLane(endpointId, workerId, leaseMs);
        if (!target) return; // another worker has it, or it was disabled or deleted
        const due = await store.due(endpointId, concurrency * ROUND_PER_FLIGHT);
        if (due.length === 0) return;
        const results: Attempted[] = [];
        let next = 0;
        const flight = async () => {
          while (next < due.length && !this.#closed) {
            const r = await this.#send(target, due[next++]);
            if (r) results.push(r);
          }
        };
        await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, flight));
        await store.recordAttempts(results);
      }
    } finally {
      await store.releaseLane(endpointId, workerId).catch(() => {});
    }
  }

  async #send(
    target: { url: string; secret: string },
    d: DueDelivery,
  ): Promise<Attempted | undefined> {
    const body = JSON.stringify({
      id: d.eventId,
      type: d.type,
      timestamp: d.occurredAt.toISOString(),
      data: d.payload,
    });
    const started = performance.now();
    let status: number | null = null;
    let error: string | null = null;
    try {
      await assertPublicHost(new URL(target.url), this.#lookup, this.#allow);
      const res = await fetch(target.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "synapse-live-webhooks/1",
          ...await signedHeaders(target.secret, d.eventId, body),
        },
        body,
        redirect: "manual",
        signal: AbortSignal.any([AbortSignal.timeout(this.#o.timeoutMs), this.#stop.signal]),
        client: this.#http.client,
      });
      status = res.status;
      await res.body?.cancel();
      if (status < 200 || status > 299) error = `HTTP ${status}`;
    } catch (err) {
      const e = err as Error & { code?: string };
      error = (e.name === "TimeoutError" ? "timed out" : e.code ?? e.message ?? String(err))
        .slice(0, MAX_ERROR_CHARS);
    }
    if (this.#closed) return undefined;
    const durationMs = performance.now() - started;
    const ok = error === null;
    const n = d.attempts + 1; // this attempt's number
    const wait = this.#o.schedule[n - 1];
    const retryAt = ok || wait === undefined
      ? null
      : new Date(Date.now() + wait * 1000 * (0.9 + Math.random() * 0.2));
    WM.attemptMs.observe(durationMs);
    WM.attempts.inc({ outcome: ok ? "delivered" : retryAt ? "retry" : "failed" });
    if (ok) WM.latency.observe(Math.max(0, Date.now() - d.occurredAt.getTime()));
    return { delivery: d, status, durationMs, error, ok, retryAt };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stop.abort();
    this.#wake?.();
    await this.#loop;
    await Promise.all(this.#lanes.values());
    openWorkers.delete(this);
    await this.#http.close();
  }
}
