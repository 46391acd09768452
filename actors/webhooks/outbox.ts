/**
 * The outbox writer: the `OutboundEventSink` the room, the recorder and the actors hand
 * events to. `publish` pushes onto a bounded in-process buffer and returns; a drain writes
 * the buffer in one statement per batch (events and their deliveries, `WebhookStore`) a
 * moment later, retrying a failed write with backoff, and tells the worker that deliveries
 * are due (`onQueued`). Past `maxBuffered` the oldest events are dropped and counted; events
 * still buffered when a process dies are lost (they were never acknowledged to anyone).
 */
import type { Logger } from "../../engine/log.ts";
import { metrics } from "../../engine/metrics.ts";
import { eventId, type OutboundEvent, type OutboundEventSink } from "./events.ts";
import type { WebhookStore } from "./store.ts";

const OM = {
  events: metrics.counter("synapse_webhook_events_total", "Integration events written, by type"),
  dropped: metrics.counter(
    "synapse_webhook_events_dropped_total",
    "Integration events dropped because the outbox buffer was full",
  ),
  failures: metrics.counter(
    "synapse_webhook_outbox_failures_total",
    "Outbox writes that failed (retried with backoff)",
  ),
};

export interface OutboxOptions {
  /** Events held at most (default 20,000). */
  maxBuffered?: number;
  /** Events per statement (default 500). */
  batchSize?: number;
  /** A drain starts this long after the first buffered event (default 20 ms). */
  delayMs?: number;
  /** Deliveries were queued: the worker may look now. */
  onQueued?: () => void;
  log: Logger;
}

export class WebhookOutbox implements OutboundEventSink {
  #buffer: OutboundEvent[] = [];
  #draining: Promise<void> | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  readonly #max: number;
  readonly #batch: number;
  readonly #delay: number;
  onQueued: (() => void) | undefined;
  /** A batch of events was written (the notifications' fan-out looks for new jobs). */
  onWritten: (() => void) | undefined;

  constructor(private readonly store: WebhookStore, private readonly opts: OutboxOptions) {
    this.#max = opts.maxBuffered ?? 20_000;
    this.#batch = opts.batchSize ?? 500;
    this.#delay = opts.delayMs ?? 20;
    this.onQueued = opts.onQueued;
  }

  publish(event: OutboundEvent): void {
    if (this.#closed) return;
    this.#buffer.push(event);
    if (this.#buffer.length > this.#max) {
      this.#buffer.shift();
      OM.dropped.inc();
    }
    if (!this.#draining && this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#draining = this.#drain().finally(() => this.#draining = null);
      }, this.#delay);
    }
  }

  /** Write everything buffered now (tests, shutdown). */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#draining) await this.#draining;
    if (this.#buffer.length > 0) {
      this.#draining = this.#drain().finally(() => this.#draining = null);
      await this.#draining;
    }
  }

  async #drain(): Promise<void> {
    let backoff = 100;
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.slice(0, this.#batch);
      try {
        const rows = await Promise.all(
          batch.map(async (event) => ({ id: await eventId(event.type, event.key), event })),
        );
        const queued = await this.store.insertEvents(rows);
        this.#buffer.splice(0, batch.length);
        for (const e of batch) OM.events.inc({ type: e.type });
        backoff = 100;
        if (queued > 0) this.onQueued?.();
        this.onWritten?.();
      } catch (err) {
        OM.failures.inc();
        this.opts.log.warn("webhook outbox write failed", { error: err as Error });
        if (this.#closed) return;
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }

  /** Writes what is buffered (one try if the database fails), then takes no more. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush().catch(() => {});
  }
}
