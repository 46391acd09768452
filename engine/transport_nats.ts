/**
 * The engine's `Transport` over NATS (`@nats-io/transport-node`). Connects with reconnect
 * forever (a NATS restart is survived without anyone noticing except for in-flight
 * requests), keeps subscriptions across reconnects (the client re-subscribes), passes
 * headers through (W3C trace context rides in them) and maps NATS request failures to the
 * transport contract's errors: "no responders" (status 503) -> `NoRespondersError`,
 * timeouts -> `RequestTimeoutError`.
 */
import {
  connect,
  errors as natsErrors,
  headers as natsHeaders,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
} from "@nats-io/transport-node";
import { createLogger, type Logger } from "./log.ts";
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

export interface NatsTransportOptions {
  /** Comma-separated server URLs, e.g. `nats://n1:4222,nats://n2:4222`. */
  servers: string;
  /** Connection name shown by the server (`/connz`): use the instance id. */
  name: string;
  log?: Logger;
  /** Wait between reconnect attempts; default 250 ms. */
  reconnectTimeWaitMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

export class NatsTransport implements Transport {
  readonly kind = "nats" as const;
  #connected = true;
  #closed = false;

  private constructor(readonly nc: NatsConnection, private readonly log: Logger) {
    this.#watchStatus();
  }

  /** Connect (waiting for the first server to come up) and return the transport. */
  static async connect(opts: NatsTransportOptions): Promise<NatsTransport> {
    const log = opts.log ?? createLogger({ component: "transport_nats" });
    const nc = await connect({
      servers: opts.servers.split(",").map((s) => s.trim()).filter((s) => s.length > 0),
      name: opts.name,
      maxReconnectAttempts: -1,
      waitOnFirstConnect: true,
      reconnectTimeWait: opts.reconnectTimeWaitMs ?? 250,
      reconnectJitter: 100,
      pingInterval: 10_000,
    });
    log.info("nats connected", { server: nc.getServer(), name: opts.name });
    return new NatsTransport(nc, log);
  }

  publish(subject: string, data: Uint8Array, opts?: PublishOptions): void {
    this.nc.publish(subject, data, { headers: toNatsHeaders(opts?.headers) });
  }

  subscribe(subject: string, handler: MessageHandler, opts?: SubscribeOptions): Subscription {
    const sub = this.nc.subscribe(subject, {
      queue: opts?.queue,
      callback: (err, msg) => {
        if (err) {
          this.log.warn("subscription error", { subject, error: err });
          return;
        }
        this.#dispatch(handler, msg);
      },
    });
    return {
      subject,
      unsubscribe: () => {
        if (!sub.isClosed()) sub.unsubscribe();
      },
      // UNSUB, then a round trip: whatever the server sent before it arrives and is handled.
      drain: async () => {
        if (sub.isClosed() || sub.isDraining()) return;
        await sub.drain().catch(() => sub.unsubscribe());
      },
    };
  }

  async request(subject: string, data: Uint8Array, opts?: RequestOptions): Promise<Message> {
    const timeoutMs = opts?.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    try {
      const reply = await this.nc.request(subject, data, {
        timeout: timeoutMs,
        headers: toNatsHeaders(opts?.headers),
      });
      return wrap(reply);
    } catch (err) {
      throw mapRequestError(err, subject, timeoutMs);
    }
  }

  async flush(): Promise<void> {
    await this.nc.flush();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#connected = false;
    try {
      await this.nc.drain();
    } catch {
      await this.nc.close();
    }
  }

  isConnected(): boolean {
    return this.#connected && !this.#closed && !this.nc.isClosed();
  }

  #dispatch(handler: MessageHandler, msg: Msg): void {
    try {
      const result = handler(wrap(msg));
      if (result instanceof Promise) {
        result.catch((error) =>
          this.log.error("message handler failed", { subject: msg.subject, error })
        );
      }
    } catch (error) {
      this.log.error("message handler failed", { subject: msg.subject, error });
    }
  }

  async #watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      switch (s.type) {
        case "disconnect":
          this.#connected = false;
          this.log.warn("nats disconnected", { server: s.server });
          break;
        case "reconnect":
          this.#connected = true;
          this.log.info("nats reconnected", { server: s.server });
          break;
        case "close":
          this.#connected = false;
          return;
        default:
          break;
      }
    }
  }
}

function wrap(msg: Msg): Message {
  return {
    subject: msg.subject,
    data: msg.data,
    headers: fromNatsHeaders(msg.headers),
    expectsReply: typeof msg.reply === "string" && msg.reply.length > 0,
    respond: (data: Uint8Array, headers?: Headers) => {
      if (msg.reply) msg.respond(data, { headers: toNatsHeaders(headers) });
    },
  };
}

function toNatsHeaders(h: Headers | undefined): MsgHdrs | undefined {
  if (!h) return undefined;
  const entries = Object.entries(h);
  if (entries.length === 0) return undefined;
  const out = natsHeaders();
  for (const [k, v] of entries) out.set(k, v);
  return out;
}

function fromNatsHeaders(h: MsgHdrs | undefined): Headers | undefined {
  if (!h) return undefined;
  const out: Headers = {};
  for (const k of h.keys()) out[k] = h.get(k);
  return Object.keys(out).length > 0 ? out : undefined;
}

/** NATS request failures -> the transport contract's errors (others pass through). */
function mapRequestError(err: unknown, subject: string, timeoutMs: number): unknown {
  if (err instanceof natsErrors.RequestError) {
    if (err.isNoResponders()) return new NoRespondersError(subject);
    if (err.cause instanceof natsErrors.TimeoutError) {
      return new RequestTimeoutError(subject, timeoutMs);
    }
  }
  if (err instanceof natsErrors.NoRespondersError) return new NoRespondersError(subject);
  if (err instanceof natsErrors.TimeoutError) return new RequestTimeoutError(subject, timeoutMs);
  return err;
}
