/**
 * The text policy (`engine/text/forbidden.ts`) at the HTTP boundary, in one place for every
 * route: path segments, query parameters and JSON bodies holding NUL, an unpaired surrogate
 * or a non-character are refused with 400 `invalid_text` naming the field, before any handler
 * runs. Malformed percent-encoding in the path is refused the same way.
 */
import type { Context, MiddlewareHandler } from "hono";
import {
  findForbiddenChar,
  findTextViolation,
  INVALID_TEXT,
  type TextViolation,
} from "../engine/text/forbidden.ts";

/** JSON bodies beyond this are left to the route (its own limit answers first on /api). */
const MAX_CHECKED_BODY_CHARS = 1024 * 1024;

export function textGuard(): MiddlewareHandler {
  return async (c, next) => {
    const violation = checkPath(c.req.url) ?? checkQuery(c.req.url) ?? await checkBody(c);
    if (!violation) return await next();
    return c.json(
      { error: { code: INVALID_TEXT, message: violation.message, field: violation.field } },
      400,
    );
  };
}

/** The path segments of `url` as sent (percent-encoded; `c.req.path` is already decoded). */
function checkPath(url: string): TextViolation | undefined {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const query = url.indexOf("?", start);
  const path = url.slice(start, query < 0 ? undefined : query);
  if (!path.includes("%")) return undefined; // plain ASCII: nothing to decode, nothing forbidden
  for (const segment of path.split("/")) {
    if (!segment.includes("%")) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return { field: "path", kind: "lone_surrogate", message: "path: malformed percent-encoding" };
    }
    if (findForbiddenChar(decoded)) return findTextViolation(decoded, "path");
  }
  return undefined;
}

function checkQuery(url: string): TextViolation | undefined {
  const query = url.indexOf("?");
  if (query < 0) return undefined;
  const params = new URLSearchParams(url.slice(query + 1));
  for (const [key, value] of params) {
    const found = findTextViolation(key, "query.key") ?? findTextViolation(value, `query.${key}`);
    if (found) return found;
  }
  return undefined;
}

async function checkBody(c: Context): Promise<TextViolation | undefined> {
  if (!["POST", "PUT", "PATCH", "DELETE"].includes(c.req.method)) return undefined;
  if (!(c.req.header("content-type") ?? "").includes("json")) return undefined;
  const text = await c.req.text(); // Hono caches it: the route reads it again for free
  if (text.length > MAX_CHECKED_BODY_CHARS) return undefined;
  // Without `\u` escapes, every string in the body is a slice of the raw text: a clean raw
  // text needs no parse (the common case).
  if (!text.includes("\\u") && !findForbiddenChar(text)) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined; // not JSON: the route answers with its own code
  }
  return findTextViolation(body);
}
