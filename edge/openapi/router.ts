/**
 * Routers whose declared parameters are validated by `@hono/zod-openapi` with the declaration's
 * own schemas (`app.openapi(route, handler)`), so the description and the check are one thing.
 * A failure answers in the project's error shape (`{error: {code, message}}`, 400): the router's
 * default hook says `invalid_request` with zod's first issue; a route passes `refuse(code, msg)`
 * for its own code (`bad_room_id`...).
 */
import { type Hook, OpenAPIHono, type RouteConfig, type z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { errorBody } from "../http_errors.ts";

// deno-lint-ignore no-explicit-any
type AnyHook = Hook<any, any, any, any>;

/** A hook answering a validation failure with `code` (and `message`, or zod's first issue). */
export function refuse(code: string, message?: string): AnyHook {
  return (result, c) => {
    if (result.success) return;
    const issue = result.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
    return c.json(errorBody(code, message ?? `${where}${issue?.message ?? "invalid"}`), 400);
  };
}

export function apiRouter(): OpenAPIHono {
  return new OpenAPIHono({ defaultHook: refuse("invalid_request") });
}

/**
 * Mounts `handler` for a declared route: zod-openapi validates what the route declares first.
 * (Handlers answer errors in the project's shape too, which the typed `openapi` signature,
 * bound to the declared success bodies, does not express: hence the widened handler type.)
 */
export function mount<R extends RouteConfig>(
  app: OpenAPIHono,
  route: R,
  handler: (c: Context) => Response | Promise<Response>,
  hook?: AnyHook,
): void {
  app.openapi(route, handler as never, hook);
}

/** The validated `param` or `query` of a mounted route, typed by the declaring schema. */
export function validated<S extends z.ZodType>(
  c: Context,
  target: "param" | "query",
  _schema: S,
): z.output<S> {
  return (c.req.valid as (t: string) => unknown)(target) as z.output<S>;
}
