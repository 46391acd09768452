/**
 * Sessions: a login creates a session, a short-lived access token (an HS256 session token
 * of `edge/auth/tokens.ts` carrying the session id as `sid`) and an opaque refresh token.
 * Refresh tokens rotate: each is good for one exchange; presenting a used one again means it
 * was stolen or replayed, so the whole session is revoked (`refresh_reused`). Logout revokes
 * the session (its access tokens stop resolving too); logout-all revokes every session.
 */
import type { SqlStore } from "../../engine/sql/sql.ts";
import { encodeBase64Url } from "../auth/base64url.ts";
import type { TokenSigner } from "../auth/tokens.ts";
import { AccountError, type AccountErrorCode } from "./errors.ts";
import { shownName, type User } from "./users.ts";

export interface SessionOptions {
  /** Access-token lifetime, seconds (default 15 minutes). */
  accessTtlSeconds?: number;
  /** Refresh-token lifetime, seconds (default 30 days). */
  refreshTtlSeconds?: number;
  now?: () => number;
}

export interface IssuedSession {
  sessionId: string;
  accessToken: string;
  /** Seconds the access token lives. */
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: Date;
}

/** The claims our access tokens carry beyond the shared session-token claims. */
export interface AccessTokenClaims {
  sub: string;
  name: string;
  kind: "user";
  roles: string[];
  sid: string;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const newRefreshToken = () => `rt_${encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`;

interface RefreshRow {
  id: string;
  user_id: string;
  session_id: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
  status: string;
  display_name: string;
  roles: string[];
}

export class SessionService {
  readonly accessTtl: number;
  readonly refreshTtl: number;
  readonly #now: () => number;
  /** Sessions revoked by this process, so its own cache never serves them again. */
  readonly revokedHere = new Set<string>();

  constructor(
    private readonly store: SqlStore,
    private readonly tokens: TokenSigner,
    opts: SessionOptions = {},
  ) {
    this.accessTtl = opts.accessTtlSeconds ?? 15 * 60;
    this.refreshTtl = opts.refreshTtlSeconds ?? 30 * 24 * 3600;
    this.#now = opts.now ?? Date.now;
  }

  /** Start a session for `user` (after a password or OAuth login). */
  async issue(user: Pick<User, "id" | "displayName" | "roles" | "status">): Promise<IssuedSession> {
    if (user.status === "banned") {
      throw new AccountError("account_banned", "this account is banned");
    }
    const sessionId = crypto.randomUUID();
    const refreshToken = newRefreshToken();
    const refreshExpiresAt = new Date(this.#now() + this.refreshTtl * 1000);
    await this.store.transaction(async (tx) => {
      await tx.query("INSERT INTO sessions (id, user_id) VALUES ($1, $2)", [sessionId, user.id]);
      await tx.query(
        `INSERT INTO refresh_tokens (id, user_id, session_id, token_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5)`,
        [crypto.randomUUID(), user.id, sessionId, await sha256Hex(refreshToken), refreshExpiresAt],
      );
    });
    return {
      sessionId,
      accessToken: await this.#signAccess(user, sessionId),
      expiresIn: this.accessTtl,
      refreshToken,
      refreshExpiresAt,
    };
  }

  /** Exchange a refresh token for a new pair (rotation with reuse detection). */
  async refresh(refreshToken: string): Promise<IssuedSession & { userId: string }> {
    const tokenHash = await sha256Hex(refreshToken);
    const result = await this.store.transaction(async (tx) => {
      const rows = await tx.query<RefreshRow>(
        `SELECT t.id, t.user_id, t.session_id, t.expires_at, t.used_at, s.revoked_at,
                u.status, u.display_name, u.roles
           FROM refresh_tokens t
           JOIN sessions s ON s.id = t.session_id
           JOIN users u ON u.id = t.user_id
          WHERE t.token_hash = $1
          FOR UPDATE OF t, s`,
        [tokenHash],
      );
      const row = rows[0];
      if (!row) return { ok: false as const, error: "refresh_invalid" as const };
      if (row.revoked_at) return { ok: false as const, error: "refresh_revoked" as const };
      if (row.used_at) {
        // Reuse of a rotated token: someone else holds this session. Revoke it (committed).
        await tx.query(
          `UPDATE sessions SET revoked_at = now(), revoke_reason = 'refresh_reuse' WHERE id = $1`,
          [row.session_id],
        );
        return { ok: false as const, error: "refresh_reused" as const, sessionId: row.session_id };
      }
      if (new Date(row.expires_at).getTime() <= this.#now()) {
        return { error: "refresh_expired" as const };
      }
      if (row.status === "banned") return { ok: false as const, error: "account_banned" as const };
      const next = newRefreshToken();
      const refreshExpiresAt = new Date(this.#now() + this.refreshTtl * 1000);
      await tx.query("UPDATE refresh_tokens SET used_at = now() WHERE id = $1", [row.id]);
      await tx.query(
        `INSERT INTO refresh_tokens (id, user_id, session_id, token_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5)`,
        [crypto.randomUUID(), row.user_id, row.session_id, await sha256Hex(next), refreshExpiresAt],
      );
      await tx.query("UPDATE sessions SET last_used_at = now() WHERE id = $1", [row.session_id]);
      return { ok: true as const, row, next, refreshExpiresAt };
    });
    if (!result.ok) {
      if ("sessionId" in result && result.sessionId) this.revokedHere.add(result.sessionId);
      throw new AccountError(result.error, REFRESH_MESSAGES[result.error]);
    }
    const { row, next, refreshExpiresAt } = result;
    const user = { id: row.user_id, displayName: row.display_name, roles: row.roles };
    return {
      userId: row.user_id,
      sessionId: row.session_id,
      accessToken: await this.#signAccess(user, row.session_id),
      expiresIn: this.accessTtl,
      refreshToken: next,
      refreshExpiresAt,
    };
  }

  /** Revoke one session of `userId`. */
  async logout(userId: string, sessionId: string): Promise<void> {
    await this.store.query(
      `UPDATE sessions SET revoked_at = now(), revoke_reason = 'logout'
        WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`,
      [sessionId, userId],
    );
    this.revokedHere.add(sessionId);
  }

  /** Revoke every session of `userId`; returns how many were open. */
  async logoutAll(userId: string): Promise<number> {
    const rows = await this.store.query<{ id: string }>(
      `UPDATE sessions SET revoked_at = now(), revoke_reason = 'logout_all'
        WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`,
      [userId],
    );
    for (const r of rows) this.revokedHere.add(r.id);
    return rows.length;
  }

  #signAccess(user: Pick<User, "id" | "displayName" | "roles">, sessionId: string) {
    const claims: AccessTokenClaims = {
      sub: user.id,
      name: shownName(user.displayName),
      kind: "user",
      roles: user.roles.slice(0, 8),
      sid: sessionId,
    };
    return this.tokens.sign(claims, this.accessTtl);
  }
}

const REFRESH_MESSAGES: Record<AccountErrorCode, string> = {
  refresh_invalid: "unknown refresh token",
  refresh_revoked: "this session was logged out",
  refresh_reused: "this refresh token was already used; the session is revoked",
  refresh_expired: "the refresh token has expired",
  account_banned: "this account is banned",
} as Record<AccountErrorCode, string>;
