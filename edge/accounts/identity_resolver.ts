/**
 * Resolves bearer tokens to an `Identity` (the edge's interface) for registered users:
 * the token must verify (HS256, unexpired) and, for a user token, name a session that is
 * still open and a user that is not banned. Roles come from the database, so a role change
 * applies at once. Guest tokens pass through as guests. Session checks are cached briefly
 * (`cacheMs`); a revocation by this process applies at once, by another within `cacheMs`.
 */
import type { SqlExecutor } from "../../engine/sql/sql.ts";
import { AuthError, type Identity, type IdentityResolver } from "../auth/identity.ts";
import { decodeBase64Url } from "../auth/base64url.ts";
import { TokenError, type TokenSigner } from "../auth/tokens.ts";
import { AccountError, type AccountErrorCode } from "./errors.ts";
import { shownName } from "./users.ts";

/** An AuthError that also names the precise reason (`token_expired`, `session_revoked`...). */
export class AccountAuthError extends AuthError {
  constructor(
    code: AuthError["code"],
    readonly reason: AccountErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}

interface SessionRow {
  revoked_at: Date | null;
  status: string;
  display_name: string;
  roles: string[];
}

export class AccountsIdentityResolver implements IdentityResolver {
  readonly #cache = new Map<string, { until: number; identity: Identity }>();

  constructor(
    private readonly db: SqlExecutor,
    private readonly tokens: TokenSigner,
    private readonly opts: {
      cacheMs?: number;
      revokedHere?: Set<string>;
      now?: () => number;
    } = {},
  ) {}

  async resolve(token: string): Promise<Identity> {
    if (!token) throw new AccountAuthError("auth_required", "token_missing", "a token is required");
    let claims;
    try {
      claims = await this.tokens.verify(token);
    } catch (err) {
      if (err instanceof TokenError) {
        const code = err.code === "token_expired" ? "auth_expired" : "auth_invalid";
        throw new AccountAuthError(code, err.code, err.message);
      }
      throw err;
    }
    if (claims.kind === "guest") {
      return { userId: claims.sub, name: claims.name, kind: "guest", roles: [] };
    }
    const sid = sessionIdOf(token);
    if (!sid) {
      throw new AccountAuthError("auth_invalid", "token_bad_claims", "token has no session");
    }
    if (this.opts.revokedHere?.has(sid)) {
      throw new AccountAuthError("auth_revoked", "session_revoked", "this session was logged out");
    }
    const now = (this.opts.now ?? Date.now)();
    const cached = this.#cache.get(sid);
    if (cached && cached.until > now && cached.identity.userId === claims.sub) {
      return cached.identity;
    }
    const rows = await this.db.query<SessionRow>(
      `SELECT s.revoked_at, u.status, u.display_name, u.roles
         FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = $1 AND s.user_id = $2`,
      [sid, claims.sub],
    );
    const row = rows[0];
    if (!row || row.revoked_at) {
      throw new AccountAuthError("auth_revoked", "session_revoked", "this session was logged out");
    }
    if (row.status === "banned") {
      throw new AccountAuthError("auth_revoked", "account_banned", "this account is banned");
    }
    const identity: Identity = {
      userId: claims.sub,
      name: shownName(row.display_name),
      kind: "user",
      roles: row.roles.slice(0, 8),
    };
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(sid, { until: now + (this.opts.cacheMs ?? 2000), identity });
    return identity;
  }

  /**
   * Drop the cached identities of `userId` (its roles or status just changed here), so the
   * change applies at once on this edge; other edges see it when their cache entry expires.
   */
  forgetUser(userId: string): void {
    for (const [sid, entry] of this.#cache) {
      if (entry.identity.userId === userId) this.#cache.delete(sid);
    }
  }

  /** Resolve and insist on a registered user; AccountError with the precise reason. */
  async resolveUser(token: string): Promise<Identity & { sessionId: string }> {
    let identity: Identity;
    try {
      identity = await this.resolve(token);
    } catch (err) {
      if (err instanceof AccountAuthError) throw new AccountError(err.reason, err.message);
      throw err;
    }
    if (identity.kind !== "user") {
      throw new AccountError("login_required", "sign in with an account for this");
    }
    return { ...identity, sessionId: sessionIdOf(token)! };
  }
}

/** The `sid` claim of a token whose signature was already verified. */
function sessionIdOf(token: string): string | undefined {
  try {
    const payload = JSON.parse(new TextDecoder().decode(decodeBase64Url(token.split(".")[1])));
    return typeof payload.sid === "string" && payload.sid.length <= 64 ? payload.sid : undefined;
  } catch {
    return undefined;
  }
}
