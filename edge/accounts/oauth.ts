/**
 * OAuth2 login with GitHub and Google: authorization code with PKCE (S256) and state,
 * through `arctic`'s OAuth2Client (endpoints configurable, so tests point it at a local
 * provider). The state is bound to the browser by a cookie and to the server by a row
 * holding the PKCE verifier; the callback must present both, once, within 10 minutes.
 *
 * Whom the login belongs to: the account already linked to this provider identity; else
 * the signed-in user who started a link; else the account holding the same verified email
 * (only verified emails link, on both sides); else a new account.
 *
 * `arctic` loads at the first login started, not when a process starts (issue 18: an idle
 * edge carries only what it runs).
 */
import type * as Arctic from "arctic";
import { z } from "zod";
import type { AccountsConfig } from "./config.ts";
import type { SqlStore } from "../../engine/sql/sql.ts";
import { sqlState, UNIQUE_VIOLATION } from "../../engine/sql/sql.ts";
import { AccountError } from "./errors.ts";
import { createUser, DisplayNameInput, findByVerifiedEmail, getUser, type User } from "./users.ts";

export type OAuthProviderId = "github" | "google";

export interface OAuthEndpoints {
  authorizeUrl: string;
  tokenUrl: string;
  userInfoUrl: string;
  /** GitHub only: the list of the user's emails with their verified flags. */
  emailsUrl?: string;
  scopes: string[];
}

export interface OAuthProviderConfig extends OAuthEndpoints {
  id: OAuthProviderId;
  clientId: string;
  clientSecret: string;
}

export const GITHUB_ENDPOINTS: OAuthEndpoints = {
  authorizeUrl: "https://github.com/login/oauth/authorize",
  tokenUrl: "https://github.com/login/oauth/access_token",
  userInfoUrl: "https://api.github.com/user",
  emailsUrl: "https://api.github.com/user/emails",
  scopes: ["read:user", "user:email"],
};

export const GOOGLE_ENDPOINTS: OAuthEndpoints = {
  authorizeUrl: "https://accounts.google.com/o/oauth2/v2/auth",
  tokenUrl: "https://oauth2.googleapis.com/token",
  userInfoUrl: "https://openidconnect.googleapis.com/v1/userinfo",
  scopes: ["openid", "email", "profile"],
};

/** The providers configured through OAUTH_* variables. */
export function oauthProvidersFromConfig(
  config: Pick<
    AccountsConfig,
    | "OAUTH_GITHUB_CLIENT_ID"
    | "OAUTH_GITHUB_CLIENT_SECRET"
    | "OAUTH_GOOGLE_CLIENT_ID"
    | "OAUTH_GOOGLE_CLIENT_SECRET"
  >,
): OAuthProviderConfig[] {
  const out: OAuthProviderConfig[] = [];
  if (config.OAUTH_GITHUB_CLIENT_ID && config.OAUTH_GITHUB_CLIENT_SECRET) {
    out.push({
      id: "github",
      clientId: config.OAUTH_GITHUB_CLIENT_ID,
      clientSecret: config.OAUTH_GITHUB_CLIENT_SECRET,
      ...GITHUB_ENDPOINTS,
    });
  }
  if (config.OAUTH_GOOGLE_CLIENT_ID && config.OAUTH_GOOGLE_CLIENT_SECRET) {
    out.push({
      id: "google",
      clientId: config.OAUTH_GOOGLE_CLIENT_ID,
      clientSecret: config.OAUTH_GOOGLE_CLIENT_SECRET,
      ...GOOGLE_ENDPOINTS,
    });
  }
  return out;
}

/** What we learn about the person from the provider. */
export interface OAuthProfile {
  subject: string;
  login: string;
  name: string;
  email: string | null;
  emailVerified: boolean;
}

const GitHubUser = z.object({
  id: z.number().int(),
  login: z.string().min(1),
  name: z.string().nullish(),
  email: z.string().nullish(),
});
const GitHubEmails = z.array(
  z.object({ email: z.string(), primary: z.boolean(), verified: z.boolean() }),
);
const GoogleUser = z.object({
  sub: z.string().min(1),
  email: z.string().optional(),
  email_verified: z.boolean().optional(),
  name: z.string().optional(),
});

