/**
 * zod building blocks for text fields, so every boundary applies the same policy: strings
 * holding a forbidden character (see `forbidden.ts`) are refused naming the field, and
 * user-visible text (names, titles, knowledge-base entries) is cleaned of invisible and bidi
 * characters (see `invisible.ts`) before its length is checked.
 */
import { z } from "zod";
import { describeForbidden, findForbiddenChar } from "./forbidden.ts";
import { cleanVisibleText } from "./invisible.ts";

/** A string that passes the forbidden-character policy (kept as it is otherwise). */
export function policyString(): z.ZodString {
  return z.string().refine((s) => findForbiddenChar(s) === undefined, {
    error: (issue) => {
      const kind = typeof issue.input === "string" ? findForbiddenChar(issue.input) : undefined;
      return kind ? describeForbidden(kind) : "invalid text";
    },
  });
}

/**
 * User-visible text: refused if it holds a forbidden character, else NFC, invisible and bidi
 * characters removed, whitespace collapsed and trimmed; then `min`..`max` code points.
 */
export function visibleText(min: number, max: number) {
  return policyString()
    .transform(cleanVisibleText)
    .pipe(
      z.string()
        .refine((s) => [...s].length >= min, {
          error: min <= 1 ? "must not be blank" : `must be at least ${min} visible characters`,
        })
        .refine((s) => [...s].length <= max, { error: `must be at most ${max} characters` }),
    );
}
