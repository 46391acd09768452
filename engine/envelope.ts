/** Wire format of actor requests and replies over the transport. */
import { ActorError } from "./actor.ts";

export interface ActorRequest {
  msg: unknown;
}

export type ActorReply =
  | { ok: true; result: unknown }
  | { ok: false; error: { code: string; message: string; details?: unknown } };

/**
 * Several messages to one actor in one request (on `actorBatchSubject`): handled in order, as
 * if each had come alone. `v` is the batch format's version; an engine answers a version it
 * does not know with a `bad_batch` refusal of the whole request.
 */
export interface ActorBatchRequest {
  v: 1;
  msgs: unknown[];
}

/** The answer to a batch: one reply per message, in the batch's order. */
export interface ActorBatchReply {
  v: 1;
  replies: ActorReply[];
}

/** The batch format this version writes and reads. */
export const BATCH_VERSION = 1;

/** Messages one batch may carry at most (an engine refuses more with `bad_batch`). */
export const BATCH_MAX_MESSAGES = 1_024;

/** The encoded batch of already encoded messages (each one a JSON text). */
export function batchRequestJson(msgsJson: readonly string[]): string {
  return `{"v":${BATCH_VERSION},"msgs":[${msgsJson.join(",")}]}`;
}

/** The messages of a batch request, or a `bad_batch` ActorError naming what is wrong. */
export function batchMessages(body: unknown): unknown[] {
  const b = body as Partial<ActorBatchRequest> | null;
  if (typeof b !== "object" || b === null || !Array.isArray(b.msgs)) {
    throw new ActorError("bad_batch", "a batch is {v, msgs: [...]}");
  }
  if (b.v !== BATCH_VERSION) {
    throw new ActorError("bad_batch", `batch version ${b.v} is not ${BATCH_VERSION}`);
  }
  if (b.msgs.length > BATCH_MAX_MESSAGES) {
    throw new ActorError("bad_batch", `a batch carries at most ${BATCH_MAX_MESSAGES} messages`);
  }
  return b.msgs;
}

/** A batch's replies when `body` answers a batch of `n` messages (else undefined). */
export function batchReplies(body: unknown, n: number): ActorReply[] | undefined {
  const b = body as Partial<ActorBatchReply> | null;
  if (typeof b !== "object" || b === null || !Array.isArray(b.replies)) return undefined;
  return b.replies.length === n ? b.replies : undefined;
}

export function errorReply(err: unknown): ActorReply {
  if (err instanceof ActorError) {
    return { ok: false, error: { code: err.code, message: err.message, details: err.details } };
  }
  return { ok: false, error: { code: "internal", message: String(err) } };
}

export function unwrapReply<R>(reply: ActorReply): R {
  if (reply.ok) return reply.result as R;
  throw new ActorError(reply.error.code, reply.error.message, reply.error.details);
}
