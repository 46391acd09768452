/**
 * In-process metrics with a Prometheus text exposition (`GET /metrics`, format 0.0.4).
 * Counters, gauges (set, or read from a callback at scrape time) and histograms with
 * labels. One registry per process (`metrics`): the engine registers its runtime metrics
 * here (`M`), and each part of the application its own next to its code (the room's in
 * actors/room/batch_meter.ts, the edge's in edge/metrics.ts, ...). The OpenTelemetry side
 * (`telemetry.ts`) exports the same numbers over OTLP when enabled.
 */

import type { ActorSystemStats } from "./runtime.ts";

export type Labels = Record<string, string>;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function labelKey(labels: Labels | undefined): string {
  if (!labels) return "";
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}="${escapeLabel(labels[k])}"`).join(",");
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function fmt(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return String(n);
}

function series(name: string, key: string, extra?: string): string {
  const all = [key, extra].filter((s) => s && s.length > 0).join(",");
  return all.length > 0 ? `${name}{${all}}` : name;
}

export interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge" | "histogram";
  render(): string[];
  /** Current values by label set (histograms: observation counts). */
  values(): { labels: Labels; value: number }[];
}

function parseKey(key: string): Labels {
  const out: Labels = {};
  for (const m of key.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) out[m[1]] = m[2];
  return out;
}

export class Counter implements Metric {
  readonly type = "counter";
  #values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels?: Labels, by = 1): void {
    const k = labelKey(labels);
    this.#values.set(k, (this.#values.get(k) ?? 0) + by);
  }
  get(labels?: Labels): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }
  values(): { labels: Labels; value: number }[] {
    return [...this.#values].map(([k, value]) => ({ labels: parseKey(k), value }));
  }
  render(): string[] {
    return [...this.#values].map(([k, v]) => `${series(this.name, k)} ${fmt(v)}`);
  }
}

export class Gauge implements Metric {
  readonly type = "gauge";
  #values = new Map<string, number>();
  #collectors: (() => { labels?: Labels; value: number }[])[] = [];
  constructor(readonly name: string, readonly help: string) {}
  set(value: number, labels?: Labels): void {
    this.#values.set(labelKey(labels), value);
  }
  add(by: number, labels?: Labels): void {
    const k = labelKey(labels);
    this.#values.set(k, (this.#values.get(k) ?? 0) + by);
  }
  get(labels?: Labels): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }
  /** Values read at scrape time (e.g. the actor system's mailbox depth). */
  collect(fn: () => { labels?: Labels; value: number }[]): void {
    this.#collectors.push(fn);
  }
  #current(): Map<string, number> {
    const values = new Map(this.#values);
    for (const fn of this.#collectors) {
      for (const { labels, value } of fn()) values.set(labelKey(labels), value);
    }
    return values;
  }
  values(): { labels: Labels; value: number }[] {
    return [...this.#current()].map(([k, value]) => ({ labels: parseKey(k), value }));
  }
  render(): string[] {
    return [...this.#current()].map(([k, v]) => `${series(this.name, k)} ${fmt(v)}`);
  }
}

export class Histogram implements Metric {
  readonly type = "histogram";
  #series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[]) {}
  observe(value: number, labels?: Labels): void {
    const k = labelKey(labels);
    let s = this.#series.get(k);
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++;
    s.sum += value;
    s.count++;
  }
  count(labels?: Labels): number {
    return this.#series.get(labelKey(labels))?.count ?? 0;
  }
  values(): { labels: Labels; value: number }[] {
    return [...this.#series].map(([k, s]) => ({ labels: parseKey(k), value: s.count }));
  }
  render(): string[] {
    const out: string[] = [];
    for (const [k, s] of this.#series) {
      this.buckets.forEach((b, i) =>
        out.push(`${series(`${this.name}_bucket`, k, `le="${fmt(b)}"`)} ${s.counts[i]}`)
      );
      out.push(`${series(`${this.name}_bucket`, k, 'le="+Inf"')} ${s.count}`);
      out.push(`${series(`${this.name}_sum`, k)} ${fmt(s.sum)}`);
      out.push(`${series(`${this.name}_count`, k)} ${s.count}`);
    }
    return out;
  }
}

export class Registry {
  #metrics = new Map<string, Metric>();

  counter(name: string, help: string): Counter {
    return this.#get(name, () => new Counter(name, help), Counter);
  }
  gauge(name: string, help: string): Gauge {
    return this.#get(name, () => new Gauge(name, help), Gauge);
  }
  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.#get(name, () => new Histogram(name, help, buckets), Histogram);
  }

  list(): Metric[] {
    return [...this.#metrics.values()];
  }

  /** Prometheus text exposition of every metric. */
  render(): string {
    const lines: string[] = [];
    for (const m of this.#metrics.values()) {
      lines.push(`# HELP ${m.name} ${m.help.replace(/\n/g, " ")}`, `# TYPE ${m.name} ${m.type}`);
      lines.push(...m.render());
    }
    return lines.join("\n") + "\n";
  }

  // deno-lint-ignore no-explicit-any
  #get<T extends Metric>(name: string, make: () => T, cls: new (...args: any[]) => T): T {
    if (!NAME.test(name)) throw new RangeError(`bad metric name ${name}`);
    const existing = this.#metrics.get(name);
    if (existing) {
      if (!(existing instanceof cls)) {
        throw new TypeError(`metric ${name} registered as ${existing.type}`);
      }
      return existing;
    }
    const m = make();
    this.#metrics.set(name, m);
    return m;
  }
}

/** Content type of the text exposition. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const MS_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

/** The process-wide registry. */
export const metrics = new Registry();

/** The engine's own metrics: actors, partitions, requests, NATS (names used by the dashboard). */
export const M = {
  mailboxDepth: metrics.gauge("synapse_mailbox_depth", "Messages queued in actor mailboxes"),
  activeActors: metrics.gauge("synapse_actors_active", "Active actor activations"),
  activations: metrics.gauge("synapse_actor_activations_total", "Actor activations since start"),
  passivations: metrics.gauge("synapse_actor_passivations_total", "Actor passivations since start"),
  fenced: metrics.gauge(
    "synapse_actor_fenced_total",
    "State writes or publishes refused because this instance no longer owns the actor",
  ),
  partitionsOwned: metrics.gauge(
    "synapse_partitions_owned",
    "Partitions this engine instance owns",
  ),
  partitionMoves: metrics.counter(
    "synapse_partition_moves_total",
    "Partition moves of this instance by kind (acquired, released, lost)",
  ),
  requestLatency: metrics.histogram(
    "synapse_request_duration_ms",
    "Actor request latency (edge: round trip; engine: handling)",
    MS_BUCKETS,
  ),
  natsConnected: metrics.gauge("synapse_nats_connected", "1 while the NATS connection is up"),
};

/** Reads an actor system's counters at scrape time (embedded and cluster engines alike). */
export function registerActorGauges(system: { stats(): ActorSystemStats }): void {
  M.mailboxDepth.collect(() => [{ value: system.stats().mailboxDepth }]);
  M.activeActors.collect(() => [{ value: system.stats().active }]);
  M.activations.collect(() => [{ value: system.stats().activations }]);
  M.passivations.collect(() => [{ value: system.stats().passivations }]);
  M.fenced.collect(() => [{ value: system.stats().fenced }]);
}
