/**
 * Trusted origins for the recording and analysis API (the Douyin document: "SSE/REST 统一
 * Bearer；限制受信 Origin（CORS）"). A request without `Origin` (curl, servers, apps) passes to
 * the route, which still wants its bearer token; a browser's request from the server's own
 * host passes as well; one from an origin listed in `CORS_ORIGINS` passes and gets
 * `Access-Control-Allow-Origin` (preflights answered 204 with the methods and headers the API
 * takes); any other origin is refused `403 origin_forbidden` before the route runs, preflight
 * included, so a page elsewhere can neither read nor start anything.
 */
import type { MiddlewareHandler } from "hono";
import { jsonError } from "./http_errors.ts";

const ORIGIN = /^https?:\/\/[^/\s?#]+$/;

/** `CORS_ORIGINS`: comma-separated `scheme://host[:port]` (no path). */
export function parseOrigins(list: string): string[] {
  return list.split(",").map((s) => s.trim().replace(/\/$/, "")).filter(Boolean);
}

export function isOrigin(s: string): boolean {
  return ORIGIN.test(s);
}

export function originGuard(trusted: readonly string[]): MiddlewareHandler {
  const allowed = new Set(trusted.map((o) => o.toLowerCase()));
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (!origin) return await next();
    let sameHost = false;
    try {
      sameHost = new URL(origin).host === (c.req.header("host") ?? new URL(c.req.url).host);
    } catch { /* "null" or garbage: not ours */ }
    const listed = allowed.has(origin.toLowerCase());
    if (!sameHost && !listed) {
      return jsonError(
        c,
        403,
        "origin_forbidden",
        "this origin is not trusted (CORS_ORIGINS lists the pages that may call this API)",
      );
    }
    if (listed && !sameHost) {
      c.header("access-control-allow-origin", origin);
      c.header("vary", "Origin");
      if (c.req.method === "OPTIONS") {
        return c.body(null, 204, {
          "access-control-allow-methods": "GET, POST, OPTIONS",
          "access-control-allow-headers": "authorization, content-type, last-event-id",
          "access-control-max-age": "600",
        });
      }
    }
    await next();
  };
}
