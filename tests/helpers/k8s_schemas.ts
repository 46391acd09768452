/**
 * JSON Schemas of Kubernetes kinds for kubeconform, made here: kubeconform downloads them
 * from GitHub by default, which these machines cannot reach. The Go module proxy serves
 * `k8s.io/kubernetes`, whose `api/openapi-spec/swagger.json` is the API's own description;
 * each kind asked for becomes a file in kubeconform's layout (`{kind}-{group}-{version}.json`,
 * as openapi2jsonschema names them) holding its definition and every definition it may
 * reference, made strict (no property the API does not know: `additionalProperties: false`
 * on objects that list their properties), with int-or-string and quantities accepting both
 * JSON types, as the API server does. Written once into the tools folder.
 */
const K8S_VERSION = "v1.32.0";

type Json = Record<string, unknown>;

function fix(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(fix);
  if (typeof node !== "object" || node === null) return node;
  const o = node as Json;
  if (o.format === "int-or-string") {
    return { description: o.description, oneOf: [{ type: "string" }, { type: "integer" }] };
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) {
    out[k] = k === "properties" ? fixProps(v as Json) : fix(v);
  }
  if (out.type === "object" && out.properties && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

function fixProps(props: Json): Json {
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, fix(v)]));
}

/** Kubeconform's file name for a group/version/kind. */
export function schemaFileName(kind: string, apiVersion: string): string {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const suffix = group ? `-${group.split(".")[0]}-${version}` : `-${version}`;
  return `${kind.toLowerCase()}${suffix}.json`.toLowerCase();
}

/** The folder holding schemas for `kinds` (`[kind, apiVersion]`), made when missing. */
export async function kubeconformSchemas(kinds: [string, string][]): Promise<string> {
  const dir = `${Deno.env.get("HOME")}/.cache/synapse-live/tools/k8s-schemas-${K8S_VERSION}-strict`;
  await Deno.mkdir(dir, { recursive: true });
  const missing = [];
  for (const [kind, apiVersion] of kinds) {
    const file = `${dir}/${schemaFileName(kind, apiVersion)}`;
    if (!(await Deno.stat(file).then(() => true, () => false))) missing.push([kind, apiVersion]);
  }
  if (missing.length === 0) return dir;
  const got = await new Deno.Command("go", {
    args: ["mod", "download", "-json", `k8s.io/kubernetes@${K8S_VERSION}`],
    env: { PATH: `${Deno.env.get("PATH")}:/usr/local/go/bin`, GOFLAGS: "-mod=mod" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!got.success) {
    throw new Error(`go mod download k8s.io/kubernetes: ${new TextDecoder().decode(got.stderr)}`);
  }
  const moduleDir = JSON.parse(new TextDecoder().decode(got.stdout)).Dir as string;
  const swagger = JSON.parse(
    await Deno.readTextFile(`${moduleDir}/api/openapi-spec/swagger.json`),
  ) as { definitions: Record<string, Json> };
  const definitions: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(swagger.definitions)) {
    definitions[name] = name === "io.k8s.apimachinery.pkg.api.resource.Quantity"
      ? { oneOf: [{ type: "string" }, { type: "number" }] }
      : fix(def);
  }
  for (const [kind, apiVersion] of missing) {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    const name = Object.entries(swagger.definitions).find(([, d]) =>
      ((d["x-kubernetes-group-version-kind"] ?? []) as Json[]).some((g) =>
        g.kind === kind && g.version === version && g.group === group
      )
    )?.[0];
    if (!name) throw new Error(`Kubernetes ${K8S_VERSION} has no ${apiVersion} ${kind}`);
    const schema = { ...(definitions[name] as Json), definitions };
    await Deno.writeTextFile(`${dir}/${schemaFileName(kind, apiVersion)}`, JSON.stringify(schema));
  }
  return dir;
}
