/**
 * The accounts and economy routers on a real HTTP server (port 0) over a test database,
 * with a controllable clock for token expiry.
 */
import { Hono } from "hono";
import { DevPaymentProvider } from "../../actors/economy/payment_provider.ts";
import type { SqlStore } from "../../engine/sql/sql.ts";
import { createLogger } from "../../engine/log.ts";
import type { OAuthProviderConfig } from "../../edge/accounts/oauth.ts";
import { type Accounts, createAccounts } from "../../edge/accounts/service.ts";
import { Hs256Tokens } from "../../edge/auth/tokens.ts";
import { accountsRoutes } from "../../edge/routes/accounts.ts";
import { economyRoutes } from "../../edge/routes/economy.ts";
import { ApiError, restClient, unwrap } from "../../edge/sdk/mod.ts";

export const TEST_SECRET = "test-secret-0123456789-abcdefghijklmnop";

export interface AccountsApp {
  url: string;
  accounts: Accounts;
  tokens: Hs256Tokens;
  clock: { now: number };
  api(path: string, init?: RequestInit & { token?: string; json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

export async function startAccountsApp(
  store: SqlStore,
  opts: { oauthProviders?: OAuthProviderConfig[]; devTopUpForAll?: boolean } = {},
): Promise<AccountsApp> {
  const clock = { now: Date.now() };
  const now = () => clock.now;
  const tokens = await Hs256Tokens.create(TEST_SECRET, now);
  const log = createLogger({ test: "accounts" }, "error");
  const holder: { app?: Hono } = {};
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) => holder.app ? holder.app.fetch(req) : new Response("starting", { status: 503 }),
  );
  const url = `http://127.0.0.1:${server.addr.port}`;
  const accounts = createAccounts({
    store,
    tokens,
    log,
    config: { PUBLIC_URL: url },
    oauthProviders: opts.oauthProviders ?? [],
    sessions: { now },
  });
  const root = new Hono();
  root.route("/api", accountsRoutes(accounts));
  root.route(
    "/api",
    economyRoutes({
      store,
      resolver: accounts.resolver,
      payments: new DevPaymentProvider(),
      devTopUpForAll: opts.devTopUpForAll ?? true,
      log,
    }),
  );
  holder.app = root;
  return {
    url,
    accounts,
    tokens,
    clock,
    api(path, init = {}) {
      const headers = new Headers(init.headers);
      if (init.token) headers.set("authorization", `Bearer ${init.token}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set("content-type", "application/json");
        body = JSON.stringify(init.json);
      }
      return fetch(`${url}${path}`, { ...init, headers, body, redirect: "manual" });
    },
    close: () => server.shutdown(),
  };
}

/** The `{error: {code}}` of a response (consumes the body). */
export async function errorCode(res: Response): Promise<string | undefined> {
  const body = await res.json();
  return body?.error?.code;
}

/** Registers a user through the API of a started app or server (must succeed) and returns
 * its id and access token. */
export async function signUp(
  app: { url: string },
  username: string,
  password = "a fine password",
) {
  // The typed client: the body and the answer are checked against the API's declarations.
  const session = await unwrap(
    restClient({ baseUrl: app.url }).POST("/api/auth/register", { body: { username, password } }),
  ).catch((err) => {
    throw new Error(`register ${username}: ${err instanceof ApiError ? err.code : err}`);
  });
  return { id: session.user.id, token: session.accessToken };
}
