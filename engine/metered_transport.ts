/**
 * A Transport decorator that shows every published message to a meter before passing it
 * on (the application decides what to count: room batches, for instance). Subscriptions,
 * requests and everything else pass through untouched.
 */
import type {
  MessageHandler,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  Transport,
} from "./transport.ts";

/** Sees each published message; must be cheap and must not throw. */
export type PublishMeter = (subject: string, data: Uint8Array) => void;

export class MeteredTransport implements Transport {
  constructor(private readonly inner: Transport, private readonly meter: PublishMeter) {}
  get kind() {
    return this.inner.kind;
  }
  publish(subject: string, data: Uint8Array, opts?: PublishOptions): void {
    this.meter(subject, data);
    this.inner.publish(subject, data, opts);
  }
  subscribe(subject: string, handler: MessageHandler, opts?: SubscribeOptions) {
    return this.inner.subscribe(subject, handler, opts);
  }
  request(subject: string, data: Uint8Array, opts?: RequestOptions) {
    return this.inner.request(subject, data, opts);
  }
  flush() {
    return this.inner.flush();
  }
  close() {
    return this.inner.close();
  }
  isConnected() {
    return this.inner.isConnected();
  }
}
