/**
 * The in-process transport: the same subjects and semantics as NATS (wildcards, queue
 * groups, request/reply, "no responders") inside one process. Delivery is asynchronous
 * (a microtask) so publishers never run subscribers' code on their own stack.
 */
import { isValidPattern, isValidSubject } from "./subject.ts";
import { SubjectTrie } from "./subject_trie.ts";
import {
  type Headers,
  type Message,
  type MessageHandler,
  NoRespondersError,
  type PublishOptions,
  type RequestOptions,
  RequestTimeoutError,
  type SubscribeOptions,
  type Subscription,
  type Transport,
} from "./transport.ts";

interface Sub {
  pattern: string;
  handler: MessageHandler;
  queue?: string;
  active: boolean;
}

export class MemoryTransport implements Transport {
  readonly kind = "memory" as const;
  #subs = new SubjectTrie<Sub>();
  #closed = false;
  #queueTurn = new Map<string, number>();
  /** Called when a handler throws; default logs to stderr. */
  onHandlerError: (err: unknown, subject: string) => void = (err, subject) =>
    console.error(
      JSON.stringify({ level: "error", msg: "subscriber failed", subject, err: String(err) }),
    );

  publish(subject: string, data: Uint8Array, opts?: PublishOptions): void {
    this.#deliver(subject, data, opts?.headers, undefined);
  }

  subscribe(pattern: string, handler: MessageHandler, opts?: SubscribeOptions): Subscription {
    this.#assertOpen();
    if (!isValidPattern(pattern)) throw new Error(`invalid subject pattern: ${pattern}`);
    const sub: Sub = { pattern, handler, queue: opts?.queue, active: true };
    this.#subs.add(pattern, sub);
    return {
      subject: pattern,
      unsubscribe: () => {
        if (!sub.active) return;
        sub.active = false;
        this.#subs.remove(pattern, sub);
      },
      // No new matches; deliveries already queued (microtasks, run in order) still happen.
      drain: () => {
        this.#subs.remove(pattern, sub);
        return new Promise<void>((resolve) =>
          queueMicrotask(() => {
            sub.active = false;
            resolve();
          })
        );
      },
    };
  }

  request(subject: string, data: Uint8Array, opts?: RequestOptions): Promise<Message> {
    const timeoutMs = opts?.timeoutMs ?? 5000;
    return new Promise<Message>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        if (done) return;
        done = true;
        reject(new RequestTimeoutError(subject, timeoutMs));
      }, timeoutMs);
      const reply = (replyData: Uint8Array, headers?: Headers) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(this.#message(subject, replyData, headers, undefined));
      };
      const delivered = this.#deliver(subject, data, opts?.headers, reply);
      if (delivered === 0) {
        done = true;
        clearTimeout(timer);
        reject(new NoRespondersError(subject));
      }
    });
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#subs.clear();
    return Promise.resolve();
  }

  isConnected(): boolean {
    return !this.#closed;
  }

  /** Number of subscriptions (for tests and metrics). */
  subscriptionCount(): number {
    return this.#subs.size;
  }

  #assertOpen() {
    if (this.#closed) throw new Error("transport closed");
  }

  #message(
    subject: string,
    data: Uint8Array,
    headers: Headers | undefined,
    reply: ((d: Uint8Array, h?: Headers) => void) | undefined,
  ): Message {
    return {
      subject,
      data,
      headers,
      expectsReply: reply !== undefined,
      respond: (d, h) => reply?.(d, h),
    };
  }

  /** Delivers to every plain subscriber and one member per queue group; returns how many. */
  #deliver(
    subject: string,
    data: Uint8Array,
    headers: Headers | undefined,
    reply: ((d: Uint8Array, h?: Headers) => void) | undefined,
  ): number {
    this.#assertOpen();
    if (!isValidSubject(subject)) throw new Error(`invalid subject: ${subject}`);
    const targets: Sub[] = [];
    const groups = new Map<string, Sub[]>();
    const consider = (sub: Sub) => {
      if (!sub.queue) targets.push(sub);
      else {
        const members = groups.get(sub.queue);
        if (members) members.push(sub);
        else groups.set(sub.queue, [sub]);
      }
    };
    this.#subs.match(subject, consider);
    for (const [queue, members] of groups) {
      const turn = (this.#queueTurn.get(queue) ?? 0) + 1;
      this.#queueTurn.set(queue, turn);
      targets.push(members[turn % members.length]);
    }
    if (targets.length === 0) return 0;
    const msg = this.#message(subject, data, headers, reply);
    for (const sub of targets) {
      queueMicrotask(() => {
        if (!sub.active) return;
        try {
          const result = sub.handler(msg);
          if (result instanceof Promise) result.catch((err) => this.onHandlerError(err, subject));
        } catch (err) {
          this.onHandlerError(err, subject);
        }
      });
    }
    return targets.length;
  }
}
