/**
 * `jsonCopy(v)` returns what `JSON.parse(JSON.stringify(v))` returns - the value as the wire
 * would deliver it - without the text in between when `v` is plain data (object literals,
 * arrays, strings, finite numbers, booleans, null): the in-process path of every actor ask
 * copies each message and reply this way (engine/client.ts). Anything else met on the way
 * (a Date, a class instance, a function such as `toJSON`, a bigint, non-finite numbers, a
 * `__proto__` key, a structure deeper than `MAX_DEPTH`, a cycle) sends the whole value through
 * JSON instead, so the result and the errors are JSON's own. tests/engine_json_copy.test.ts
 * compares the two on random values.
 */

/** Deeper than this (or a cycle) goes through JSON, which says what is wrong with it. */
const MAX_DEPTH = 64;

/** Thrown inside the plain copy when the value needs JSON's own rules. */
const NOT_PLAIN = Symbol("not plain");

export function jsonCopy<T>(value: T): T {
  try {
    return copy(value, 0) as T;
  } catch (err) {
    if (err !== NOT_PLAIN) throw err;
    return JSON.parse(JSON.stringify(value));
  }
}

function copy(v: unknown, depth: number): unknown {
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      if (!Number.isFinite(v)) throw NOT_PLAIN;
      return v === 0 ? 0 : v; // -0 becomes 0, as in JSON
    case "object":
      break;
    default: // undefined, function, symbol, bigint: JSON's rules depend on where they are
      throw NOT_PLAIN;
  }
  if (v === null) return null;
  if (depth >= MAX_DEPTH) throw NOT_PLAIN;
  const proto = Object.getPrototypeOf(v);
  if (Array.isArray(v)) {
    if (proto !== Array.prototype) throw NOT_PLAIN;
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      out[i] = x === undefined ? null : copy(x, depth + 1);
    }
    return out;
  }
  if (proto !== Object.prototype && proto !== null) throw NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[key];
    if (x === undefined) continue; // left out, as in JSON
    if (key === "__proto__") throw NOT_PLAIN; // an own key here; the prototype if assigned
    out[key] = copy(x, depth + 1);
  }
  return out;
}
