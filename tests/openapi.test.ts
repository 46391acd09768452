/**
 * The API describes itself (issue 14): every route in Hono's router has its OpenAPI
 * declaration (edge/openapi/paths) and every declaration its route; every declared example
 * passes its own schema; the served document is valid OpenAPI 3.1 (an independent validator,
 * @seriousme/openapi-schema-validator); the socket's JSON Schemas are served; and /docs
 * renders in Chromium without one request leaving the server.
 */
import assert from "node:assert/strict";
import { Validator } from "@seriousme/openapi-schema-validator";
import type { z } from "zod";
import { honoPath, REST_OF_PATH } from "../edge/openapi/area.ts";
import { API_AREAS, joinPath, openApiDocument, routesOf } from "../edge/openapi/document.ts";
import { ClientFrame, ServerFrameSchema } from "../edge/protocol_schema.ts";
import { hasChromium, launchChromium, newPage } from "./helpers/browser.ts";
import { startServerProcess, startTestServer } from "./helpers/server.ts";

/** Routes that are the web client's files, not API: served pages, scripts and styles. */
function isWebAsset(path: string): boolean {
  return path === "/" || path === "/r/:roomId" || path === "/m/:roomId" ||
    path === "/console/cohost" ||
    path === "/studio" || path === "/studio/:roomId" || path === "/ops" ||
    path === "/vod/:roomId" || path === "/vod/:roomId/:recordingId" ||
    path.startsWith("/assets/") || /^\/[a-z_]+\.(js|css|html)$/.test(path) ||
    path.startsWith("/vendor/");
}

/** `METHOD /path` of every declaration, in Hono's path form. */
function declared(): Set<string> {
  const out = new Set<string>();
  for (const api of API_AREAS) {
    for (const r of routesOf(api)) {
      out.add(
        `${r.method.toUpperCase()} ${honoPath(joinPath(api.prefix, r.path), r[REST_OF_PATH])}`,
      );
    }
  }
  return out;
}

/** Declarations whose routers this test server does not mount (they need LiveKit/S3 on). */
const NOT_MOUNTED_HERE = /^(GET|POST) \/(api\/analysis|media\/objects)\//;

Deno.test("openapi: every route in Hono's router is declared, and every declaration routed", async () => {
  const srv = await startTestServer({ accounts: true });
  try {
    const routes = new Set(
      (srv.server.routes ?? []).filter((r) => r.method !== "ALL" && !isWebAsset(r.path))
        .map((r) => `${r.method} ${r.path}`),
    );
    assert.ok(routes.size > 60, `routes read from Hono's router: ${routes.size}`);
    const docs = declared();
    const undeclared = [...routes].filter((r) => !docs.has(r)).sort();
    assert.deepEqual(undeclared, [], "routes without an OpenAPI declaration");
    const unrouted = [...docs].filter((d) => !routes.has(d) && !NOT_MOUNTED_HERE.test(d)).sort();
    assert.deepEqual(unrouted, [], "declarations without a route (path or method drifted)");
  } finally {
    await srv.close();
  }
});

/** Routers that serve pages and static files, no declared route. */
const PAGES = new Set(["web.ts", "media_web.ts", "cohost_console.ts"]);

