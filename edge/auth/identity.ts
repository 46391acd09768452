/**
 * Who is on the other end of a socket or request. The edge only ever sees an `Identity`
 * produced by an `IdentityResolver`, so guest sessions (now) and registered accounts
 * (`edge/accounts/`, later) plug in behind the same interface.
 */
import type { Actor } from "../../actors/room/contract.ts";
import { TokenError, type TokenSigner } from "./tokens.ts";

export interface Identity {
  userId: string;
  name: string;
  kind: "guest" | "user";
  /** Platform-wide roles, e.g. `admin`. */
  roles: string[];
}

export type AuthErrorCode = "auth_required" | "auth_invalid" | "auth_expired" | "auth_revoked";

/** Authentication failed; `code` is stable, `message` safe to show. */
export class AuthError extends Error {
  constructor(readonly code: AuthErrorCode, message: string) {
    super(message);
    this.name = "AuthError";
  }
}

export interface IdentityResolver {
  /** Resolve a bearer token; throws AuthError. */
  resolve(token: string): Promise<Identity>;
}

/** Resolves session tokens signed by `tokens` (guest and user tokens alike). */
export class SessionTokenResolver implements IdentityResolver {
  constructor(private readonly tokens: TokenSigner) {}

  async resolve(token: string): Promise<Identity> {
    if (!token) throw new AuthError("auth_required", "a session token is required");
    try {
      const claims = await this.tokens.verify(token);
      return { userId: claims.sub, name: claims.name, kind: claims.kind, roles: claims.roles };
    } catch (err) {
      if (err instanceof TokenError) {
        if (err.code === "token_expired") throw new AuthError("auth_expired", err.message);
        throw new AuthError("auth_invalid", `invalid session token (${err.code})`);
      }
      throw err;
    }
  }
}

/** The room actor's view of an identity. */
export function identityToActor(identity: Identity): Actor {
  return {
    userId: identity.userId,
    name: identity.name,
    kind: identity.kind,
    roles: identity.roles.slice(0, 8),
  };
}
