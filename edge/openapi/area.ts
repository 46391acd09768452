/**
 * One area of the REST API: its routes declared with `createRoute` (zod schemas for params,
 * query, bodies and answers) and the prefix its router is mounted under. `document.ts` joins
 * the areas into the OpenAPI document; the routes test checks that every route in Hono's
 * router has its declaration here and every declaration has its route.
 */
import { createRoute, type RouteConfig } from "@hono/zod-openapi";

export interface ApiArea {
  /** The tag its routes are listed under in /docs. */
  tag: string;
  description: string;
  /** Where the router is mounted (`app.route(prefix, ...)`). */
  prefix: string;
  routes: RouteConfig[];
}

export function area(
  tag: string,
  description: string,
  prefix: string,
  routes: Omit<RouteConfig, "tags">[],
): ApiArea {
  return {
    tag,
    description,
    prefix,
    routes: routes.map((r) => createRoute({ ...r, tags: [tag] } as RouteConfig)),
  };
}

/** `/rooms/{id}` → `/rooms/:id` (Hono's form). */
export function honoPath(openApiPath: string): string {
  return openApiPath.replaceAll(/\{([^}]+)\}/g, ":$1");
}
