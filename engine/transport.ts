/**
 * The messaging contract every part of Synapse Live talks through: NATS-style subjects
 * (`a.b.c`, `*` matches one token, `>` matches the rest), publish/subscribe, queue groups
 * and request/reply with a "no responders" failure. Implemented in-process
 * (`transport_memory.ts`) and over NATS (`transport_nats.ts`); actors never know which.
 */

/** Message headers (for trace context and the like). Keys are case-sensitive. */
export type Headers = Record<string, string>;

/** One delivered message. `respond` answers a request; it is a no-op for plain publishes. */
export interface Message {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers?: Headers;
  /** True when the sender waits for a reply. */
  readonly expectsReply: boolean;
  respond(data: Uint8Array, headers?: Headers): void;
}

export type MessageHandler = (msg: Message) => void | Promise<void>;

export interface Subscription {
  readonly subject: string;
  /** Stop at once: a message the server routed here just before is dropped unanswered. */
  unsubscribe(): void;
  /**
   * Stop taking new messages, but handle those already routed here (a request in flight gets
   * its answer instead of waiting out its timeout); resolves once none can arrive any more.
   */
  drain(): Promise<void>;
}

export interface SubscribeOptions {
  /** Queue group: each message goes to one member of the group only. */
  queue?: string;
}

export interface PublishOptions {
  headers?: Headers;
}

export interface RequestOptions {
  headers?: Headers;
  /** Milliseconds to wait for the reply; default 5000. */
  timeoutMs?: number;
}

export interface Transport {
  /** Name of the implementation, for logs and `/readyz`. */
  readonly kind: "memory" | "nats";
  publish(subject: string, data: Uint8Array, opts?: PublishOptions): void;
  subscribe(subject: string, handler: MessageHandler, opts?: SubscribeOptions): Subscription;
  /** Resolves with the first reply; rejects with NoRespondersError or RequestTimeoutError. */
  request(subject: string, data: Uint8Array, opts?: RequestOptions): Promise<Message>;
  /** Resolves when everything published so far has reached the server (no-op in memory). */
  flush(): Promise<void>;
  close(): Promise<void>;
  /** True while connected (always true in memory until closed). */
  isConnected(): boolean;
}

/** Nobody subscribes to the requested subject (e.g. during a partition hand-over). */
export class NoRespondersError extends Error {
  readonly code = "no_responders";
  constructor(readonly subject: string) {
    super(`no responders for ${subject}`);
    this.name = "NoRespondersError";
  }
}

/** A responder exists but did not answer in time. */
export class RequestTimeoutError extends Error {
  readonly code = "request_timeout";
  constructor(readonly subject: string, readonly timeoutMs: number) {
    super(`request to ${subject} timed out after ${timeoutMs} ms`);
    this.name = "RequestTimeoutError";
  }
}
