/**
 * Reaches any actor in the cluster knowing only `(type, id)`: computes its partition
 * subject and sends a request. "No responders" (a partition between owners) and
 * `stale_activation` replies are retried with bounded, jittered exponential backoff.
 */
import { ActorError } from "./actor.ts";
import { jitteredDelay } from "./resilience/backoff.ts";
import { decodeJson, encodeJson } from "./codec.ts";
import { type ActorReply, unwrapReply } from "./envelope.ts";
import { actorSubject } from "./partition.ts";
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
}

const RETRYABLE = new Set(["stale_activation", "system_closed"]);

export class ActorClient implements ActorRouter {
  constructor(private readonly transport: Transport, private readonly opts: ActorClientOptions) {}

  async ask<R>(type: string, id: string, msg: unknown): Promise<R> {
    const subject = actorSubject(type, id, this.opts.partitions);
    const data = encodeJson({ msg });
    const retries = this.opts.retries ?? 8;
    for (let attempt = 0;; attempt++) {
      try {
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
