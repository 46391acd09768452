/**
 * How a router serves a declared route: `mount(app, declared(area, method, path), handler)`.
 * The route is registered at once; its declaration loads with its area on the route's first
 * request (area.ts `lazyArea`: an idle edge builds no request schema). The handler reads
 * its request only through `input`, whose `param()`, `query()` and `json()` parse with the
 * declaration's own zod schemas (typed by them), so what /api/openapi.json says and what the
 * edge accepts are one thing. A failure is a coded error (`RequestRefused`, 400 by default) in
 * the project's shape `{error: {code, message}}`: `invalid_request` naming zod's first issue
 * unless the route passes its own refusal (`bad_room_id`...).
 *
 * Why not `app.openapi`'s validators: they run before the handler (a request without a token
 * and with a bad body would answer 400 instead of 401), answer 415 to a JSON body sent without
 * `Content-Type: application/json` (what `fetch` does with a string body) and throw on
 * malformed JSON. Parsing when the handler asks keeps the order the handler chooses
 * (authenticate, then read) and every code it answered before.
 */
import type { RouteConfig, z } from "@hono/zod-openapi";
import type { Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { BAD_ROOM_ID_MESSAGE, errorBody } from "../http_errors.ts";
import { type DeferredRoute, honoPath, REST_OF_PATH } from "./area.ts";

/** What a route answers when its declaration refuses the request. */
export interface Refusal {
  code: string;
  /** A fixed message instead of zod's first issue. */
  message?: string;
  status?: ContentfulStatusCode;
  /** The code for a body that is not JSON (default: `code`, with "body must be JSON"). */
  notJson?: string;
  /** Path parameters with their own refusal (`id` -> `bad_room_id`), when the first issue is theirs. */
  fields?: Record<string, Refusal>;
}

/** A refusal for each part of the request (a part not named: `invalid_request`). */
export type Refusals = Partial<Record<"param" | "query" | "json", Refusal>>;

export const INVALID_REQUEST: Refusal = { code: "invalid_request" };
/** For routes under `/rooms/{id}`: a bad room id is `bad_room_id`, other parameters `invalid_request`. */
export const BAD_ROOM_ID: Refusal = {
  code: "invalid_request",
  fields: { id: { code: "bad_room_id", message: BAD_ROOM_ID_MESSAGE } },
};

/** A request the route's declaration refused; coded, so every router's error mapping keeps it. */
export class RequestRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: ContentfulStatusCode = 400,
  ) {
    super(message);
  }
}

/** What reading an undeclared part gives: no field of it compiles. */
type NotDeclared = { readonly "not declared by the route": never };
type Out<S> = S extends z.ZodType ? z.output<S> : NotDeclared;
type Req<R> = R extends { request?: infer Q } ? NonNullable<Q> : NotDeclared;
type JsonSchemaOf<B> = B extends { content: { "application/json": { schema: infer S } } } ? S
  : NotDeclared;

/** The request of route `R`, parsed on demand by its declared schemas. */
export interface RouteInput<R> {
  /** Path parameters (the declaration's `request.params`). */
  param(): Req<R> extends { params: infer P } ? Out<P> : NotDeclared;
  /** The query (`request.query`; each name's first value, as `c.req.query()`). */
  query(): Req<R> extends { query: infer Q } ? Out<Q> : NotDeclared;
  /** The JSON body (`request.body`): an empty body is `{}`. */
  json(): Promise<Req<R> extends { body: infer B } ? Out<JsonSchemaOf<B>> : NotDeclared>;
}

type Mountable = Pick<RouteConfig, "method" | "path" | "request"> & { [REST_OF_PATH]?: string };
export type RouteHandler<R> = (
  c: Context,
  input: RouteInput<R>,
) => Response | Promise<Response>;

/**
 * Mounts `handler` for the declared `route` on `app` (a plain Hono router): its method and path
 * now, its declaration (the schemas `input` parses with) loaded on the route's first request.
 */
export function mount<R extends Mountable>(
  app: Hono,
  route: DeferredRoute<R>,
  handler: RouteHandler<R>,
  refusal: Refusal | Refusals = INVALID_REQUEST,
): void {
  const refusals: Required<Refusals> = "code" in refusal
    ? { param: refusal as Refusal, query: refusal as Refusal, json: refusal as Refusal }
    : { param: INVALID_REQUEST, query: INVALID_REQUEST, json: INVALID_REQUEST, ...refusal };
  let declaration: R | undefined;
  app.on(route.method.toUpperCase(), honoPath(route.path, route.restOfPath), async (c) => {
    declaration ??= await route.load();
    try {
      return await handler(c, routeInput(c, declaration, refusals) as RouteInput<R>);
    } catch (err) {
      if (err instanceof RequestRefused) {
        return c.json(errorBody(err.code, err.message), err.status);
      }
      throw err;
    }
  });
}

function routeInput(c: Context, route: Mountable, refusals: Required<Refusals>) {
  const request = route.request;
  const parse = (schema: unknown, value: unknown, what: keyof Refusals): unknown => {
    if (!schema) throw new Error(`${route.method} ${route.path} declares no ${what}`);
    const r = (schema as z.ZodType).safeParse(value);
    if (r.success) return r.data;
    const issue = r.error.issues[0];
    const field = what === "param" ? String(issue?.path[0] ?? "") : "";
    const refusal = refusals[what].fields?.[field] ?? refusals[what];
    const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
    throw new RequestRefused(
      refusal.code,
      refusal.message ?? `${where}${issue?.message ?? "invalid"}`,
      refusal.status,
    );
  };
  return {
    param: () => parse(request?.params, c.req.param(), "param"),
    query: () => parse(request?.query, c.req.query(), "query"),
    json: async () => {
      const media = request?.body?.content?.["application/json"] as
        | { schema?: unknown }
        | undefined;
      const schema = media?.schema;
      if (!schema) throw new Error(`${route.method} ${route.path} declares no JSON body`);
      let body: unknown;
      try {
        const text = await c.req.text();
        body = text.trim() === "" ? {} : JSON.parse(text);
      } catch {
        const refusal = refusals.json;
        throw new RequestRefused(
          refusal.notJson ?? refusal.code,
          "body must be JSON",
          refusal.status,
        );
      }
      return parse(schema, body, "json");
    },
  };
}
