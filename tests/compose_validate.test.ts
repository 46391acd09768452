/**
 * compose.yaml is valid (Compose Specification schema and lint rules, by dclint: no container
 * engine runs here) and describes the cluster: every service, healthchecks, engine/edge
 * environment names known to engine/config.ts, the entry point and Prometheus reaching
 * every edge/engine, and a Grafana dashboard covering every metric the processes export.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { ConfigSchema } from "../edge/wiring/config.ts";
import { EDGE_DENO_ARGS, EDGE_V8_FLAGS } from "./helpers/deploy_flags.ts";
import { metrics } from "../engine/metrics.ts";
// The parts that register the dashboard's metrics besides the engine: rooms and edges.
import "../actors/room/batch_meter.ts";
import "../edge/metrics.ts";

const ROOT = new URL("../", import.meta.url);
const read = (path: string) => Deno.readTextFile(new URL(path, ROOT));

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string>;
  healthcheck?: { test: unknown };
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}

async function compose(): Promise<{ services: Record<string, Service> }> {
  return parse(await read("compose.yaml"), { merge: true });
}

Deno.test("compose: dclint finds no errors or warnings", async () => {
  const out = await new Deno.Command("npx", {
    args: ["-y", "dclint@3.1.0", "compose.yaml"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
  assert.doesNotMatch(text, /\b(error|warning)\b/, text);
});

Deno.test("compose: every part of the cluster is there, with healthchecks", async () => {
  const { services } = await compose();
  const names = Object.keys(services);
  for (
    const required of [
      "nats-1",
      "nats-2",
      "nats-3",
      "postgres",
      "minio",
      "minio-init",
      "redis",
      "livekit",
      "livekit-ingress",
      "livekit-egress",
      "entry",
      "otel-collector",
      "prometheus",
      "grafana",
    ]
  ) assert.ok(names.includes(required), `service ${required} missing`);
  const engines = names.filter((n) => n.startsWith("engine-"));
  const edges = names.filter((n) => n.startsWith("edge-"));
  assert.ok(engines.length >= 2, "at least two engines");
  assert.equal(edges.length >= 2, true, "at least two edges");
  for (const [name, svc] of Object.entries(services)) {
    if (name === "minio-init") continue; // a one-shot job
    assert.ok(svc.healthcheck?.test, `${name} has a healthcheck`);
  }
  // A 3-node JetStream cluster: every node routes to all three.
  for (const n of ["nats-1", "nats-2", "nats-3"]) {
    const args = ([] as string[]).concat(services[n].command ?? []).join(" ");
    assert.match(args, /--jetstream/);
    for (const peer of ["nats-1", "nats-2", "nats-3"]) {
      assert.match(args, new RegExp(`nats://${peer}:6222`));
    }
  }
  // The bucket is created before anything that stores media starts.
  assert.match(JSON.stringify(services["minio-init"]), /mc mb --ignore-existing local\/synapse/);
  assert.equal(
    services["livekit-egress"].depends_on?.["minio-init"]?.condition,
    "service_completed_successfully",
  );
});

Deno.test("compose: engines and edges run their roles with known configuration names", async () => {
  const { services } = await compose();
  const known = new Set(Object.keys(ConfigSchema.shape));
  const ids = new Set<string>();
  for (const [name, svc] of Object.entries(services)) {
    const role = name.startsWith("engine-")
      ? "engine"
      : name.startsWith("edge-")
      ? "edge"
      : undefined;
    if (!role) continue;
    assert.deepEqual(svc.command, ["--role", role], `${name} runs --role ${role}`);
    const env = svc.environment ?? {};
    for (const key of Object.keys(env)) {
      assert.ok(
        known.has(key) || key.startsWith("OTEL_") || key === "DENO_V8_FLAGS",
        `${name}: ${key} is not in engine/config.ts`,
      );
    }
    // Edges start as the README's command starts them (tests/helpers/deploy_flags.ts).
    if (role === "edge") {
      assert.equal(env.DENO_V8_FLAGS, EDGE_V8_FLAGS, `${name}: V8 flags`);
      const entry = (svc as { entrypoint?: string[] }).entrypoint;
      assert.deepEqual(entry, ["deno", "run", "-A", ...EDGE_DENO_ARGS, "edge/main.ts"], name);
    }
    for (const key of ["NATS_URL", "DATABASE_URL", "AUTH_SECRET", "INSTANCE_ID", "PARTITIONS"]) {
      assert.ok(env[key], `${name} sets ${key}`);
    }
    assert.equal(env.NATS_KV_REPLICAS, "3", `${name}: state replicated over the NATS cluster`);
    assert.equal(ids.has(env.INSTANCE_ID), false, `${name}: INSTANCE_ID unique`);
    ids.add(env.INSTANCE_ID);
    // Values must parse with the real config schema (AUTH_SECRET comes from the host env).
    const parsed = ConfigSchema.safeParse({ ...env, AUTH_SECRET: "x".repeat(32) });
    assert.ok(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues)}`);
  }
  assert.ok(ids.size >= 4);
});

Deno.test("compose: entry point, Prometheus and Grafana cover every edge, engine and metric", async () => {
  const { services } = await compose();
  const names = Object.keys(services);
  const nginx = await read("deploy/nginx/nginx.conf");
  const prometheus = parse(await read("deploy/prometheus/prometheus.yml"));
  const targets = JSON.stringify(prometheus.scrape_configs);
  for (const n of names.filter((n) => n.startsWith("edge-"))) {
    assert.match(nginx, new RegExp(`server ${n}:8080`), `nginx balances ${n}`);
    assert.ok(targets.includes(`${n}:8080`), `prometheus scrapes ${n}`);
  }
  for (const n of names.filter((n) => n.startsWith("engine-"))) {
    assert.ok(targets.includes(`${n}:${services[n].environment?.PORT}`), `prometheus scrapes ${n}`);
  }
  assert.match(nginx, /proxy_set_header Upgrade \$http_upgrade/, "WebSockets pass the entry point");
  // Every file a service mounts exists.
  for (const [name, svc] of Object.entries(services)) {
    for (const v of svc.volumes ?? []) {
      if (!v.startsWith("./")) continue;
      const path = v.split(":")[0];
      await Deno.stat(new URL(path, ROOT)).catch(() =>
        assert.fail(`${name} mounts missing ${path}`)
      );
    }
  }
  const dashboard = JSON.parse(await read("deploy/grafana/dashboards/synapse.json"));
  const exprs = JSON.stringify(dashboard.panels.map((p: { targets: unknown }) => p.targets));
  for (const m of metrics.list()) assert.ok(exprs.includes(m.name), `dashboard shows ${m.name}`);
  const datasource = parse(await read("deploy/grafana/provisioning/datasources/prometheus.yaml"));
  assert.equal(datasource.datasources[0].url, "http://prometheus:9090");
});