Deno.test("openapi: routers mount their declarations and read requests only through them", async () => {
  // A route added with app.get/post... or a handler reading c.req.query/param/json/text itself
  // would accept what its declaration does not say (the drift `mount` exists to prevent). A
  // line that must read by hand says why with `// by hand: <reason>`.
  const byHand =
    /\b(app|router)\.(get|post|put|patch|delete|on|all)\(|c\.req\.(query|queries|param|json|text|parseBody)\(|\b(parseBody|parseWith|pathParam)\(/;
  const offences: string[] = [];
  let files = 0;
  for await (const e of Deno.readDir(new URL("../edge/routes/", import.meta.url))) {
    if (!e.name.endsWith(".ts") || PAGES.has(e.name)) continue;
    files++;
    const text = await Deno.readTextFile(new URL(`../edge/routes/${e.name}`, import.meta.url));
    text.split("\n").forEach((line, i) => {
      if (byHand.test(line) && !line.includes("// by hand:")) {
        offences.push(`${e.name}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  assert.ok(files > 20, `routers read: ${files}`);
  assert.deepEqual(offences, [], "use mount(app, declared(...), (c, input) => ...)");
});

Deno.test("openapi: every declared example passes its own schema", () => {
  let examples = 0;
  const failures: string[] = [];
  const check = (where: string, content: unknown) => {
    for (const [type, media] of Object.entries((content ?? {}) as Record<string, unknown>)) {
      const m = media as { schema?: z.ZodType; example?: unknown };
      if (m.example === undefined || !m.schema?.safeParse) continue;
      examples++;
      const r = m.schema.safeParse(m.example);
      if (!r.success) failures.push(`${where} ${type}: ${r.error.issues[0]?.message}`);
    }
  };
  for (const api of API_AREAS) {
    for (const r of routesOf(api)) {
      const where = `${r.method.toUpperCase()} ${joinPath(api.prefix, r.path)}`;
      check(`${where} request`, r.request?.body?.content);
      for (const [status, res] of Object.entries(r.responses)) {
        check(`${where} ${status}`, (res as { content?: unknown }).content);
      }
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(examples >= 20, `examples checked: ${examples}`);
});

/**
 * Where a schema of the document (through `$ref`s, properties, items, unions) is an object that
 * names no property and no value type: "any object", which validates nothing.
 */
// deno-lint-ignore no-explicit-any
function anyObjects(schema: any, doc: any, at = "", seen = new Set<string>()): string[] {
  if (!schema || typeof schema !== "object") return [];
  if (schema.$ref) {
    if (seen.has(schema.$ref)) return [];
    const name = schema.$ref.split("/").at(-1);
    return anyObjects(doc.components.schemas[name], doc, at, new Set([...seen, schema.$ref]));
  }
  const out: string[] = [];
  const props = Object.entries(schema.properties ?? {});
  const extra = schema.additionalProperties;
  if (
    schema.type === "object" && props.length === 0 && !extra?.type && !extra?.$ref &&
    !extra?.anyOf && !schema.anyOf && !schema.oneOf && !schema.allOf
  ) out.push(at || "(body)");
  for (const [k, v] of props) out.push(...anyObjects(v, doc, `${at}.${k}`, seen));
  if (schema.items) out.push(...anyObjects(schema.items, doc, `${at}[]`, seen));
  if (extra && typeof extra === "object") out.push(...anyObjects(extra, doc, `${at}{}`, seen));
  for (const k of ["anyOf", "oneOf", "allOf"]) {
    for (const v of schema[k] ?? []) out.push(...anyObjects(v, doc, at, seen));
  }
  return out;
}

Deno.test("openapi: no 2xx answer is declared as a bare any-object, at any depth", () => {
  // deno-lint-ignore no-explicit-any
  const doc = JSON.parse(JSON.stringify(openApiDocument())) as any;
  const found: string[] = [];
  let answers = 0;
  for (const [path, ops] of Object.entries(doc.paths)) {
    // deno-lint-ignore no-explicit-any
    for (const [method, op] of Object.entries(ops as Record<string, any>)) {
      for (const [status, res] of Object.entries(op.responses ?? {})) {
        // deno-lint-ignore no-explicit-any
        const schema = (res as any).content?.["application/json"]?.schema;
        if (!status.startsWith("2") || !schema) continue;
        answers++;
        for (const part of anyObjects(schema, doc)) {
          found.push(`${method.toUpperCase()} ${path} ${status} ${part}`);
        }
      }
    }
  }
  assert.ok(answers > 100, `2xx JSON answers read: ${answers}`);
  assert.deepEqual(found, [], "2xx answers declared as any object: give them their schema");
  // The check can fail: a bare object, also nested, is found.
  const probe = { type: "object", properties: { a: { type: "array", items: { type: "object" } } } };
  assert.deepEqual(anyObjects(probe, doc), [".a[]"]);
  assert.deepEqual(anyObjects({ type: "object" }, doc), ["(body)"]);
});

Deno.test("openapi: the document is valid OpenAPI 3.1, validation answers coded errors, schemas served", async () => {
  // A server process (edge/main.ts), so modules load in production order, not this file's.
  const srv = await startServerProcess();
  try {
    const res = await fetch(`${srv.url}/api/openapi.json`);
    assert.equal(res.status, 200);
    const doc = await res.json();
    assert.deepEqual(doc, JSON.parse(JSON.stringify(openApiDocument())));
    assert.equal(doc.openapi, "3.1.0");
    const result = await new Validator().validate(doc);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 1)?.slice(0, 2000));
    // The validator can fail: a document with a broken response object is refused.
    const broken = structuredClone(doc);
    broken.paths["/healthz"].get.responses["200"] = { content: 5 };
    assert.equal((await new Validator().validate(broken)).valid, false);

    // Routes mounted with `app.openapi` are validated by their declaration's schemas, and a
    // failure keeps the project's error shape and code (edge/openapi/router.ts).
    const refused = async (path: string) => {
      const r = await fetch(`${srv.url}${path}`);
      return [r.status, (await r.json()).error?.code];
    };
    assert.deepEqual(await refused("/api/rooms/bad%20id"), [400, "bad_room_id"]);
    assert.deepEqual(await refused("/api/rooms/bad%20id/highlights"), [400, "bad_room_id"]);
    assert.deepEqual(await refused(`/api/directory?q=${"x".repeat(65)}`), [400, "invalid_request"]);
    const padded = await fetch(`${srv.url}/api/directory?q=${encodeURIComponent(" lobby ")}`);
    assert.equal(padded.status, 200, "q is trimmed before its length is checked");
    await padded.body?.cancel();

    const proto = await fetch(`${srv.url}/api/protocol.schema.json`);
    assert.equal(proto.status, 200);
    const schema = await proto.json();
    assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
    assert.ok(schema.$defs.ClientFrame.oneOf.length >= 7, "hello + the session frames");
    assert.ok(schema.$defs.ServerFrame.oneOf.length >= 12, "every server frame type");
    // The schemas the socket parses with agree with PROTOCOL.md's frames.
    assert.ok(ClientFrame.safeParse({ type: "hello", v: 1, token: "t", room: "lobby" }).success);
    assert.ok(!ClientFrame.safeParse({ type: "stream" }).success);
    assert.ok(ServerFrameSchema.safeParse({ type: "gap", from: 3, to: 9 }).success);
  } finally {
    await srv.stop();
  }
});

Deno.test("openapi: /docs renders the reference in Chromium from this server alone", async () => {
  if (!(await hasChromium("openapi /docs"))) return;
  const srv = await startTestServer();
  const browser = await launchChromium();
  try {
    const errors: string[] = [];
    const page = await newPage(browser, errors);
    const outside: string[] = [];
    const origin = new URL(srv.url).origin;
    page.on("request", (req) => {
      const url = req.url();
      if (!url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("blob:")) {
        outside.push(url);
      }
    });
    const res = await page.goto(`${srv.url}/docs`);
    assert.equal(res?.status(), 200);
    // Scalar lists the operations by their summaries once it has read /api/openapi.json.
    await page.getByText("Liveness: the process answers").first().waitFor({ timeout: 60_000 });
    assert.deepEqual(outside, [], "requests that left the server");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await srv.close();
  }
});
