/**
 * No input gives a 500 (issue 10): property-based tests (fast-check) throw random Unicode,
 * random JSON shapes and oversized values at every REST route the app serves (enumerated from
 * Hono's router, so a new route is covered without editing this file) and at every socket
 * frame type. They fail on any 5xx (except a 503 that names a feature switched off here), on
 * an `internal` error frame or close 1011, on a server that stops answering, and on any
 * changed balance. The classes the outside abuse run found are fixed examples that run first.
 *
 * Bounded and deterministic: a fixed seed (FUZZ_SEED to replay another) and a fixed number of
 * runs (FUZZ_RUNS); fast-check prints the seed and the shrunk counterexample on failure.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { callJson } from "./helpers/http.ts";
import { signUp } from "./helpers/accounts_app.ts";
import { startTestServer } from "./helpers/server.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20_261_204);
const RUNS = Number(Deno.env.get("FUZZ_RUNS") ?? 250);
const ROOM = "fuzz-room";

/** 503 codes that mean "this feature is off on this test server", not a failure. */
const SWITCHED_OFF = new Set([
  "media_disabled",
  "analysis_disabled",
  "ai_unavailable",
  "email_unavailable",
]);

/** Pieces random strings are made of: the outside run's classes and other classics. */
const NASTY = [
  "\u0000",
  "\uD800",
  "\uDFFF",
  "\uFFFF",
  "\uFFFE",
  "\uFDD0",
  "\u{10FFFF}",
  "\u202E",
  "\u2066",
  "\u200B",
  "\u200D",
  "\u3164",
  "\u2800",
  "\u00AD",
  "\u115F",
  "\u034F",
  "\uFE0F",
  "\u180B",
  "\uFFA0",
  "\u0130",
  "\u0131",
  "\u00DF",
  "\u212A",
  "\uFF56",
  "\u0301\u0301\u0301\u0301",
  "%",
  "%00",
  "%ZZ",
  "/",
  "..",
  "'",
  '"',
  "\\",
  "<script>",
  "🙂",
  "👩‍💻",
  " ",
  "\n",
  "\t",
  "null",
  "-1",
  "1e999",
  "00000000000000000000001",
  "rose",
  "victim_ki",
  ROOM,
];
const nastyString = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
    { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 24 }) },
  ),
  { maxLength: 6 },
).map((parts) => parts.join(""));
const oversized = fc.constantFrom("x".repeat(70_000), "\u0000".repeat(5_000), "é".repeat(40_000));
const anyString = fc.oneof({ weight: 12, arbitrary: nastyString }, {
  weight: 1,
  arbitrary: oversized,
});

/** Field names the routes read, so random objects reach past "unknown key" refusals. */
const FIELDS = [
  "username",
  "password",
  "displayName",
  "email",
  "nickname",
  "title",
  "category",
  "coverUrl",
  "guestChat",
  "admins",
  "id",
  "amount",
  "idempotencyKey",
  "reference",
  "reason",
  "role",
  "refreshToken",
  "giftId",
  "count",
  "text",
  "body",
  "tags",
  "recordingId",
  "window",
  "force",
  "room",
  "roomId",
  "cmd",
  "op",
  "entryId",
  "limit",
  "cursor",
  "scope",
  "q",
  "after",
  "from",
];
const scalar = fc.oneof(
  anyString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 0, 1e308, 2 ** 64),
);
const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), nastyString), tie("value"), {
      maxKeys: 6,
    }),
  ),
})).value;
const bodyObject = fc.dictionary(fc.constantFrom(...FIELDS), jsonValue, { maxKeys: 6 });

type Body =
  | { kind: "none" }
  | { kind: "json"; value: unknown }
  | { kind: "raw"; text: string; type: string };

/** A path parameter: a value to percent-encode, or raw text put in the path as it is. */
type Param = { raw: false; value: string } | { raw: true; value: string };

interface RestCase {
  route: number;
  params: Param[];
  query: [string, string][];
  token: number;
  body: Body;
}

interface FrameCase {
  /** A JSON value sent as the frame, or a raw text frame. */
  frame: unknown;
  raw?: string;
  socket: number;
}

