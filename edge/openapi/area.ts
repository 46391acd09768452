/**
 * One area of the REST API: its routes declared with zod schemas for params, query and
 * bodies, the answers they give, and the prefix its router is mounted under. `document.ts`
 * joins the areas into the OpenAPI document; routers mount each declaration with `mount`
 * (edge/openapi/router.ts), whose handler reads its input through the declaration's schemas.
 * A declaration's answers (`responses`) are a function the document calls: only the document
 * needs the answer schemas, so an edge serving requests never builds them (issue 18: an
 * edge's idle memory), nor loads replies.ts, the answer schemas several routes share. The
 * routes test checks that every route in Hono's router has its declaration here and every
 * declaration has its route.
 *
 * Routers mount an area through its `lazyArea` handle (lazy_areas.ts): a route's method and
 * path are registered at start, and the area's module (its zod schemas, their `.openapi()`
 * metadata and @hono/zod-openapi with them) loads on the first request to one of its routes
 * (issue 18: an idle edge builds no request schema).
 */
import type { RouteConfig } from "@hono/zod-openapi";

/** replies.ts, loaded with the document and handed to each declaration's `responses`. */
export type Replies = typeof import("./replies.ts");

/** A route declaration before its area adds the tag; its answers are built on demand. */
export type Declaration = Omit<RouteConfig, "tags" | "responses"> & {
  responses: (replies: Replies) => RouteConfig["responses"];
};

/** A declaration with its literal types (for one declared outside an `area` call). */
export function route<const D extends Declaration>(declaration: D): D {
  return declaration;
}

export interface ApiArea<T extends readonly Declaration[] = readonly Declaration[]> {
  /** The tag its routes are listed under in /docs. */
  tag: string;
  description: string;
  /** Where the router is mounted (`app.route(prefix, ...)`). */
  prefix: string;
  /** The declarations with their literal types (methods, paths, schemas): see `declared`. */
  declarations: T;
}

export function area<const T extends readonly Declaration[]>(
  tag: string,
  description: string,
  prefix: string,
  routes: T,
): ApiArea<T> {
  return { tag, description, prefix, declarations: routes };
}

type Declared<A extends ApiArea> = A["declarations"][number];
type Exact<D, M, P> = D extends { method: M; path: P } ? D : never;
type Loose<D, M, P> = D extends { method: M; path: infer Q } ? P extends Q ? D : never : never;
/** The declaration of `method path` (one built in a loop has its path typed `string`). */
type Match<D, M, P> = [Exact<D, M, P>] extends [never] ? Loose<D, M, P> : Exact<D, M, P>;

/** An area whose module loads on first use (`area` only carries its type). */
export interface LazyArea<A extends ApiArea> {
  load(): Promise<A>;
  readonly area?: A;
}

/** A handle on the area `load` resolves to, loaded once, when one of its routes is first asked. */
export function lazyArea<A extends ApiArea>(load: () => Promise<A>): LazyArea<A> {
  let loading: Promise<A> | undefined;
  return { load: () => loading ??= load() };
}

/**
 * A declared route as a router mounts it: its method and path (what Hono registers at start)
 * and its declaration, loaded with its area on the first request (`load`).
 */
export interface DeferredRoute<D> {
  method: string;
  path: string;
  /** The parameter that takes the rest of the path, when the declaration has one. */
  restOfPath?: string;
  load(): Promise<D>;
}

/**
 * The declaration of `method path` in `api`, typed by its own schemas (the compiler refuses a
 * method and path the area does not declare; a router mounts what this returns). A route whose
 * last parameter takes the rest of the path (`REST_OF_PATH`) names it here too, as Hono needs
 * it before the declaration loads; the load checks that both say the same.
 */
export function declared<
  A extends ApiArea,
  M extends Declared<A>["method"],
  P extends Extract<Declared<A>, { method: M }>["path"],
>(
  api: LazyArea<A>,
  method: M,
  path: P,
  restOfPath?: string,
): DeferredRoute<Match<Declared<A>, M, P>> {
  return {
    method,
    path,
    restOfPath,
    load: async () => {
      const area = await api.load();
      const found = area.declarations.find((r) => r.method === method && r.path === path);
      if (!found) {
        throw new Error(`no declaration of ${method.toUpperCase()} ${path} in ${area.tag}`);
      }
      if ((found as { [REST_OF_PATH]?: unknown })[REST_OF_PATH] !== restOfPath) {
        throw new Error(`${method.toUpperCase()} ${path}: rest-of-path parameter differs`);
      }
      return found as Match<Declared<A>, M, P>;
    },
  };
}

/**
 * The declaration's extension naming the path parameter that takes the rest of the path,
 * slashes included (`/media/objects/{key}` with `"x-rest-of-path": "key"`: an object key).
 */
export const REST_OF_PATH = "x-rest-of-path";

/** `/rooms/{id}` -> `/rooms/:id` (Hono's form); the rest-of-path parameter -> `:key{.+}`. */
export function honoPath(openApiPath: string, restOfPath?: unknown): string {
  return openApiPath.replaceAll(
    /\{([^}]+)\}/g,
    (_, name: string) => name === restOfPath ? `:${name}{.+}` : `:${name}`,
  );
}