const STATE_TTL_MS = 10 * 60 * 1000;

let arcticModule: Promise<typeof Arctic> | undefined;

/** `arctic`, loaded once, at the first OAuth flow. */
const loadArctic = (): Promise<typeof Arctic> => arcticModule ??= import("arctic");
export const OAUTH_STATE_COOKIE = "synapse_oauth_state";

export class OAuthService {
  readonly #providers: Map<OAuthProviderId, OAuthProviderConfig>;

  constructor(
    private readonly store: SqlStore,
    providers: OAuthProviderConfig[],
    /** Public base URL; redirects go to `{publicUrl}/api/oauth/{provider}/callback`. */
    private readonly publicUrl: string,
    private readonly fetchFn: typeof fetch = fetch,
  ) {
    this.#providers = new Map(providers.map((p) => [p.id, p]));
  }

  /** The providers that are configured (the web client shows a button for each). */
  get configured(): OAuthProviderId[] {
    return [...this.#providers.keys()];
  }

  #provider(id: string): OAuthProviderConfig {
    if (id !== "github" && id !== "google") {
      throw new AccountError("oauth_unknown_provider", `no OAuth provider ${id}`);
    }
    const p = this.#providers.get(id);
    if (!p) throw new AccountError("oauth_not_configured", `${id} login is not configured`);
    return p;
  }

