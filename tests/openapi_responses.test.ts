/**
 * Answers match the document (issue 14): a set of real calls against a running server (sign-up,
 * sessions, rooms, the directory, wallets and gifts, withdrawals, follows, reports, webhooks,
 * the stage, refusals of each kind), each answer's body validated with an independent JSON
 * Schema validator (Ajv, 2020-12) against the response schema the served /api/openapi.json
 * declares for that method, path and status. An undeclared status fails, and so does an answer
 * checked against a schema that says nothing of its shape (an object with no properties).
 */
import assert from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { startTestServer } from "./helpers/server.ts";

// deno-lint-ignore no-explicit-any
type Json = any;
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

interface Call {
  method: string;
  path: string;
  status: number;
  body: Json;
}

/** The document's path template (`/api/rooms/{id}`) that matches a concrete path. */
function templateOf(doc: Json, method: string, path: string): string | undefined {
  const candidates = Object.keys(doc.paths).filter((t) => doc.paths[t][method]);
  const matches = candidates.filter((t) =>
    new RegExp(`^${t.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "[^/]+")}$`).test(path)
  );
  // The most literal template wins (`/me/following/live` over `/me/following/{id}`).
  return matches.sort((a, b) => a.split("{").length - b.split("{").length)[0];
}

/**
 * Where `schema` (followed through `$ref`s, into properties, items and unions) has an object
 * that names no property: it would pass any object there. Returns the JSON paths of those.
 */
function looseParts(schema: Json, doc: Json, at = "", seen = new Set<string>()): string[] {
  if (!schema || typeof schema !== "object") return [];
  if (schema.$ref) {
    if (seen.has(schema.$ref)) return [];
    const name = schema.$ref.split("/").at(-1);
    return looseParts(doc.components.schemas[name], doc, at, new Set([...seen, schema.$ref]));
  }
  const out: string[] = [];
  const props = Object.entries(schema.properties ?? {});
  const extra = schema.additionalProperties;
  if (
    schema.type === "object" && props.length === 0 && !extra?.type && !extra?.$ref &&
    !schema.anyOf && !schema.oneOf && !schema.allOf
  ) out.push(at || "(the body)");
  for (const [k, v] of props) out.push(...looseParts(v, doc, `${at}.${k}`, seen));
  if (schema.items) out.push(...looseParts(schema.items, doc, `${at}[]`, seen));
  if (extra && typeof extra === "object") out.push(...looseParts(extra, doc, `${at}{}`, seen));
  for (const k of ["anyOf", "oneOf", "allOf"]) {
    for (const v of schema[k] ?? []) out.push(...looseParts(v, doc, at, seen));
  }
  return out;
}

/**
 * A copy of `schema` in which every object that lists its properties and says nothing of
 * others refuses others (`additionalProperties: false`): an answer carrying a field its
 * schema does not declare, at any depth, fails. Objects declared loose (`{}`) stay loose. An
 * `allOf` of objects (how an extended component is written) is merged into one object first,
 * so its parts do not refuse each other's properties.
 */
