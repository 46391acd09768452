/**
 * Signing in from the web client in headless Chromium, against the accounts routes and the
 * static client on a real HTTP server, a fresh Postgres database and a local OAuth2
 * provider that speaks the real protocol: the GitHub button (shown because it is
 * configured) logs in through authorize → callback → `/#/oauth`, leaving no token in the
 * address bar; an expired access token is refreshed by the client (the refresh token
 * rotates); sign-out revokes the session; bad credentials and taken names are shown.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import type { Page } from "playwright-core";
import { DevPaymentProvider } from "../actors/economy/payment_provider.ts";
import { createLogger } from "../engine/log.ts";
import { createAccounts } from "../edge/accounts/service.ts";
import { Hs256Tokens } from "../edge/auth/tokens.ts";
import { accountsRoutes } from "../edge/routes/accounts.ts";
import { economyRoutes } from "../edge/routes/economy.ts";
import { mediaWebRoutes } from "../edge/routes/media_web.ts";
import { webRoutes } from "../edge/routes/web.ts";
import { hasChromium, launchChromium } from "./helpers/browser.ts";
import { freshDatabase } from "./helpers/db.ts";
import { startOAuthProvider } from "./helpers/oauth_provider.ts";
import { waitForValue } from "./helpers/wait.ts";

const enabled = await hasChromium("web_auth");

async function startWebAccounts(oauth: ReturnType<typeof startOAuthProvider>) {
  const db = await freshDatabase("postgres");
  /** Server clock skew, to expire access tokens without waiting. */
  const clock = { offsetMs: 0 };
  const now = () => Date.now() + clock.offsetMs;
  const tokens = await Hs256Tokens.create("web-auth-test-secret-0123456789abcdef", now);
  const log = createLogger({ test: "web_auth" }, "error");
  const holder: { app?: Hono } = {};
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) => holder.app ? holder.app.fetch(req) : new Response("starting", { status: 503 }),
  );
  const url = `http://127.0.0.1:${server.addr.port}`;
  const accounts = createAccounts({
    store: db.store,
    tokens,
    log,
    config: { PUBLIC_URL: url },
    oauthProviders: [oauth.config("github")],
    sessions: { now },
  });
  const app = new Hono();
  app.route("/api", accountsRoutes(accounts));
  app.route(
    "/api",
    economyRoutes({
      store: db.store,
      resolver: accounts.resolver,
      payments: new DevPaymentProvider(),
      devTopUpForAll: true,
      log,
    }),
  );
  // The static client as edge/app.ts serves it (its pages and its media modules).
  app.route("/", await webRoutes());
  app.route("/", mediaWebRoutes());
  holder.app = app;
  return {
    url,
    clock,
    async close() {
      await server.shutdown();
      await db.close();
    },
  };
}

const storedAuth = (page: Page) =>
  page.evaluate(`JSON.parse(localStorage.getItem("synapse.auth") || "null")`) as Promise<
    { accessToken: string; refreshToken: string } | null
  >;

Deno.test({
  name: "web: OAuth button login, token refresh with rotation, sign-out, auth errors shown",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const provider = startOAuthProvider();
    const srv = await startWebAccounts(provider);
    const browser = await launchChromium();
    const errors: string[] = [];
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`${srv.url}/`);
      await page.click("#login-btn");
      const github = page.locator("#oauth-buttons a", { hasText: "Continue with GitHub" });
      await github.waitFor({ timeout: 10_000 });
      assert.equal(await page.locator("#oauth-buttons a").count(), 1, "only GitHub is set up");

      provider.signInAs({
        id: "777",
        login: "octo-web",
        name: "Octo Web",
        email: "octo.web@example.com",
        emailVerified: true,
      });
      await github.click();
      await page.locator("#me", { hasText: "signed in as Octo Web" }).waitFor({ timeout: 10_000 });
      assert.ok(!page.url().includes("accessToken"), `no token left in ${page.url()}`);
      const first = await storedAuth(page);
      assert.ok(first?.refreshToken);

      // The account's notification language follows the language switch (an OAuth account
      // starts with none on file; the page sends the one it shows).
      const languageOnFile = async () => {
        const res = await fetch(`${srv.url}/api/me`, {
          headers: { authorization: `Bearer ${first.accessToken}`, "accept-language": "*" },
        });
        return (await res.json()).user?.language as string | null;
      };
      await waitForValue("en on file", async () => (await languageOnFile()) === "en" || undefined);
      await page.selectOption("#lang-select", "zh-CN");
      await waitForValue(
        "zh-CN on file",
        async () => (await languageOnFile()) === "zh-CN" || undefined,
      );
      await page.selectOption("#lang-select", "en");
      await waitForValue("en again", async () => (await languageOnFile()) === "en" || undefined);

      // The server's clock moves past the access token's life: the next call refreshes. The
      // page is left first: a request it still sends after the jump (the language switch's
      // last PUT or GET /me) would refresh, and a refresh cut off by the navigation leaves its
      // rotated token unstored, so the studio would present a used one and be signed out.
      await page.goto("about:blank");
      srv.clock.offsetMs = 20 * 60_000;
      await page.goto(`${srv.url}/studio`);
      await page.getByText("You have no room yet").waitFor({ timeout: 10_000 });
      const second = await storedAuth(page);
      assert.ok(second && second.refreshToken !== first.refreshToken, "refresh token rotated");
      assert.notEqual(second.accessToken, first.accessToken);

      // Sign out: the session is revoked on the server, forgotten in the browser.
      await page.click("#logout-btn");
      await page.locator("#login-btn").waitFor({ state: "visible" });
      assert.equal(await storedAuth(page), null);
      const reuse = await fetch(`${srv.url}/api/auth/refresh`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refreshToken: second.refreshToken }),
      });
      assert.equal(reuse.status, 401);
      await reuse.body?.cancel();

      // Errors are shown with their codes.
      await page.click("#login-btn");
      await page.fill("#login-form [name=username]", "octo_web");
      await page.fill("#login-form [name=password]", "not the password");
      await page.click("#login-submit");
      await page.locator("#auth-error", { hasText: "Wrong username or password" }).waitFor();
      await page.fill("#register-form [name=username]", "octo_web");
      await page.fill("#register-form [name=password]", "long enough password");
      await page.click("#register-submit");
      await page.locator("#auth-error", { hasText: "That username is taken" }).waitFor();
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await srv.close();
      await provider.close();
    }
  },
});
