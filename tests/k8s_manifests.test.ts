/**
 * The Kubernetes manifests (deploy/k8s, kustomize) are valid against the Kubernetes 1.32 API
 * (kubeconform, built from the Go module proxy, strict: an unknown field fails; the schemas are
 * made from the API's own OpenAPI description, tests/helpers/k8s_schemas.ts) and describe the
 * cluster as compose does: engines as a StatefulSet with a SIGTERM grace period and stable
 * instance ids, edges behind a Service, NATS with JetStream on three routed nodes, stateful
 * dependencies as externals, and only configuration names the processes know.
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { ConfigSchema } from "../edge/wiring/config.ts";
import { EDGE_DENO_ARGS, EDGE_V8_FLAGS } from "./helpers/deploy_flags.ts";
import { ensureGoTool } from "./helpers/go_tools.ts";
import { kubeconformSchemas } from "./helpers/k8s_schemas.ts";

const DIR = new URL("../deploy/k8s/", import.meta.url).pathname;

// deno-lint-ignore no-explicit-any
type Doc = any;

async function manifests(): Promise<{ files: string[]; docs: Doc[] }> {
  const kustomization = parseAllDocuments(await Deno.readTextFile(`${DIR}kustomization.yaml`))[0]
    .toJS();
  const files = (kustomization.resources as string[]).map((f) => `${DIR}${f}`);
  const docs: Doc[] = [];
  for (const f of files) {
    for (const d of parseAllDocuments(await Deno.readTextFile(f))) docs.push(d.toJS());
  }
  return { files, docs };
}

const find = (docs: Doc[], kind: string, name: string) =>
  docs.find((d) => d.kind === kind && d.metadata?.name === name);

Deno.test("k8s: kubeconform (strict) accepts every manifest", async () => {
  const { files, docs } = await manifests();
  const kinds = [...new Set(docs.map((d) => `${d.kind} ${d.apiVersion}`))]
    .map((k) => k.split(" ") as [string, string]);
  const [kubeconform, schemas] = await Promise.all([
    ensureGoTool("kubeconform"),
    kubeconformSchemas(kinds),
  ]);
  const run = async (paths: string[]) => {
    const out = await new Deno.Command(kubeconform, {
      args: [
        "-strict",
        "-summary",
        "-schema-location",
        `${schemas}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
        ...paths,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return {
      code: out.code,
      text: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
    };
  };
  const good = await run(files);
  assert.equal(good.code, 0, good.text);
  assert.match(good.text, new RegExp(`Valid: ${docs.length}, Invalid: 0, Errors: 0, Skipped: 0`));
  // It can fail: a misspelt field and a wrong type are refused.
  const bad = await Deno.makeTempFile({ suffix: ".yaml" });
  try {
    await Deno.writeTextFile(
      bad,
      (await Deno.readTextFile(`${DIR}engine.yaml`))
        .replace("terminationGracePeriodSeconds: 60", "terminationGracePeriodSecond: 60")
        .replace("replicas: 2", 'replicas: "two"'),
    );
    const refused = await run([bad]);
    assert.notEqual(refused.code, 0, refused.text);
    assert.match(refused.text, /terminationGracePeriodSecond/);
    assert.match(refused.text, /replicas/);
  } finally {
    await Deno.remove(bad);
  }
});

Deno.test("k8s: engines, edges, NATS and externals as compose runs them", async () => {
  const { docs } = await manifests();
  const engine = find(docs, "StatefulSet", "engine");
  const edge = find(docs, "Deployment", "edge");
  const nats = find(docs, "StatefulSet", "nats");
  assert.ok(engine && edge && nats);
  const known = new Set(Object.keys(ConfigSchema.shape));
  const config = find(docs, "ConfigMap", "synapse-config").data;
  const secret = find(docs, "Secret", "synapse-secrets").stringData;
  for (const key of [...Object.keys(config), ...Object.keys(secret)]) {
    assert.ok(known.has(key) || key.startsWith("OTEL_"), `${key} is a known variable`);
  }
  for (const key of ["NATS_URL", "DATABASE_URL", "AUTH_SECRET", "PARTITIONS"]) {
    assert.ok(config[key] ?? secret[key], `${key} is set`);
  }
  assert.ok(ConfigSchema.safeParse({ ...config, ...secret }).success);
  for (const [w, role] of [[engine, "engine"], [edge, "edge"]]) {
    const spec = w.spec.template.spec;
    const c = spec.containers[0];
    assert.deepEqual(c.args, ["--role", role]);
    assert.ok(spec.terminationGracePeriodSeconds >= 30, `${role}: time for a graceful stop`);
    assert.equal(c.readinessProbe.httpGet.path, "/readyz");
    assert.equal(c.livenessProbe.httpGet.path, "/healthz");
    const id = c.env.find((e: Doc) => e.name === "INSTANCE_ID");
    assert.equal(id.valueFrom.fieldRef.fieldPath, "metadata.name", `${role}: stable instance id`);
    for (const e of c.env) {
      assert.ok(
        known.has(e.name) || e.name.startsWith("OTEL_") || e.name === "DENO_V8_FLAGS",
        e.name,
      );
    }
    const v8Flags = c.env.find((e: Doc) => e.name === "DENO_V8_FLAGS")?.value;
    assert.equal(v8Flags, role === "edge" ? EDGE_V8_FLAGS : undefined, `${role}: V8 flags`);
    assert.deepEqual(
      c.command,
      role === "edge" ? ["deno", "run", "-A", ...EDGE_DENO_ARGS, "edge/main.ts"] : undefined,
      `${role}: deno run options`,
    );
  }
  const args = nats.spec.template.spec.containers[0].args.join(" ");
  assert.match(args, /--jetstream/);
  for (let i = 0; i < 3; i++) assert.match(args, new RegExp(`nats://nats-${i}.nats-cluster:6222`));
  assert.equal(nats.spec.replicas, 3);
  for (const name of ["postgres", "s3", "livekit", "otel-collector"]) {
    assert.equal(find(docs, "Service", name)?.spec.type, "ExternalName", `${name} is external`);
  }
});
