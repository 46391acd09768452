/**
 * Tracing and OpenTelemetry glue. Spans use `@opentelemetry/api`; with `OTEL_DENO=true`
 * (plus `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_SERVICE_NAME`) Deno's built-in OpenTelemetry
 * exports them (and its own HTTP metrics) over OTLP; without it spans are non-recording but
 * trace ids still flow: edge -> NATS (W3C `traceparent` header) -> actor, and every JSON log
 * line written inside a traced request carries `trace_id`/`span_id`.
 *
 * `initTelemetry()` installs an AsyncLocalStorage context manager when none is registered
 * (so the active span follows awaits) and bridges the Prometheus registry's counters and
 * gauges to OTel observable instruments.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import {
  type Context,
  context,
  type ContextManager,
  isSpanContextValid,
  metrics as otelMetrics,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from "@opentelemetry/api";
import { setLogContext } from "./log.ts";
import { metrics, type Registry } from "./metrics.ts";
import type { Headers } from "./transport.ts";

export const tracer = () => trace.getTracer("synapse-live");

/** Context manager on AsyncLocalStorage (Deno supports node:async_hooks). */
class AlsContextManager implements ContextManager {
  #als = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#als.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.#als.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== "function") return target;
    const run = (fn: () => unknown) => this.with(ctx, fn);
    return function (this: unknown, ...args: unknown[]) {
      return run(() => (target as (...a: unknown[]) => unknown).apply(this, args));
    } as T;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#als.disable();
    return this;
  }
}

let initialised = false;

/** Idempotent: context manager, trace ids in logs, OTel bridge of the metrics registry. */
export function initTelemetry(registry: Registry = metrics): void {
  if (initialised) return;
  initialised = true;
  context.setGlobalContextManager(new AlsContextManager()); // false (kept) if Deno set one
  setLogContext(() => {
    const sc = trace.getSpanContext(context.active());
    return sc && isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : {};
  });
  bridgeToOtel(registry);
}

/** Every counter/gauge of the registry as an OTel observable gauge (read at export). */
function bridgeToOtel(registry: Registry): void {
  const meter = otelMetrics.getMeter("synapse-live");
  for (const m of registry.list()) {
    if (m.type === "histogram") continue;
    const g = meter.createObservableGauge(m.name, { description: m.help });
    g.addCallback((result) => {
      for (const { labels, value } of m.values()) result.observe(value, labels);
    });
  }
}

// --- W3C trace context in message headers

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** `traceparent` of the active span (for a NATS message), or undefined. */
export function traceHeaders(ctx: Context = context.active()): Headers | undefined {
  const sc = trace.getSpanContext(ctx);
  if (!sc || !isSpanContextValid(sc)) return undefined;
  const flags = (sc.traceFlags & TraceFlags.SAMPLED) ? "01" : "00";
  return { traceparent: `00-${sc.traceId}-${sc.spanId}-${flags}` };
}

/** The context a message's `traceparent` names (the active one when absent or malformed). */
export function contextFromHeaders(headers: Headers | undefined): Context {
  const m = headers?.traceparent?.match(TRACEPARENT);
  if (!m) return context.active();
  return trace.setSpanContext(context.active(), {
    traceId: m[1],
    spanId: m[2],
    traceFlags: parseInt(m[3], 16),
    isRemote: true,
  });
}

/** A fresh random span context, used as a root when no tracer SDK records spans. */
function randomRootContext(): Context {
  const hex = (n: number) => crypto.getRandomValues(new Uint8Array(n)).toHex();
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: hex(16),
    spanId: hex(8),
    traceFlags: TraceFlags.NONE,
    isRemote: false,
  });
}

/**
 * Run `fn` in a span named `name` (child of `parent`, default the active context). With no
 * recording tracer, a root gets a random trace id anyway so logs and downstream hops still
 * share one id.
 */
export async function inSpan<T>(
  name: string,
  kind: SpanKind,
  parent: Context | undefined,
  attributes: Record<string, string | number | boolean>,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  let base = parent ?? context.active();
  if (!trace.getSpanContext(base)) base = randomRootContext();
  const span = tracer().startSpan(name, { kind, attributes }, base);
  let ctx = trace.setSpan(base, span);
  if (!isSpanContextValid(span.spanContext())) ctx = base; // no-op tracer: keep parent's ids
  try {
    return await context.with(ctx, () => fn(span));
  } catch (err) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
    throw err;
  } finally {
    span.end();
  }
}

export { SpanKind };
