/**
 * The Prometheus alert rules (deploy/prometheus/alerts.yml) are valid and do what they say:
 * `promtool check rules`, then `promtool test rules` with alerts_test.yml (each page-worthy
 * alert fires on the series that should fire it, not before); every metric they name is one
 * the code registers; Prometheus loads them in compose.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { metrics } from "../engine/metrics.ts";
// The parts that register the metrics the alerts read.
import "../actors/room/danmaku_archive.ts";
import "../actors/economy/gift_ledger.ts";
import "../media/recorder/manager.ts";
import "../edge/webhooks/worker.ts";
import { ensureGoTool } from "./helpers/go_tools.ts";

const ROOT = new URL("../", import.meta.url);
const RULES = new URL("deploy/prometheus/alerts.yml", ROOT).pathname;
const RULE_TESTS = new URL("deploy/prometheus/alerts_test.yml", ROOT).pathname;

interface Rule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

Deno.test("alerts: every metric an alert reads is one the processes export", async () => {
  const doc = parse(await Deno.readTextFile(RULES)) as { groups: { rules: Rule[] }[] };
  const rules = doc.groups.flatMap((g) => g.rules);
  const names = new Set(metrics.list().map((m) => m.name));
  for (
    const wanted of [
      "SynapsePartitionsUnowned",
      "SynapseNatsDisconnected",
      "SynapseArchiveLagHigh",
      "SynapseLedgerFailures",
      "SynapseRecordingDiskLow",
    ]
  ) assert.ok(rules.some((r) => r.alert === wanted), `alert ${wanted}`);
  for (const r of rules) {
    assert.ok(r.labels?.severity, `${r.alert} has a severity`);
    assert.ok(r.annotations?.summary, `${r.alert} says what is wrong`);
    for (const m of r.expr.match(/synapse_[a-z_]+/g) ?? []) {
      const base = m.replace(/_(bucket|sum|count)$/, "");
      assert.ok(names.has(base), `${r.alert} reads ${m}, which no process exports`);
    }
  }
});

Deno.test("alerts: Prometheus in compose loads the rules", async () => {
  const prom = parse(await Deno.readTextFile(new URL("deploy/prometheus/prometheus.yml", ROOT)));
  assert.deepEqual(prom.rule_files, ["/etc/prometheus/alerts.yml"]);
  const compose = parse(await Deno.readTextFile(new URL("compose.yaml", ROOT)), { merge: true });
  assert.ok(
    compose.services.prometheus.volumes.includes(
      "./deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro",
    ),
  );
});

/**
 * promtool is a long build (Prometheus with its service discovery: 43 minutes on a busy
 * 2-core machine), so the suite does not start it: `build-go-tools.sh promtool` once, and this
 * test runs wherever it is built (it is reported as ignored, not passed, where it is not).
 */
const PROMTOOL = `${Deno.env.get("HOME")}/.cache/synapse-live/tools/promtool-v0.316.0/promtool`;
const promtoolBuilt = (() => {
  try {
    return Deno.statSync(PROMTOOL).isFile;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "alerts: promtool checks the rules and runs their unit tests",
  ignore: !promtoolBuilt,
}, async () => {
  const promtool = await ensureGoTool("promtool");
  for (const args of [["check", "rules", RULES], ["test", "rules", RULE_TESTS]]) {
    const out = await new Deno.Command(promtool, { args, stdout: "piped", stderr: "piped" })
      .output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `promtool ${args.join(" ")}:\n${text}`);
  }
});

Deno.test("observability: the collector sends traces to Tempo and logs to Loki, Grafana reads both", async () => {
  const read = async (p: string) => parse(await Deno.readTextFile(new URL(p, ROOT)));
  const compose = parse(await Deno.readTextFile(new URL("compose.yaml", ROOT)), { merge: true });
  for (const s of ["loki", "tempo"]) assert.ok(compose.services[s]?.healthcheck, `${s} in compose`);
  const otel = await read("deploy/otel/collector.yaml");
  assert.deepEqual(otel.service.pipelines.traces.exporters, ["otlp/tempo"]);
  assert.equal(otel.exporters["otlp/tempo"].endpoint, "tempo:4317");
  assert.deepEqual(otel.service.pipelines.logs.exporters, ["otlphttp/loki"]);
  assert.equal(otel.exporters["otlphttp/loki"].endpoint, "http://loki:3100/otlp");
  const tempo = await read("deploy/tempo/tempo.yaml");
  assert.equal(tempo.distributor.receivers.otlp.protocols.grpc.endpoint, "0.0.0.0:4317");
  const ds = await read("deploy/grafana/provisioning/datasources/loki_tempo.yaml");
  assert.deepEqual(
    ds.datasources.map((d: { type: string; url: string }) => [d.type, d.url]),
    [["loki", "http://loki:3100"], ["tempo", "http://tempo:3200"]],
  );
});
