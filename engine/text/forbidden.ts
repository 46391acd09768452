/**
 * Characters no boundary accepts in any string: NUL (U+0000), unpaired UTF-16 surrogates and
 * Unicode non-characters (U+FDD0-U+FDEF and the last two code points of every plane). They
 * have no meaning in text, break or are refused by storage (Postgres rejects NUL in `text`
 * and `\u0000` in `jsonb`), and are used to smuggle content past checks. A string holding one
 * is refused as a whole (stable code `invalid_text`), never silently repaired.
 */

/** Stable error code for a string refused by this policy. */
export const INVALID_TEXT = "invalid_text";

export type ForbiddenKind = "nul" | "lone_surrogate" | "noncharacter";

/**
 * The first forbidden character of `text`, or undefined when `text` is acceptable. One pass
 * over the UTF-16 units (several times faster than a regular expression on the socket's hot
 * path). Non-characters are U+FDD0-U+FDEF and U+nFFFE/U+nFFFF of every plane, i.e. in planes
 * 1-16 a high surrogate whose low 6 bits are all ones followed by U+DFFE/U+DFFF;
 * tests/text_policy.test.ts checks this against `\p{Noncharacter_Code_Point}` for every code
 * point.
 */
export function findForbiddenChar(text: string): ForbiddenKind | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800) {
      if (c === 0) return "nul";
    } else if (c <= 0xdbff) {
      const next = text.charCodeAt(i + 1); // NaN past the end
      if (!(next >= 0xdc00 && next <= 0xdfff)) return "lone_surrogate";
      if ((c & 0x3f) === 0x3f && next >= 0xdffe) return "noncharacter";
      i++;
    } else if (c <= 0xdfff) {
      return "lone_surrogate";
    } else if ((c >= 0xfdd0 && c <= 0xfdef) || c >= 0xfffe) {
      return "noncharacter";
    }
  }
  return undefined;
}

const DESCRIBE: Record<ForbiddenKind, string> = {
  nul: "contains a NUL character (U+0000)",
  lone_surrogate: "contains an unpaired surrogate (malformed UTF-16)",
  noncharacter: "contains a Unicode non-character",
};

/** A readable reason for a forbidden kind ("contains a NUL character (U+0000)"). */
export function describeForbidden(kind: ForbiddenKind): string {
  return DESCRIBE[kind];
}

/** Where a forbidden character sits in a parsed JSON value: the field path and the reason. */
export interface TextViolation {
  /** Dotted path of the field (`gift.idempotencyKey`, `tags.2`); `key` of an object key. */
  field: string;
  kind: ForbiddenKind;
  message: string;
}

/** Deepest nesting walked; deeper values are refused as if they held a forbidden string. */
const MAX_DEPTH = 64;

/**
 * The first string (value or object key) in `value` that breaks the policy, depth first.
 * `prefix` names the root (e.g. `body`, `query`); fields are joined with dots.
 */
export function findTextViolation(value: unknown, prefix = ""): TextViolation | undefined {
  const found = locate(value, 0);
  if (!found) return undefined;
  const field = [prefix, ...found.path.reverse()].filter((p) => p !== "").join(".") || "value";
  const message = found.kind === "deep"
    ? `${field}: nested too deeply`
    : `${field}: ${describeForbidden(found.kind)}`;
  return { field, kind: found.kind === "deep" ? "noncharacter" : found.kind, message };
}

/** Where the first bad string is: the path innermost first (built only when one is found). */
interface Located {
  path: string[];
  kind: ForbiddenKind | "deep";
}

function locate(value: unknown, depth: number): Located | undefined {
  if (typeof value === "string") {
    const kind = findForbiddenChar(value);
    return kind ? { path: [], kind } : undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  if (depth >= MAX_DEPTH) return { path: [], kind: "deep" };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = locate(value[i], depth + 1);
      if (found) return (found.path.push(String(i)), found);
    }
    return undefined;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const badKey = findForbiddenChar(key);
    if (badKey) return { path: ["key"], kind: badKey };
    const found = locate(record[key], depth + 1);
    if (found) return (found.path.push(key), found);
  }
  return undefined;
}
