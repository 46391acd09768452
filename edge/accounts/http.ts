/**
 * Small HTTP helpers shared by the accounts and economy routers: the bearer identity, the
 * roles a route needs, and money as JSON (requests are read through the routes' declarations:
 * edge/openapi/router.ts).
 */
import type { Context } from "hono";
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

/** JSON with bigints as decimal strings and dates as ISO strings. */
export function moneyJson(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
  );
}
