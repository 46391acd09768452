/**
 * `jsonCopy` (engine/json_copy.ts) gives exactly what a JSON round trip gives — the value an
 * actor or a sender gets on the in-process path is the value the wire would deliver — on
 * random values of every kind and on the cases where JSON has rules of its own.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { jsonCopy } from "../engine/json_copy.ts";

/** The round trip's result, or the kind of error it throws. */
function viaJson(v: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(v) as string);
  } catch (err) {
    return { threw: (err as Error).name };
  }
}

function viaCopy(v: unknown): unknown {
  try {
    return jsonCopy(v);
  } catch (err) {
    return { threw: (err as Error).name };
  }
}

/** Deep equality that also tells key order and own `__proto__` keys apart. */
function same(a: unknown, b: unknown): void {
  assert.deepStrictEqual(a, b);
  assert.equal(JSON.stringify(a), JSON.stringify(b));
}

Deno.test("jsonCopy equals a JSON round trip on random values", () => {
  fc.assert(
    fc.property(
      fc.anything({
        withBigInt: true,
        withBoxedValues: true,
        withDate: true,
        withMap: true,
        withSet: true,
        withNullPrototype: true,
        withObjectString: true,
        withSparseArray: true,
        withTypedArray: true,
        withUnicodeString: true,
        maxDepth: 4,
      }),
      (v) => same(viaCopy(v), viaJson(v)),
    ),
    { numRuns: 3_000 },
  );
  fc.assert(fc.property(fc.jsonValue(), (v) => same(viaCopy(v), viaJson(v))), { numRuns: 2_000 });
});

Deno.test("jsonCopy follows JSON's own rules, and copies", () => {
  class Point {
    constructor(readonly x: number, readonly y: number) {}
  }
  const cycle: Record<string, unknown> = { a: 1 };
  cycle.self = cycle;
  let deep: unknown = "bottom";
  for (let i = 0; i < 200; i++) deep = { next: deep, list: [i] };
  const cases: unknown[] = [
    { msg: undefined },
    { a: undefined, b: [undefined, () => 1, Symbol("s")], c: -0, d: NaN, e: Infinity },
    { at: new Date(0), p: new Point(1, 2), m: new Map([[1, 2]]) },
    { toJSON: () => "mine" },
    { nested: { toJSON: () => ({ replaced: true }) } },
    JSON.parse('{"__proto__": {"polluted": true}, "x": 1}'),
    { 2: "b", 1: "a", z: "z", y: "y" },
    Object.assign(Object.create(null), { bare: true }),
    [1, , 3], // a hole
    "\ud800 lone surrogate",
    { big: 1n },
    cycle,
    deep,
  ];
  for (const v of cases) same(viaCopy(v), viaJson(v));
  // a copy, never the same objects
  const original = { user: { id: "u1", roles: ["a"] } };
  const copied = jsonCopy(original);
  assert.notEqual(copied, original);
  assert.notEqual(copied.user, original.user);
  assert.notEqual(copied.user.roles, original.user.roles);
  assert.equal(({} as { polluted?: unknown }).polluted, undefined);
});
