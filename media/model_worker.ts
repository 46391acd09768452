/**
 * A model in a Deno Worker behind a bounded queue: the machinery the face models
 * (media/vision/faces.ts) and the OCR (media/analysis/ocr_models.ts) share. The model never
 * runs on the event loop that serves viewers nor inside an actor's turn: requests go to one
 * worker, one at a time, in order.
 *
 * - `run(items)` waits for room in the queue (a window's analysis: never dropped);
 *   `offer(item)` drops the item when the queue is full (live sampling) and counts it.
 * - Each request's timeout grows with its input: `loadTimeoutMs` for the first (the models
 *   load) plus `itemTimeoutMs` per item. A request past it kills the worker (a stuck model
 *   cannot be interrupted otherwise); the next request starts a new one. The figures are
 *   generous on purpose: a loaded machine is slow, not broken.
 * - Outcomes are counted on the model's counter by `outcome`: analysed, dropped, timed_out,
 *   failed, and worker_started for each worker started.
 *
 * The worker answers `{ id, op: "run", items }` with `{ id, ok: true, items }` (one result per
 * item, in order) or `{ id, ok: false, error }`.
 */
import type { Counter } from "../engine/metrics.ts";

export type ModelRequest<In> = { id: number; op: "run"; items: In[] };

export type ModelResponse<Out> =
  | { id: number; ok: true; items: Out[] }
  | { id: number; ok: false; error: string };

export interface ModelWorkerOptions {
  /** Requests waiting for the worker at most (default 4); `offer` drops past it. */
  queue?: number;
  /** Time allowed per item of a request. */
  itemTimeoutMs: number;
  /** Extra time for the request that loads the models. */
  loadTimeoutMs: number;
}

export interface ModelWorkerSpec<In> {
  /** The worker's name (also in error messages: "face models", "ocr"). */
  name: string;
  /** The worker module. */
  url: URL;
  /** Items by outcome (analysed, dropped, timed_out, failed) and workers started. */
  counter: Counter;
  /** Buffers moved to the worker with an item (not copied; unusable here afterwards). */
  transfer?: (item: In) => Transferable[];
}

export interface ModelWorkerStats {
  /** Requests waiting, and the one the worker runs (0 or 1). */
  queued: number;
  running: number;
  /** Items analysed, items dropped by `offer` on a full queue. */
  items: number;
  dropped: number;
  timeouts: number;
  failures: number;
  /** Workers started (1 + restarts after a timeout or a crash). */
  workers: number;
}

/** A request got no answer in its time; the worker was stopped. */
export class ModelTimeout extends Error {}

interface Pending<In, Out> {
  items: In[];
  resolve(v: Out[]): void;
  reject(e: Error): void;
}

export class ModelWorker<In, Out> {
  readonly #spec: ModelWorkerSpec<In>;
  readonly #queueMax: number;
  readonly #itemTimeoutMs: number;
  readonly #loadTimeoutMs: number;
  #worker?: Worker;
  #loaded = false;
  #nextId = 1;
  #queue: Pending<In, Out>[] = [];
  #running: Pending<In, Out> | null = null;
  #waiters: (() => void)[] = [];
  #closed = false;
  #stats = { items: 0, dropped: 0, timeouts: 0, failures: 0, workers: 0 };

  constructor(spec: ModelWorkerSpec<In>, opts: ModelWorkerOptions) {
    this.#spec = spec;
    this.#queueMax = Math.max(1, opts.queue ?? 4);
    this.#itemTimeoutMs = opts.itemTimeoutMs;
    this.#loadTimeoutMs = opts.loadTimeoutMs;
  }

