/**
 * A Transport decorator for engine instances that measures what rooms publish without
 * decoding it: for each `{type}.out.{id}` batch it counts events (`{"t":"` markers) and
 * danmaku (`{"t":"danmaku"` markers) in the encoded bytes. Everything else passes through.
 */
import { M } from "./metrics.ts";
import type {
  MessageHandler,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  Transport,
} from "./transport.ts";

const encoder = new TextEncoder();
const EVENT = encoder.encode('{"t":"');
const DANMAKU = encoder.encode('danmaku"');

/** Events and danmaku in an encoded batch (one pass over the bytes). */
export function countBatchEvents(data: Uint8Array): { events: number; danmaku: number } {
  let events = 0;
  let danmaku = 0;
  outer: for (let i = 0; i + EVENT.length <= data.length; i++) {
    for (let j = 0; j < EVENT.length; j++) if (data[i + j] !== EVENT[j]) continue outer;
    events++;
    const at = i + EVENT.length;
    let isDanmaku = at + DANMAKU.length <= data.length;
    for (let j = 0; isDanmaku && j < DANMAKU.length; j++) {
      if (data[at + j] !== DANMAKU[j]) isDanmaku = false;
    }
    if (isDanmaku) danmaku++;
    i = at - 1;
  }
  return { events, danmaku };
}

export class MeteredTransport implements Transport {
  constructor(private readonly inner: Transport) {}
  get kind() {
    return this.inner.kind;
  }
  publish(subject: string, data: Uint8Array, opts?: PublishOptions): void {
    const dot = subject.indexOf(".");
    if (dot > 0 && subject.startsWith(".out.", dot)) {
      const { events, danmaku } = countBatchEvents(data);
      M.batchSize.observe(events);
      if (danmaku > 0) M.danmakuIn.inc(undefined, danmaku);
    }
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