  #client(arctic: typeof Arctic, p: OAuthProviderConfig): Arctic.OAuth2Client {
    const redirect = new URL(`/api/oauth/${p.id}/callback`, this.publicUrl).toString();
    return new arctic.OAuth2Client(p.clientId, p.clientSecret, redirect);
  }

  /** Begin a login (or, with `linkUserId`, a link): where to send the browser, and the state. */
  async start(providerId: string, linkUserId?: string): Promise<{ url: string; state: string }> {
    const p = this.#provider(providerId);
    const arctic = await loadArctic();
    const state = arctic.generateState();
    const verifier = arctic.generateCodeVerifier();
    await this.store.query(
      `INSERT INTO oauth_states (state, provider, code_verifier, link_user_id, expires_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [state, p.id, verifier, linkUserId ?? null, new Date(Date.now() + STATE_TTL_MS)],
    );
    // Forget flows nobody finished.
    await this.store.query("DELETE FROM oauth_states WHERE expires_at < now()");
    const url = this.#client(arctic, p).createAuthorizationURLWithPKCE(
      p.authorizeUrl,
      state,
      arctic.CodeChallengeMethod.S256,
      verifier,
      p.scopes,
    );
    return { url: url.toString(), state };
  }

  /** Finish: check the state, exchange the code (with the PKCE verifier), find or make the user. */
  async callback(
    providerId: string,
    q: { code?: string; state?: string; error?: string; cookieState?: string },
  ): Promise<User> {
    const p = this.#provider(providerId);
    if (!q.state || !q.cookieState || q.state !== q.cookieState) {
      throw new AccountError("oauth_state_mismatch", "the login state does not match; start again");
    }
    const rows = await this.store.query<
      { code_verifier: string; link_user_id: string | null; expires_at: Date }
    >(
      `DELETE FROM oauth_states WHERE state = $1 AND provider = $2
       RETURNING code_verifier, link_user_id, expires_at`,
      [q.state, p.id],
    );
    const flow = rows[0];
    if (!flow || new Date(flow.expires_at).getTime() < Date.now()) {
      throw new AccountError("oauth_state_mismatch", "the login state is unknown or expired");
    }
    if (q.error) throw new AccountError("oauth_denied", `the provider said: ${q.error}`);
    if (!q.code) throw new AccountError("invalid_request", "the callback has no code");
    let accessToken: string;
    try {
      const tokens = await this.#client(await loadArctic(), p).validateAuthorizationCode(
        p.tokenUrl,
        q.code,
        flow.code_verifier,
      );
      accessToken = tokens.accessToken();
    } catch (err) {
      throw new AccountError(
        "oauth_provider_error",
        `the provider refused the code: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const profile = await this.#profile(p, accessToken);
    return await this.#linkOrCreate(p.id, profile, flow.link_user_id);
  }

  async #getJson(url: string, accessToken: string): Promise<unknown> {
    const res = await this.fetchFn(url, {
      headers: {
        authorization: `Bearer ${accessToken}`,
        accept: "application/json",
        "user-agent": "synapse-live",
      },
    });
    if (!res.ok) {
      await res.body?.cancel();
      throw new AccountError("oauth_provider_error", `user info answered ${res.status}`);
    }
    return await res.json();
  }

  async #profile(p: OAuthProviderConfig, accessToken: string): Promise<OAuthProfile> {
    const bad = () => new AccountError("oauth_provider_error", "unexpected user info");
    if (p.id === "github") {
      const user = GitHubUser.safeParse(await this.#getJson(p.userInfoUrl, accessToken));
      if (!user.success) throw bad();
      let email: string | null = null;
      if (p.emailsUrl) {
        const emails = GitHubEmails.safeParse(await this.#getJson(p.emailsUrl, accessToken));
        if (!emails.success) throw bad();
        const verified = emails.data.filter((e) => e.verified);
        email = (verified.find((e) => e.primary) ?? verified[0])?.email ?? null;
      }
      return {
        subject: String(user.data.id),
        login: user.data.login,
        name: user.data.name || user.data.login,
        email,
        emailVerified: email !== null,
      };
    }
    const user = GoogleUser.safeParse(await this.#getJson(p.userInfoUrl, accessToken));
    if (!user.success) throw bad();
    const verified = user.data.email_verified === true && !!user.data.email;
    return {
      subject: user.data.sub,
      login: user.data.email?.split("@")[0] ?? `google_${user.data.sub}`,
      name: user.data.name || user.data.email?.split("@")[0] || "viewer",
      email: verified ? user.data.email!.toLowerCase() : null,
      emailVerified: verified,
    };
  }

  async #linkOrCreate(
    provider: OAuthProviderId,
    profile: OAuthProfile,
    linkUserId: string | null,
  ): Promise<User> {
    return await this.store.transaction(async (tx) => {
      const linked = await tx.query<{ user_id: string }>(
        "SELECT user_id FROM oauth_identities WHERE provider = $1 AND subject = $2",
        [provider, profile.subject],
      );
      if (linked[0]) {
        if (linkUserId && linked[0].user_id !== linkUserId) {
          throw new AccountError("oauth_already_linked", "this login belongs to another account");
        }
        return (await getUser(tx, linked[0].user_id))!;
      }
      let user: User | undefined;
      if (linkUserId) user = await getUser(tx, linkUserId);
      if (!user && profile.emailVerified && profile.email) {
        user = await findByVerifiedEmail(tx, profile.email);
      }
      if (!user) user = await createOAuthUser(tx, profile);
      await tx.query(
        `INSERT INTO oauth_identities (provider, subject, user_id, email) VALUES ($1, $2, $3, $4)`,
        [provider, profile.subject, user.id, profile.email],
      );
      return user;
    });
  }
}

/** The provider's name, cleaned like every display name (the text policy), else the username. */
function oauthDisplayName(profile: OAuthProfile, username: string): string {
  const parsed = DisplayNameInput.safeParse([...profile.name].slice(0, 32).join(""));
  return parsed.success ? parsed.data : username;
}

/** A new user named after the provider login; a suffix is added while the name is taken. */
async function createOAuthUser(
  tx: Parameters<Parameters<SqlStore["transaction"]>[0]>[0],
  profile: OAuthProfile,
): Promise<User> {
  const base = profile.login.replace(/[^A-Za-z0-9_]/g, "_").slice(0, 18).padEnd(3, "_");
  for (let attempt = 0; attempt < 5; attempt++) {
    const username = attempt === 0 ? base : `${base}_${crypto.randomUUID().slice(0, 5)}`;
    try {
      return await tx.savepoint((sp) =>
        createUser(sp, {
          username,
          displayName: oauthDisplayName(profile, username),
          email: profile.email,
          emailVerified: profile.emailVerified,
        })
      );
    } catch (err) {
      const taken = err instanceof AccountError && err.code === "username_taken";
      if (!taken && sqlState(err) !== UNIQUE_VIOLATION) throw err;
    }
  }
  throw new AccountError("username_taken", "could not find a free username");
}
