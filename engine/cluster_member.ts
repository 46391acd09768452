/**
 * What every cluster member (an engine instance, an edge) starts from: its instance id,
 * checked; the NATS URL it needs; and an ActorClient whose requests carry trace context and
 * are measured.
 */
import { ActorClient } from "./client.ts";
import { INSTANCE_ID } from "./instance_id.ts";
import type { EngineConfig } from "./config.ts";
import { M } from "./metrics.ts";
import { inSpan, SpanKind, traceHeaders } from "./telemetry.ts";
import type { Transport } from "./transport.ts";

export function requireNats(config: EngineConfig): string {
  if (!config.NATS_URL) throw new Error("cluster mode needs NATS_URL");
  return config.NATS_URL;
}

export function checkInstanceId(id: string): string {
  if (!INSTANCE_ID.test(id)) throw new Error(`INSTANCE_ID must match ${INSTANCE_ID} (got ${id})`);
  return id;
}

/**
 * An ActorClient whose requests carry trace context and are measured, and which gathers
 * batchable messages to one busy actor for up to `ACTOR_BATCH_MS` (0: never). A batch carries the trace
 * context of its first message; each message keeps its own client span.
 */
export function tracedClient(transport: Transport, config: EngineConfig): ActorClient {
  const client = new ActorClient(transport, {
    partitions: config.PARTITIONS,
    headers: () => traceHeaders(),
    batch: config.ACTOR_BATCH_MS > 0
      ? { windowMs: config.ACTOR_BATCH_MS, maxItems: config.ACTOR_BATCH_MAX, maxBytes: 256 * 1024 }
      : undefined,
  });
  client.ask = traced(client.ask.bind(client));
  client.askBatched = traced(client.askBatched.bind(client));
  return client;
}

type Ask = <R>(type: string, id: string, msg: unknown) => Promise<R>;

function traced(ask: Ask): Ask {
  return <R>(type: string, id: string, msg: unknown): Promise<R> => {
    const started = performance.now();
    return inSpan(
      `actor.request ${type}`,
      SpanKind.CLIENT,
      undefined,
      { "actor.type": type, "actor.id": id },
      () =>
        ask<R>(type, id, msg).finally(() =>
          M.requestLatency.observe(performance.now() - started, { side: "client", type })
        ),
    );
  };
}