/** A URL's part: at most 2,000 characters (clients cap URLs; bodies carry the big values). */
const encode = (s: string) => encodeURIComponent(s.slice(0, 2_000).toWellFormed());

const FRAME_TYPES = ["hello", "say", "ping", "resume", "mod", "gift", "ai"];

Deno.test("fuzz: no input gives a 5xx, an internal error or a changed balance", async (t) => {
  // A platform admin reaches the admin routes too: registered on a first start of the same
  // data, made admin by BOOTSTRAP_ADMINS on the second.
  const dataDir = await Deno.makeTempDir({ prefix: "synapse-fuzz-" });
  const options = (env: Record<string, string>) => ({
    accounts: true,
    limits: { framesPerSecond: 10_000, frameBurst: 10_000, maxInFlight: 64 },
    env: { EDGE_AUTH_BURST: "0", EDGE_GUEST_BURST: "0", DATA_DIR: dataDir, ...env },
  });
  const setup = await startTestServer(options({}));
  try {
    await signUp(setup, "fuzz_admin");
  } finally {
    await setup.close();
  }
  const srv = await startTestServer(options({ BOOTSTRAP_ADMINS: "fuzz_admin" }));
  const sockets: TestViewer[] = [];
  try {
    const host = await signUp(srv, "fuzz_host");
    const fan = await signUp(srv, "fuzz_fan");
    const created = await callJson(srv.url, "/api/rooms", {
      json: { id: ROOM, title: "Fuzz" },
      token: host.token,
    });
    assert.equal(created.status, 201);
    const topup = await callJson(srv.url, "/api/wallet/topup", {
      json: { amount: "100", idempotencyKey: "fuzz-topup-1" },
      token: fan.token,
    });
    assert.equal(topup.status, 201);
    /** A fresh session: the fuzz may log the others out (that is a valid request). */
    const login = async (username: string) => {
      const { status, body } = await callJson(srv.url, "/api/auth/login", {
        json: { username, password: "a fine password" },
      });
      assert.equal(status, 200, JSON.stringify(body));
      return body.accessToken as string;
    };
    const balances = async () =>
      await Promise.all(["fuzz_host", "fuzz_fan"].map(async (name) => {
        const { body } = await callJson(srv.url, "/api/wallet", { token: await login(name) });
        return body.balances;
      }));
    const before = await balances();
    const adminToken = await login("fuzz_admin");
    const adminCheck = await callJson(srv.url, "/api/admin/withdrawals", { token: adminToken });
    assert.equal(adminCheck.status, 200, JSON.stringify(adminCheck.body));
    const tokens = [undefined, fan.token, host.token, "not.a.token", adminToken];

    const routes = (srv.server.routes ?? []).filter((r) =>
      ["GET", "POST", "PUT", "PATCH", "DELETE"].includes(r.method) && !r.path.startsWith("/ws")
    );
    assert.ok(routes.length > 40, `routes from Hono's router: ${routes.length}`);

    await t.step(`REST: ${routes.length} routes, ${RUNS} random requests`, async () => {
      const restCase: fc.Arbitrary<RestCase> = fc.record({
        route: fc.nat({ max: routes.length - 1 }),
        params: fc.array(
          fc.oneof(
            {
              weight: 6,
              arbitrary: fc.oneof(anyString, fc.constantFrom(ROOM, "rose", "fuzz_fan"))
                .map((value): Param => ({ raw: false, value })),
            },
            {
              weight: 1,
              // Malformed or overlong percent-encoding (NUL as C0 80, a UTF-8 surrogate).
              arbitrary: fc.constantFrom("%00", "%ZZ", "%E0%A4%A", "%C0%80", "%ED%A0%80", "%FF")
                .map((value): Param => ({ raw: true, value })),
            },
          ),
          { minLength: 4, maxLength: 4 },
        ),
        query: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...FIELDS), nastyString), anyString), {
          maxLength: 3,
        }),
        token: fc.nat({ max: tokens.length - 1 }),
        body: fc.oneof(
          { weight: 1, arbitrary: fc.constant<Body>({ kind: "none" }) },
          { weight: 6, arbitrary: bodyObject.map((value): Body => ({ kind: "json", value })) },
          { weight: 2, arbitrary: jsonValue.map((value): Body => ({ kind: "json", value })) },
          {
            weight: 1,
            arbitrary: fc.record({
              kind: fc.constant("raw" as const),
              text: anyString,
              type: fc.constantFrom(
                "application/json",
                "text/plain",
                "application/x-www-form-urlencoded",
              ),
            }),
          },
        ),
      });
      const find = (method: string, path: string) => {
        const i = routes.findIndex((r) => r.method === method && r.path === path);
        assert.ok(i >= 0, `no route ${method} ${path}`);
        return i;
      };
      const json = (value: unknown): Body => ({ kind: "json", value });
      const example = (
        method: string,
        path: string,
        body: Body,
        params: string[] = [],
        token = 1,
      ): [RestCase] => [{
        route: find(method, path),
        params: [...params, "", "", "", ""].slice(0, 4).map((value) => ({ raw: false, value })),
        query: [],
        token,
        body,
      }];
      const examples: [RestCase][] = [
        example("POST", "/api/auth/login", json({ username: "fuzz\u0000fan", password: "x" })),
        example("POST", "/api/auth/login", json({ username: "fuzz_f\u0130n", password: "x" })),
        example(
          "POST",
          "/api/auth/register",
          json({ username: "fuzz_nul", password: "a fine password", displayName: "a\u0000" }),
        ),
        example(
          "POST",
          "/api/auth/register",
          json({ username: "fuzz_bidi", password: "a fine password", displayName: "\u202Eecila" }),
        ),
        example("POST", "/api/rooms", json({ id: "nul-room", title: "t\u0000" }), [], 2),
        example(
          "POST",
          "/api/wallet/topup",
          json({ amount: "1", idempotencyKey: "k\u0000-12345" }),
        ),
        example(
          "POST",
          "/api/withdrawals",
          json({ amount: "100", idempotencyKey: "k\u0000-1234" }),
          [],
          2,
        ),
        example("GET", "/api/usernames/:username", { kind: "none" }, ["a\u0000b"]),
        example("GET", "/api/users/:id", { kind: "none" }, ["a\u0000b"]),
        example("GET", "/api/users/:id", { kind: "none" }, ["\uD800"]),
        example("POST", "/api/auth/login", {
          kind: "raw",
          text: "x".repeat(70_000),
          type: "application/json",
        }),
      ];

      await fc.assert(
        fc.asyncProperty(restCase, async (c) => {
          const route = routes[c.route];
          let n = 0;
          const path = route.path.replace(
            /:[A-Za-z_]+(\{[^}]*\})?|\*/g,
            () => {
              const p = c.params[n++ % c.params.length];
              // A URL cannot carry a lone surrogate: a client sends U+FFFD in its place.
              return p.raw ? p.value : encode(p.value);
            },
          );
          const query = c.query.length
            ? "?" + c.query.map(([k, v]) => `${encode(k)}=${encode(v)}`)
              .join("&")
            : "";
          const headers: Record<string, string> = {};
          const token = tokens[c.token];
          if (token) headers.authorization = `Bearer ${token}`;
          let body: string | undefined;
          if (c.body.kind === "json" && route.method !== "GET") {
            headers["content-type"] = "application/json";
            body = JSON.stringify(c.body.value) ?? "null";
          } else if (c.body.kind === "raw" && route.method !== "GET") {
            headers["content-type"] = c.body.type;
            body = c.body.text;
          }
          const res = await fetch(`${srv.url}${path}${query}`, {
            method: route.method,
            headers,
            body,
            redirect: "manual",
          });
          const type = res.headers.get("content-type") ?? "";
          const text = type.includes("event-stream")
            ? (await res.body?.cancel(), "")
            : await res.text();
          let code: string | undefined;
          try {
            code = JSON.parse(text)?.error?.code;
          } catch { /* not JSON: a page or a stream */ }
          const switchedOff = res.status === 503 && code !== undefined && SWITCHED_OFF.has(code);
          if (res.status >= 500 && !switchedOff) {
            throw new Error(`${route.method} ${route.path} → ${res.status} ${text.slice(0, 300)}`);
          }
        }),
        { seed: SEED, numRuns: RUNS, examples, endOnFailure: true },
      );
    });

    await t.step(`socket: every frame type, ${RUNS} random frames`, async () => {
      const open = async (i: number) => {
        const token = await login(i === 0 ? "fuzz_fan" : "fuzz_host");
        sockets[i] = (await TestViewer.join(srv.wsUrl(ROOM), ROOM, token)).viewer;
        return sockets[i];
      };
      await open(0);
      await open(1);
      const frameCase: fc.Arbitrary<FrameCase> = fc.record({
        frame: fc.oneof(
          {
            weight: 8,
            arbitrary: fc.tuple(
              fc.oneof(fc.constantFrom(...FRAME_TYPES), nastyString),
              fc.dictionary(
                fc.constantFrom(
                  "text",
                  "clientId",
                  "giftId",
                  "count",
                  "idempotencyKey",
                  "action",
                  "target",
                  "seconds",
                  "cmd",
                  "from",
                  "t",
                  "token",
                  "room",
                  "v",
                  "resumeFrom",
                ),
                jsonValue,
                { maxKeys: 5 },
              ),
            ).map(([type, fields]) => ({ ...fields, type })),
          },
          { weight: 1, arbitrary: jsonValue },
        ),
        raw: fc.oneof(
          { weight: 8, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: anyString },
        ),
        socket: fc.nat({ max: 1 }),
      });
      const frameExamples: [FrameCase][] = [
        { type: "gift", giftId: "rose\u0000", count: 1, idempotencyKey: "nul-gift-aaaa" },
        { type: "gift", giftId: "rose", count: 1, idempotencyKey: "nul\u0000key-aaaa" },
        { type: "say", text: "\u3164\u2800\u00AD\u115F\u1160\u034F\uFE0F\u180B\uFFA0" },
        { type: "say", text: "\u202Eecila" },
        { type: "say", text: 42, clientId: "c1" },
        { type: "mod", action: "ban", target: "\u0000" },
        { type: "ai", cmd: { op: "kb_add", entry: { title: "\u0000", body: "x" } } },
        { type: "hello", v: 1, token: "x", room: ROOM },
      ].map((frame) => [{ frame, socket: 0 }]);
      let marker = 0;

      await fc.assert(
        fc.asyncProperty(frameCase, async (c) => {
          let viewer = sockets[c.socket];
          if (viewer.socket.readyState !== WebSocket.OPEN) viewer = await open(c.socket);
          viewer.frames.length = 0;
          viewer.sendRaw(c.raw ?? JSON.stringify(c.frame));
          // A ping behind it: its pong says the socket read the frame and is still served.
          const t = ++marker;
          viewer.send({ type: "ping", t });
          let pong: Frame | undefined;
          try {
            pong = await viewer.next((f) => f.type === "pong" && f.t === t, 10_000);
          } catch (err) {
            const closed = await viewer.waitClose(1_000).catch(() => undefined);
            if (!closed) throw err;
            // Closing a socket is a documented answer to protocol abuse, never a crash.
            if (closed.code === 1011 || closed.code === 1006) {
              throw new Error(`socket closed ${closed.code} ${closed.reason}`);
            }
          }
          const internal = viewer.frames.find((f) => f.type === "error" && f.code === "internal");
          if (internal) throw new Error(`internal error frame: ${JSON.stringify(internal)}`);
          assert.ok(pong || viewer.socket.readyState !== WebSocket.OPEN);
        }),
        { seed: SEED, numRuns: RUNS, examples: frameExamples, endOnFailure: true },
      );
    });

    await t.step("the server still serves, and no balance changed", async () => {
      const health = await fetch(`${srv.url}/healthz`);
      await health.body?.cancel();
      assert.equal(health.status, 200);
      assert.deepEqual(await balances(), before);
    });
  } finally {
    for (const s of sockets) await s?.close().catch(() => {});
    await srv.close();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