  stats(): ModelWorkerStats {
    return { queued: this.#queue.length, running: this.#running ? 1 : 0, ...this.#stats };
  }

  /** The timeout of a request of `items` items (the first one also loads the models). */
  timeoutFor(items: number): number {
    return (this.#loaded ? 0 : this.#loadTimeoutMs) + Math.max(1, items) * this.#itemTimeoutMs;
  }

  /** Results of each item; waits for room in the queue. */
  async run(items: In[]): Promise<Out[]> {
    while (this.#queue.length >= this.#queueMax && !this.#closed) {
      await new Promise<void>((r) => this.#waiters.push(r));
    }
    return await this.#enqueue(items);
  }

  /** The result of one item, or `null` when the queue is full (the item is dropped, counted). */
  offer(item: In): Promise<Out> | null {
    if (this.#queue.length >= this.#queueMax) {
      this.#stats.dropped++;
      this.#spec.counter.inc({ outcome: "dropped" });
      return null;
    }
    return this.#enqueue([item]).then((r) => r[0]);
  }

  #enqueue(items: In[]): Promise<Out[]> {
    if (this.#closed) return Promise.reject(new Error(`${this.#spec.name} closed`));
    return new Promise((resolve, reject) => {
      this.#queue.push({ items, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#running || this.#queue.length === 0 || this.#closed) return;
    const job = this.#queue.shift()!;
    this.#waiters.shift()?.();
    this.#running = job;
    const { name, counter } = this.#spec;
    const worker = this.#worker ??= this.#start();
    const id = this.#nextId++;
    const timeoutMs = this.timeoutFor(job.items.length);
    const n = job.items.length;
    const finish = (fn: () => void) => {
      clearTimeout(timer);
      worker.removeEventListener("message", onMessage);
      worker.removeEventListener("error", onError);
      this.#running = null;
      fn();
      this.#pump();
    };
    const onMessage = (e: MessageEvent<ModelResponse<Out>>) => {
      if (e.data.id !== id) return;
      const res = e.data;
      finish(() => {
        if (res.ok) {
          this.#loaded = true;
          this.#stats.items += res.items.length;
          counter.inc({ outcome: "analysed" }, res.items.length);
          job.resolve(res.items);
        } else {
          this.#stats.failures++;
          counter.inc({ outcome: "failed" }, n);
          job.reject(new Error(`${name}: ${res.error}`));
        }
      });
    };
    const onError = (e: ErrorEvent) => {
      e.preventDefault();
      finish(() => {
        this.#stats.failures++;
        counter.inc({ outcome: "failed" }, n);
        this.#kill();
        job.reject(new Error(`${name} worker failed: ${e.message}`));
      });
    };
    const timer = setTimeout(() =>
      finish(() => {
        this.#stats.timeouts++;
        counter.inc({ outcome: "timed_out" }, n);
        this.#kill();
        job.reject(new ModelTimeout(`${name}: no answer for ${n} item(s) in ${timeoutMs} ms`));
      }), timeoutMs);
    worker.addEventListener("message", onMessage);
    worker.addEventListener("error", onError);
    const transfer = this.#spec.transfer ? job.items.flatMap(this.#spec.transfer) : [];
    const msg: ModelRequest<In> = { id, op: "run", items: job.items };
    worker.postMessage(msg, transfer);
  }

  #start(): Worker {
    this.#stats.workers++;
    this.#spec.counter.inc({ outcome: "worker_started" });
    this.#loaded = false;
    return new Worker(this.#spec.url, { type: "module", name: this.#spec.name });
  }

  #kill(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
  }

  /** Stops the worker; queued requests are refused. */
  close(): Promise<void> {
    this.#closed = true;
    const closed = () => new Error(`${this.#spec.name} closed`);
    for (const job of this.#queue.splice(0)) job.reject(closed());
    for (const w of this.#waiters.splice(0)) w();
    this.#kill();
    this.#running?.reject(closed());
    this.#running = null;
    return Promise.resolve();
  }
}

/**
 * The worker side: answers each request in order, one at a time, with `fn` applied to each
 * item. Call it once from the worker module.
 */
export function serveModel<In, Out>(fn: (item: In) => Promise<Out>): void {
  const self = globalThis as unknown as {
    onmessage: ((e: MessageEvent<ModelRequest<In>>) => void) | null;
    postMessage(m: ModelResponse<Out>): void;
  };
  let chain: Promise<unknown> = Promise.resolve();
  self.onmessage = (e) => {
    const req = e.data;
    chain = chain.then(async () => {
      try {
        const items: Out[] = [];
        for (const item of req.items) items.push(await fn(item));
        self.postMessage({ id: req.id, ok: true, items });
      } catch (err) {
        self.postMessage({
          id: req.id,
          ok: false,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    });
  };
}
