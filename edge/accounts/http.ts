/**
 * Small HTTP helpers shared by the accounts and economy routers: the bearer identity, body
 * parsing through zod with `invalid_request`, and one mapping from domain errors to the
 * edge's `{error: {code, message}}` shape.
 */
import type { Context } from "hono";
import type { z } from "zod";
import type { Identity } from "../auth/identity.ts";
import { AccountError } from "./errors.ts";
import type { AccountsIdentityResolver } from "./identity_resolver.ts";

export function bearerToken(c: Context): string {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? "";
}

/** The signed-in user, or an AccountError (`token_missing`, `token_expired`, ...). */
export async function requireUserIdentity(
  c: Context,
  resolver: AccountsIdentityResolver,
): Promise<Identity & { sessionId: string }> {
  const token = bearerToken(c);
  if (!token) throw new AccountError("token_missing", "send Authorization: Bearer <access token>");
  return await resolver.resolveUser(token);
}

export function requireAdmin(who: Identity): void {
  if (!who.roles.includes("admin")) {
    throw new AccountError("forbidden", "platform admins only");
  }
}

/** Finance duties (the withdrawal queue, pay, reject): the `finance` or `admin` role. */
export function requireFinance(who: Identity): void {
  if (!who.roles.includes("finance") && !who.roles.includes("admin")) {
    throw new AccountError("forbidden", "the finance team (finance or admin role) only");
  }
}

/** Parse the JSON body with `schema`; `invalid_request` naming the first problem. */
export async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let body: unknown;
  try {
    const text = await c.req.text();
    body = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new AccountError("invalid_request", "body must be JSON");
  }
  return parseWith(schema, body);
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
    throw new AccountError("invalid_request", `${where}${issue.message}`);
  }
  return parsed.data;
}

/** JSON with bigints as decimal strings and dates as ISO strings. */
export function moneyJson(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
  );
}

/** A path parameter ("" when absent; validation happens where it is used). */
export function pathParam(c: Context, name: string): string {
  return c.req.param(name) ?? "";
}
