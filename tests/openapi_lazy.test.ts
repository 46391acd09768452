/**
 * Routers mount declared routes before their declarations exist (edge/openapi/area.ts
 * `lazyArea`, `declared`; edge/openapi/router.ts `mount`): the route is registered at once,
 * its area's module (the zod schemas of its requests) loads on the route's first request and
 * only once, and requests are then parsed by those schemas as before (issue 18: an idle edge
 * builds no request schema). Which modules an edge does not load at start:
 * tests/edge_footprint.test.ts.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { z } from "zod";
import { area, declared, lazyArea, REST_OF_PATH } from "../edge/openapi/area.ts";
import { mount } from "../edge/openapi/router.ts";

function countingArea() {
  let loads = 0;
  const api = lazyArea(() => {
    loads++;
    return Promise.resolve(area(
      "test",
      "a test area",
      "/",
      [
        {
          method: "get",
          path: "/items/{id}",
          request: { params: z.object({ id: z.string().regex(/^[a-z]+$/) }) },
          responses: () => ({}),
        },
        {
          method: "get",
          path: "/files/{key}",
          [REST_OF_PATH]: "key",
          request: { params: z.object({ key: z.string() }) },
          responses: () => ({}),
        },
      ] as const,
    ));
  });
  return { api, loads: () => loads };
}

Deno.test("openapi lazy: a route's declarations load on its first request, once", async () => {
  const { api, loads } = countingArea();
  const app = new Hono();
  mount(app, declared(api, "get", "/items/{id}"), (c, input) => c.json(input.param()));
  assert.equal(loads(), 0, "mounting loads nothing");
  const ok = await app.request("/items/abc");
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { id: "abc" });
  assert.equal(loads(), 1);
  const bad = await app.request("/items/ABC");
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error.code, "invalid_request");
  assert.equal(loads(), 1, "the area loads once");
});

Deno.test("openapi lazy: a rest-of-path parameter is registered at once and checked on load", async () => {
  const { api } = countingArea();
  const app = new Hono();
  mount(app, declared(api, "get", "/files/{key}", "key"), (c, input) => c.json(input.param()));
  const ok = await app.request("/files/a/b.txt");
  assert.deepEqual(await ok.json(), { key: "a/b.txt" });
  await assert.rejects(
    declared(api, "get", "/files/{key}").load(),
    /rest-of-path parameter differs/,
  );
});
