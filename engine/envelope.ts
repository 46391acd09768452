/** Wire format of actor requests and replies over the transport. */
import { ActorError } from "./actor.ts";

export interface ActorRequest {
  msg: unknown;
}

export type ActorReply =
  | { ok: true; result: unknown }
  | { ok: false; error: { code: string; message: string; details?: unknown } };

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
