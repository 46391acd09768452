/**
 * Characters no boundary accepts in any string: NUL (U+0000), unpaired UTF-16 surrogates and
 * Unicode non-characters (U+FDD0–U+FDEF and the last two code points of every plane). They
 * have no meaning in text, break or are refused by storage (Postgres rejects NUL in `text`
 * and `\u0000` in `jsonb`), and are used to smuggle content past checks. A string holding one
 * is refused as a whole (stable code `invalid_text`), never silently repaired.
 */

/** Stable error code for a string refused by this policy. */
export const INVALID_TEXT = "invalid_text";

/** `\p{Cs}` under the `u` flag matches only lone surrogates (pairs are one code point). */
const FORBIDDEN = /[\0\p{Cs}\p{Noncharacter_Code_Point}]/u;

export type ForbiddenKind = "nul" | "lone_surrogate" | "noncharacter";

/** The first forbidden character of `text`, or undefined when `text` is acceptable. */
export function findForbiddenChar(text: string): ForbiddenKind | undefined {
  const m = FORBIDDEN.exec(text);
  if (!m) return undefined;
  if (m[0] === "\0") return "nul";
  const unit = m[0].charCodeAt(0);
  return unit >= 0xd800 && unit <= 0xdfff && m[0].length === 1 ? "lone_surrogate" : "noncharacter";
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
  return walk(value, prefix, 0);
}

function walk(value: unknown, path: string, depth: number): TextViolation | undefined {
  if (typeof value === "string") return check(value, path);
  if (typeof value !== "object" || value === null) return undefined;
  if (depth >= MAX_DEPTH) {
    return { field: path || "value", kind: "noncharacter", message: "nested too deeply" };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = walk(value[i], join(path, String(i)), depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, inner] of Object.entries(value)) {
    const badKey = check(key, join(path, "key"));
    if (badKey) return badKey;
    const found = walk(inner, join(path, key), depth + 1);
    if (found) return found;
  }
  return undefined;
}

function check(text: string, field: string): TextViolation | undefined {
  const kind = findForbiddenChar(text);
  if (!kind) return undefined;
  const name = field || "value";
  return { field: name, kind, message: `${name}: ${describeForbidden(kind)}` };
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