function closed(schema: Json, doc: Json): Json {
  if (Array.isArray(schema)) return schema.map((s) => closed(s, doc));
  if (!schema || typeof schema !== "object") return schema;
  if (Array.isArray(schema.allOf)) {
    const parts = schema.allOf.map((p: Json) =>
      p.$ref ? doc.components.schemas[p.$ref.split("/").at(-1)] : p
    );
    if (parts.every((p: Json) => p?.type === "object" && p.properties)) {
      const { allOf: _, ...rest } = schema;
      const loose = parts.find((p: Json) => p.additionalProperties !== undefined);
      return closed({
        ...rest,
        type: "object",
        properties: Object.assign({}, ...parts.map((p: Json) => p.properties)),
        required: parts.flatMap((p: Json) => p.required ?? []),
        ...(loose ? { additionalProperties: loose.additionalProperties } : {}),
      }, doc);
    }
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] = k === "properties" || k === "$defs" || k === "schemas"
      ? Object.fromEntries(Object.entries(v as Json).map(([n, s]) => [n, closed(s, doc)]))
      : k === "example" || k === "examples" || k === "default" || k === "enum"
      ? v
      : closed(v, doc);
  }
  if (out.type === "object" && out.properties && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

Deno.test("openapi responses: real answers match the document's schema for their status", async () => {
  const srv = await startTestServer({ accounts: true });
  const calls: Call[] = [];
  const call = async (
    method: string,
    path: string,
    opts: { token?: string; json?: unknown } = {},
  ): Promise<Json> => {
    const res = await fetch(`${srv.url}${path}`, {
      method,
      headers: {
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.json !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: opts.json === undefined ? undefined : JSON.stringify(opts.json),
    });
    const body = await res.json();
    calls.push({
      method: method.toLowerCase(),
      path: path.split("?")[0],
      status: res.status,
      body,
    });
    return body;
  };
  try {
    // --- accounts, sessions, profiles
    await call("POST", "/api/session/guest", { json: { nickname: "rose" } });
    await call("POST", "/api/session/guest", { json: { nickname: 5 } });
    const host = await call("POST", "/api/auth/register", {
      json: { username: "resp_host", password: "a fine password" },
    });
    const fan = await call("POST", "/api/auth/register", {
      json: { username: "resp_fan", password: "a fine password" },
    });
    await call("POST", "/api/auth/register", {
      json: { username: "resp_host", password: "a fine password" },
    });
    await call("POST", "/api/auth/login", {
      json: { username: "resp_fan", password: "wrong password!" },
    });
    const login = await call("POST", "/api/auth/login", {
      json: { username: "resp_fan", password: "a fine password" },
    });
    await call("POST", "/api/auth/refresh", { json: { refreshToken: login.refreshToken } });
    const h = host.accessToken as string;
    const f = fan.accessToken as string;
    await call("GET", "/api/me", { token: f });
    await call("GET", "/api/me");
    await call("GET", "/api/auth/providers");
    await call("GET", `/api/users/${host.user.id}`);
    await call("GET", "/api/usernames/resp_host");
    await call("POST", `/api/users/${host.user.id}/follow`, { token: f });
    await call("GET", `/api/users/${host.user.id}/followers`);
    await call("GET", `/api/users/${fan.user.id}/following`);
    await call("GET", `/api/me/following/${host.user.id}`, { token: f });
    await call("GET", "/api/me/following/live", { token: f });

    // --- rooms
    await call("POST", "/api/rooms", { token: h, json: { id: "resp-room", title: "Answers" } });
    await call("POST", "/api/rooms", { token: h, json: { id: "resp-room", title: "again" } });
    await call("GET", "/api/me/rooms", { token: h });
    await call("GET", "/api/rooms/resp-room/settings");
    await call("PATCH", "/api/rooms/resp-room", { token: h, json: { category: "music" } });
    await call("PATCH", "/api/rooms/resp-room", { token: f, json: { category: "music" } });
    await call("POST", "/api/rooms/resp-room/stream/start", { token: h });
    await call("GET", "/api/rooms");
    await call("GET", "/api/rooms/resp-room");
    await call("GET", "/api/rooms/bad%20id");
    await call("GET", "/api/rooms/resp-room/highlights");
    await call("GET", "/api/rooms/resp-room/stats");
    await call("GET", "/api/directory?q=answers");
    await call("GET", "/api/rooms/resp-room/stage", { token: f });
    await call("POST", "/api/rooms/resp-room/reports", {
      token: f,
      json: { reason: "spam", note: "checking answers" },
    });

    // --- the room's AI: the panel (anonymous and the owner's), audit, knowledge base, Q&A
    await call("GET", "/api/rooms/resp-room/ai");
    await call("GET", "/api/rooms/resp-room/ai", { token: h });
    await call("GET", "/api/rooms/resp-room/ai/audit?limit=5", { token: h });
    await call("POST", "/api/rooms/resp-room/ai/audit/a_404/undo", { token: h });
    const kb = await call("POST", "/api/rooms/resp-room/ai/kb", {
      token: h,
      json: { title: "Schedule", body: "We stream every evening at eight.", tags: ["time"] },
    });
    await call("PUT", `/api/rooms/resp-room/ai/kb/${kb.entry.id}`, {
      token: h,
      json: { title: "Schedule", body: "Every evening at nine now." },
    });
    await call("GET", "/api/rooms/resp-room/ai/kb", { token: h });
    await call("GET", "/api/rooms/resp-room/ai/kb", { token: f });
    await call("POST", "/api/rooms/resp-room/ai/qa/pause", { token: h });
    await call("POST", "/api/rooms/resp-room/ai/qa/resume", { token: h });
    await call("GET", "/api/rooms/resp-room/ai", { token: h });
    await call("DELETE", `/api/rooms/resp-room/ai/kb/${kb.entry.id}`, { token: h });

    // --- a PK between two live rooms: invite, read, accept, end, the history
    await call("POST", "/api/rooms", { token: f, json: { id: "resp-other", title: "Other" } });
    await call("POST", "/api/rooms/resp-other/stream/start", { token: f });
    const pk = await call("POST", "/api/pk", {
      token: h,
      json: { from: "resp-room", to: "resp-other", durationSec: 60 },
    });
    await call("GET", `/api/pk/${pk.pkId}`);
    await call("POST", `/api/pk/${pk.pkId}/accept`, { token: f });
    await call("POST", `/api/pk/${pk.pkId}/end`, { token: h });
    await call("GET", `/api/pk/${pk.pkId}`);
    await call("GET", "/api/rooms/resp-room/pk/history");
    await call("POST", "/api/pk", { token: f, json: { from: "resp-other", to: "nowhere" } });

    // --- money
    await call("GET", "/api/gifts/catalog");
    await call("POST", "/api/wallet/topup", {
      token: f,
      json: { amount: "100", idempotencyKey: "resp-topup-0001" },
    });
    await call("POST", "/api/wallet/topup", {
      token: f,
      json: { amount: "100", idempotencyKey: "resp-topup-0001" },
    });
    await call("POST", "/api/wallet/topup", { token: f, json: { amount: "-1" } });
    await call("GET", "/api/wallet", { token: f });
    await call("GET", "/api/wallet/ledger", { token: f });
    await call("GET", "/api/rooms/resp-room/leaderboard");
    await call("GET", "/api/earnings", { token: h });
    await call("GET", "/api/withdrawals", { token: h });
    await call("POST", "/api/withdrawals", {
      token: h,
      json: { amount: "100", idempotencyKey: "resp-withdraw-01" },
    });

    // --- finance and platform administration (a token of the host with the admin role)
    const admin = await srv.mintToken({
      sub: host.user.id,
      name: "resp_host",
      kind: "user",
      roles: ["admin"],
    });
    await call("GET", "/api/admin/withdrawals", { token: admin });
    const mine = await call("GET", "/api/withdrawals", { token: h });
    await call("GET", `/api/admin/withdrawals/${mine.withdrawals[0]?.id}`, { token: admin });
    await call("GET", "/api/admin/withdrawals?status=paid", { token: f });
    await call("GET", "/api/admin/users?q=resp", { token: admin });
    await call("GET", `/api/admin/users/${fan.user.id}`, { token: admin });
    await call("POST", `/api/admin/users/${fan.user.id}/roles/grant`, {
      token: admin,
      json: { role: "finance" },
    });
    await call("POST", `/api/admin/users/${fan.user.id}/roles/grant`, {
      token: admin,
      json: { role: "finance" },
    });
    await call("POST", `/api/admin/users/${fan.user.id}/roles/revoke`, {
      token: admin,
      json: { role: "finance" },
    });
    await call("GET", "/api/admin/role-events?limit=5", { token: admin });
    await call("GET", `/api/admin/users/${fan.user.id}`, { token: f });
    await call("GET", "/api/cluster", { token: admin });
    await call("GET", "/api/cluster", { token: f });

    // --- the co-host and bridges of a room (its owner)
    await call("GET", "/api/rooms/resp-room/cohost", { token: h });
    await call("PUT", "/api/rooms/resp-room/cohost", {
      token: h,
      json: { name: "Mimi", enabled: true, voice: false },
    });
    await call("POST", "/api/rooms/resp-room/cohost/proxy-key", { token: h });
    await call("POST", "/api/rooms/resp-room/cohost/interrupt", { token: h });
    await call("POST", "/api/rooms/resp-room/cohost/skip", { token: h, json: { inputId: "in_0" } });
    await call("GET", "/api/rooms/resp-room/cohost", { token: f });
    await call("GET", "/api/rooms/resp-room/bridges", { token: h });
    const linked = await call("POST", "/api/rooms/resp-room/bridges", {
      token: h,
      json: { platform: "relay", name: "douyin", url: "http://127.0.0.1:9/relay" },
    });
    await call("GET", "/api/rooms/resp-room/bridges", { token: h });
    if (linked.link) {
      await call("DELETE", `/api/rooms/resp-room/bridges/${linked.link.id}`, { token: h });
    }

    // --- notifications
    await call("GET", "/api/notifications", { token: f });
    await call("GET", "/api/notifications/preferences", { token: f });

    // --- media (off on this server: what it offers, and the refusal of the rest)
    await call("GET", "/api/media/status");
    await call("GET", "/api/vod/rooms/resp-room/recordings");

    // --- the API's own documents
    await call("GET", "/api/openapi.json");
    await call("GET", "/api/protocol.schema.json");

    // --- webhooks
    await call("GET", "/api/webhooks/event-types");
    await call("GET", "/api/webhooks/endpoints", { token: h });
    await call("POST", "/api/webhooks/endpoints", {
      token: h,
      json: { url: "http://127.0.0.1:9/hook" },
    });
    await call("POST", "/api/webhooks/endpoints", { token: f, json: { url: "nope" } });

    // --- not found, and the end of a session
    await call("GET", "/api/no/such/route");
    await call("POST", "/api/auth/logout", { token: f });

    const doc = await (await fetch(`${srv.url}/api/openapi.json`)).json();
    const ajv = new Ajv2020({ strict: false, allErrors: false });
    addFormats(ajv);
    const failures: string[] = [];
    const shapeless: string[] = [];
    let checked = 0;
    for (const c of calls) {
      const where = `${c.method.toUpperCase()} ${c.path} → ${c.status}`;
      if (c.status === 404 && c.body?.error?.code === "not_found") {
        // No route: the app's own answer, in the one error shape.
        if (typeof c.body.error.message !== "string") {
          failures.push(`${where}: not the error shape`);
        }
        continue;
      }
      const template = templateOf(doc, c.method, c.path);
      if (!template) {
        failures.push(`${where}: no such path in the document`);
        continue;
      }
      const response = doc.paths[template][c.method].responses[String(c.status)];
      const schema = response?.content?.["application/json"]?.schema;
      if (!schema) {
        failures.push(`${where}: status not declared for ${template}`);
        continue;
      }
      for (const part of looseParts(schema, doc)) shapeless.push(`${where} ${part} (${template})`);
      const validate = ajv.compile(closed({ ...schema, components: doc.components }, doc));
      checked++;
      if (!validate(c.body)) {
        failures.push(`${where}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(c.body)}`);
      }
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(shapeless, [], "answers whose declared schema names no property");
    assert.ok(checked >= 90, `answers checked: ${checked}`);
    // The validator can fail: a body of the wrong shape is refused.
    const me = doc.paths["/api/me"].get.responses["200"].content["application/json"].schema;
    assert.equal(ajv.compile({ ...me, components: doc.components })({ user: 5 }), false);
  } finally {
    await srv.close();
  }
});
