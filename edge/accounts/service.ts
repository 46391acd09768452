/**
 * The accounts bundle the routers are built from: one call wires the store, sessions, the
 * identity resolver and OAuth from the configuration.
 */
import type { SqlStore } from "../../engine/sql/sql.ts";
import type { EdgeConfig } from "../config.ts";
import type { AccountsConfig } from "./config.ts";
import type { Logger } from "../../engine/log.ts";
import type { TokenSigner } from "../auth/tokens.ts";
import { AccountsIdentityResolver } from "./identity_resolver.ts";
import { LoginThrottle } from "./login_throttle.ts";
import { type OAuthProviderConfig, oauthProvidersFromConfig, OAuthService } from "./oauth.ts";
import { type SessionOptions, SessionService } from "./sessions.ts";

export interface Accounts {
  store: SqlStore;
  sessions: SessionService;
  resolver: AccountsIdentityResolver;
  oauth: OAuthService;
  loginThrottle: LoginThrottle;
  log: Logger;
  /** Mark cookies `Secure` (on when PUBLIC_URL is https). */
  secureCookies: boolean;
}

export function createAccounts(opts: {
  store: SqlStore;
  tokens: TokenSigner;
  config: Pick<
    AccountsConfig & EdgeConfig,
    | "PUBLIC_URL"
    | "OAUTH_GITHUB_CLIENT_ID"
    | "OAUTH_GITHUB_CLIENT_SECRET"
    | "OAUTH_GOOGLE_CLIENT_ID"
    | "OAUTH_GOOGLE_CLIENT_SECRET"
  >;
  log: Logger;
  /** Replaces the providers from the configuration (tests: a local provider). */
  oauthProviders?: OAuthProviderConfig[];
  sessions?: SessionOptions;
}): Accounts {
  const sessions = new SessionService(opts.store, opts.tokens, opts.sessions);
  const resolver = new AccountsIdentityResolver(opts.store, opts.tokens, {
    revokedHere: sessions.revokedHere,
    now: opts.sessions?.now,
  });
  const providers = opts.oauthProviders ??
    oauthProvidersFromConfig(opts.config);
  return {
    store: opts.store,
    sessions,
    resolver,
    oauth: new OAuthService(opts.store, providers, opts.config.PUBLIC_URL),
    loginThrottle: new LoginThrottle({ now: opts.sessions?.now }),
    log: opts.log,
    secureCookies: opts.config.PUBLIC_URL.startsWith("https:"),
  };
}
