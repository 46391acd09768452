/**
 * The REST half of the client: openapi-fetch typed by `paths` (generated from the server's
 * route declarations), with the session token sent as `Authorization: Bearer`. Every answer is
 * `{data}` or `{error}` (the server's `{error: {code, message}}`); `unwrap` turns the second into
 * an `ApiError` that carries the stable code.
 */
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./api_types.ts";

export type RestClient = Client<paths>;
export type Schemas = components["schemas"];

export interface RestOptions {
  /** The edge's base URL, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** The session token to send (a function is asked before each request: refresh it there). */
  token?: string | (() => string | undefined | Promise<string | undefined>);
  /** Another fetch (tests, proxies); the global one by default. */
  fetch?: typeof fetch;
}

export function restClient(opts: RestOptions): RestClient {
  const client = createClient<paths>({
    baseUrl: opts.baseUrl.replace(/\/+$/, ""),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  const token = opts.token;
  if (token !== undefined) {
    client.use({
      async onRequest({ request }) {
        const value = typeof token === "function" ? await token() : token;
        if (value) request.headers.set("authorization", `Bearer ${value}`);
        return request;
      },
    });
  }
  return client;
}

/** A refused request: the HTTP status and the server's stable error code. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "ApiError";
  }
}

/** The data of a successful answer; throws `ApiError` for an error answer. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  const body = error as { error?: { code?: string; message?: string } } | undefined;
  const code = body?.error?.code ?? `http_${response.status}`;
  throw new ApiError(response.status, code, body?.error?.message ?? response.statusText);
}
