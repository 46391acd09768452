/**
 * Reaches any actor in the cluster knowing only `(type, id)`: computes its partition
 * subject and sends a request. "No responders" (a partition between owners) and
 * `stale_activation` replies are retried with bounded, jittered exponential backoff.
 *
 * An actor this process serves itself (`local`: the embedded engine, which owns every
 * partition) is asked without the transport: no routing, no bytes, no per-request timer. The
 * message and the reply are still copied as a JSON round trip would copy them (`jsonCopy`), so
 * the receiver gets exactly what the wire would deliver (plain data, no shared objects) and a
 * refusal arrives as the same ActorError; only the encoding and the transport's bookkeeping go.
 *
 * `askBatched` is `ask` for messages that may travel together (a hot room's chat): with
 * `batch` set, those to one busy remote actor are gathered for a short window (gather.ts) and sent
 * as one request on its batch subject (envelope.ts); each caller gets its own message's reply,
 * in order. A batch nobody serves ("no responders": a hand-over, or an engine of a version
 * without batches), or one refused as a whole with a retryable code or `bad_batch`, is sent
 * again message by message through `ask`, so each then meets exactly today's retries and
 * errors; a batch that timed out fails its own messages only, with `ask`'s timeout error.
 */
import { ActorError } from "./actor.ts";
import { jitteredDelay } from "./resilience/backoff.ts";
import { decodeJson, encodeJson } from "./codec.ts";
import {
  type ActorReply,
  type ActorRequest,
  batchReplies,
  batchRequestJson,
  errorReply,
  unwrapReply,
} from "./envelope.ts";
import { Gather, type GatherOptions } from "./gather.ts";
import { actorBatchSubject, actorSubject } from "./partition.ts";
import { isValidSubject } from "./subject.ts";
import { FixedDeadlines } from "./fixed_deadlines.ts";
import { jsonCopy } from "./json_copy.ts";
import type { ActorRouter } from "./runtime.ts";
import {
  type Headers,
  NoRespondersError,
  RequestTimeoutError,
  type Transport,
} from "./transport.ts";

export interface ActorClientOptions {
  partitions: number;
  /** Per-attempt reply timeout (default 5 s). */
  timeoutMs?: number;
  /** Attempts after the first on "no responders" (default 8: about 5 s of backoff in all). */
  retries?: number;
  /** Adds headers to each request (e.g. trace context). */
  headers?: () => Headers | undefined;
  /** The actors this process serves itself, asked without the transport. */
  local?: LocalActors;
  /** Gather `askBatched` messages to one remote actor into batches (unset: each goes alone). */
  batch?: GatherOptions;
}

/** Actors served in this process (`ActorHost.serves` and `ActorSystem.ask`). */
export interface LocalActors {
  /** True while this process serves `(type, id)` (it owns the partition). */
  serves(type: string, id: string): boolean;
  ask(type: string, id: string, msg: unknown): Promise<unknown>;
}

const RETRYABLE = new Set(["stale_activation", "system_closed"]);
/** A whole batch refused with these: its messages go again one by one. */
const RESEND_SINGLY = new Set([...RETRYABLE, "bad_batch"]);

/** One message waiting in, or travelling with, a batch. */
interface BatchItem {
  type: string;
  id: string;
  msg: unknown;
  /** `msg` as JSON text. */
  json: string;
  /** The caller's headers (trace context): the first item's travel with the batch. */
  headers: Headers | undefined;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

const encoder = new TextEncoder();

export class ActorClient implements ActorRouter {
  /** The local path's per-attempt timeouts (one timer for all). */
  readonly #deadlines: FixedDeadlines;
  readonly #batches: Gather<BatchItem> | undefined;

  constructor(private readonly transport: Transport, private readonly opts: ActorClientOptions) {
    this.#deadlines = new FixedDeadlines(opts.timeoutMs ?? 5_000);
    if (opts.batch) {
      this.#batches = new Gather(opts.batch, (subject, items) => this.#sendBatch(subject, items));
    }
  }

  ask<R>(type: string, id: string, msg: unknown): Promise<R> {
    return this.#ask(type, id, msg);
  }

  /** `ask`, but the message may travel in one request with others to the same actor. */
  askBatched<R>(type: string, id: string, msg: unknown): Promise<R> {
    const json = this.#batches && !this.opts.local?.serves(type, id)
      ? JSON.stringify(msg)
      : undefined;
    if (json === undefined) return this.#ask(type, id, msg);
    return new Promise<R>((resolve, reject) => {
      const item: BatchItem = {
        type,
        id,
        msg,
        json,
        headers: this.opts.headers?.(),
        resolve: resolve as (value: unknown) => void,
        reject,
      };
      this.#batches!.add(actorBatchSubject(type, id, this.opts.partitions), item, json.length);
    });
  }

