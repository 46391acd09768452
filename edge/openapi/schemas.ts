/**
 * Building blocks of the route declarations in `paths/`: the one error body, error responses
 * by status (with the codes each can carry), JSON bodies with their examples, common path
 * parameters. `z` here is zod extended by `@hono/zod-openapi` (`.openapi(...)` metadata); it is
 * the same zod instance the handlers validate with.
 */
import { z } from "@hono/zod-openapi";
import { ID_PATTERN } from "../../engine/subject.ts";

export { z };

/** `{error: {code, message}}`: every REST error (http_errors.ts); `field` on `invalid_text`. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string().regex(/^[a-z0-9_]+$/).openapi({ description: "stable snake_case code" }),
    message: z.string(),
    field: z.string().optional(),
  }),
}).openapi("Error");

type ErrorStatus =
  | 400
  | 401
  | 402
  | 403
  | 404
  | 409
  | 410
  | 413
  | 422
  | 426
  | 429
  | 500
  | 502
  | 503;

const STATUS_TEXT: Record<ErrorStatus, string> = {
  400: "Bad request",
  401: "Not signed in, or the token is invalid or expired",
  402: "Payment failed",
  403: "Forbidden",
  404: "Not found",
  409: "Conflict",
  410: "Gone",
  413: "Body too large",
  422: "Unprocessable",
  426: "Upgrade required",
  429: "Rate limited (see Retry-After)",
  500: "Internal error",
  502: "Upstream failed",
  503: "Unavailable: switched off here, or a dependency did not answer",
};

/** Error responses: status → the codes it can carry (listed in the description). */
export function errors(table: Partial<Record<ErrorStatus, readonly string[]>>) {
  const out: Record<string, { description: string; content: Record<string, unknown> }> = {};
  for (const [key, codes] of Object.entries(table) as [string, readonly string[]][]) {
    const status = Number(key) as ErrorStatus;
    out[status] = {
      description: `${STATUS_TEXT[status]}: ${codes.map((c) => `\`${c}\``).join(", ")}`,
      content: {
        "application/json": {
          schema: ErrorBody,
          example: { error: { code: codes[0], message: codes[0].replaceAll("_", " ") } },
        },
      },
    };
  }
  return out;
}

/** A JSON response (with an example the schema test parses). */
export function json<S extends z.ZodType>(schema: S, description: string, example?: z.input<S>) {
  return {
    description,
    content: {
      "application/json": example === undefined ? { schema } : { schema, example },
    },
  };
}

/** A JSON request body (with an example the schema test parses). */
export function jsonBody<S extends z.ZodType>(
  schema: S,
  example?: z.input<S>,
  required = true,
) {
  return {
    body: {
      required,
      content: {
        "application/json": example === undefined ? { schema } : { schema, example },
      },
    },
  };
}

/** A response that is not JSON (a page, a playlist, a metrics text...). */
export function text(mediaType: string, description: string) {
  return { description, content: { [mediaType]: { schema: z.string() } } };
}

/** Routes that need `Authorization: Bearer <access token>`. */
export const BEARER = [{ bearer: [] as string[] }];

export const RoomId = z.string().regex(ID_PATTERN).openapi({
  description: "room id: 1-64 characters of A-Z a-z 0-9 _ -",
  example: "lobby",
});
export const RoomIdParam = z.object({
  id: RoomId.openapi({ param: { name: "id", in: "path" } }),
});

/** One path parameter named `name` (string). */
export function pathParams<K extends string>(...names: K[]) {
  return z.object(
    Object.fromEntries(
      names.map((n) => [n, z.string().openapi({ param: { name: n, in: "path" } })]),
    ) as Record<K, z.ZodString>,
  );
}

export const Ok = z.object({ ok: z.literal(true) });

/** Minor currency units as decimal strings (the ledger never uses floats). */
export const Minor = z.string().regex(/^-?[0-9]+$/).openapi({ example: "100" });

/** `T` with readonly dropped everywhere (the code's types may be readonly, JSON is not). */
type Plain<T> = T extends readonly (infer U)[] ? Plain<U>[]
  : T extends object ? { -readonly [K in keyof T]: Plain<T[K]> }
  : T;
type Identical<X, Y> = (<G>() => G extends Plain<X> ? 1 : 2) extends
  (<G>() => G extends Plain<Y> ? 1 : 2) ? true : false;

/**
 * `true` when schema `S` parses to exactly the code's type `T` (every property, optional or
 * not, at every depth). Answer schemas are tied to the types their handlers return with
 * `export type _X = Same<typeof Schema, CodeType>;`, so a field added, removed or retyped on
 * either side fails `deno check` instead of drifting from the document.
 */
export type Same<S extends z.ZodType, T> = Identical<z.output<S>, T> extends true ? true
  : { "schema and code type differ": [z.output<S>, T] };
/** `T` as JSON carries it (`moneyJson`): bigints and dates become strings. */
export type Wire<T> = T extends bigint | Date ? string
  : T extends readonly (infer U)[] ? Wire<U>[]
  : T extends object ? { [K in keyof T]: Wire<T[K]> }
  : T;
/** Compiles only for `true` (use: `export type _Check = Holds<Same<typeof S, T>>`). */
export type Holds<T extends true> = T;
