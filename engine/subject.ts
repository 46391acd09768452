/** NATS subject rules: tokens split by `.`, `*` matches one token, `>` matches one or more. */

const TOKEN = /^[^\s.*>]+$/;

/** A concrete subject (no wildcards, no empty tokens, no whitespace). */
export function isValidSubject(subject: string): boolean {
  return subject.length > 0 && subject.split(".").every((t) => TOKEN.test(t));
}

/** A subscription pattern: tokens, `*`, and `>` only as the last token. */
export function isValidPattern(pattern: string): boolean {
  if (pattern.length === 0) return false;
  const tokens = pattern.split(".");
  return tokens.every((t, i) =>
    t === "*" || (t === ">" && i === tokens.length - 1) || TOKEN.test(t)
  );
}

/** Does `subject` match `pattern`? */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== "*" && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

/**
 * Characters allowed in an id that becomes one subject token. Room ids, user ids and
 * recording ids are drawn from this set so they never need escaping.
 */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