  #sendBatch(subject: string, items: BatchItem[]): void {
    const { type, id, headers } = items[0];
    const data = encoder.encode(batchRequestJson(items.map((i) => i.json)));
    const timeoutMs = this.opts.timeoutMs ?? 5_000;
    this.transport.request(subject, data, { timeoutMs, headers }).then(
      (reply) => {
        let body: unknown;
        try {
          body = decodeJson(reply.data);
        } catch {
          body = undefined;
        }
        const replies = batchReplies(body, items.length);
        if (replies) {
          items.forEach((item, i) => this.#settle(item, replies[i]));
          return;
        }
        const whole = body as ActorReply | undefined;
        if (whole?.ok === false && RESEND_SINGLY.has(whole.error?.code)) return this.#singly(items);
        const err = whole?.ok === false
          ? new ActorError(whole.error.code, whole.error.message, whole.error.details)
          : new ActorError("internal", `malformed batch reply from ${subject}`);
        for (const item of items) item.reject(err);
      },
      (err) => {
        if (err instanceof NoRespondersError) return this.#singly(items);
        const failure = translate(err, actorSubject(type, id, this.opts.partitions));
        for (const item of items) item.reject(failure);
      },
    );
  }

  /** One message's reply from a batch; a retryable refusal sends it again alone. */
  #settle(item: BatchItem, reply: ActorReply): void {
    if (!reply.ok && RETRYABLE.has(reply.error.code)) return this.#singly([item]);
    try {
      item.resolve(unwrapReply(reply));
    } catch (err) {
      item.reject(err);
    }
  }

  /** Each message on its own, in order (each request leaves before the next is made). */
  #singly(items: BatchItem[]): void {
    for (const item of items) {
      this.#ask(item.type, item.id, item.msg).then(item.resolve, item.reject);
    }
  }

  async #ask<R>(type: string, id: string, msg: unknown): Promise<R> {
    const subject = actorSubject(type, id, this.opts.partitions);
    let data: Uint8Array | undefined;
    const retries = this.opts.retries ?? 8;
    for (let attempt = 0;; attempt++) {
      try {
        if (this.opts.local?.serves(type, id)) {
          // the in-process transport refuses such a subject; so does the local path
          if (!isValidSubject(subject)) throw new Error(`invalid subject: ${subject}`);
          return await this.#askLocal<R>(subject, type, id, msg);
        }
        data ??= encodeJson({ msg });
        const reply = await this.transport.request(subject, data, {
          timeoutMs: this.opts.timeoutMs ?? 5_000,
          headers: this.opts.headers?.(),
        });
        return unwrapReply<R>(decodeJson<ActorReply>(reply.data));
      } catch (err) {
        const retryable = err instanceof NoRespondersError ||
          (err instanceof ActorError && RETRYABLE.has(err.code));
        if (!retryable || attempt >= retries) throw translate(err, subject);
        await new Promise((r) => setTimeout(r, 50 + jitteredDelay(attempt, 50, 1_500)));
      }
    }
  }

  /**
   * In process: the message and the reply (or refusal) as the wire would carry them, and the
   * same per-attempt timeout.
   */
  #askLocal<R>(subject: string, type: string, id: string, msg: unknown): Promise<R> {
    const copy = jsonCopy<ActorRequest>({ msg }).msg;
    const timeoutMs = this.#deadlines.ms;
    return new Promise<R>((resolve, reject) => {
      const deadline = this.#deadlines.add(() =>
        reject(new RequestTimeoutError(subject, timeoutMs))
      );
      const settle = (reply: ActorReply) => {
        deadline.cancel();
        try {
          resolve(unwrapReply<R>(jsonCopy(reply)));
        } catch (err) {
          reject(err);
        }
      };
      // delivered a microtask later, as by the in-process transport: the actor never runs on
      // its sender's stack, and what the sender set going just before arrives first
      queueMicrotask(() =>
        this.opts.local!.ask(type, id, copy).then(
          (result) => settle({ ok: true, result }),
          (err) => settle(errorReply(err)),
        )
      );
    });
  }

  tell(type: string, id: string, msg: unknown): void {
    this.ask(type, id, msg).catch(() => {});
  }
}

function translate(err: unknown, subject: string): unknown {
  if (err instanceof NoRespondersError) {
    return new ActorError("unavailable", `no engine serves ${subject} right now; try again`);
  }
  if (err instanceof RequestTimeoutError) {
    return new ActorError("timeout", `${subject} did not answer in time`);
  }
  return err;
}
