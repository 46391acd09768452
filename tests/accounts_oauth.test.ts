import assert from "node:assert/strict";
import { errorCode, startAccountsApp } from "./helpers/accounts_app.ts";
import { dbTest } from "./helpers/db.ts";
import { type ProviderUser, startOAuthProvider } from "./helpers/oauth_provider.ts";

type App = Awaited<ReturnType<typeof startAccountsApp>>;

/** Walk the browser's part: start → provider authorize → callback URL, keeping the cookie. */
async function authorize(app: App, flavor: "github" | "google", token?: string) {
  const start = await app.api(`/api/oauth/${flavor}/start`, { token });
  assert.equal(start.status, 302);
  const cookie = start.headers.get("set-cookie")?.split(";")[0] ?? "";
  assert.match(cookie, /^synapse_oauth_state=/);
  const authorizeUrl = new URL(start.headers.get("location")!);
  assert.equal(authorizeUrl.searchParams.get("code_challenge_method"), "S256");
  const atProvider = await fetch(authorizeUrl, { redirect: "manual" });
  assert.equal(atProvider.status, 302);
  await atProvider.body?.cancel();
  const callback = new URL(atProvider.headers.get("location")!);
  assert.equal(callback.origin, app.url);
  return { callback, cookie };
}

async function finish(callback: URL, cookie: string) {
  return await fetch(callback, { headers: { cookie }, redirect: "manual" });
}

const octo: ProviderUser = {
  id: "4242",
  login: "octo-cat",
  name: "Octo Cat",
  email: "octo@example.com",
  emailVerified: true,
};

dbTest(
  "OAuth: GitHub login creates a user; Google with the same verified email links to it",
  async (db) => {
    const provider = startOAuthProvider();
    const app = await startAccountsApp(db.store, {
      oauthProviders: [provider.config("github"), provider.config("google")],
    });
    try {
      provider.signInAs(octo);
      const first = await authorize(app, "github");
      const res = await finish(first.callback, first.cookie);
      assert.equal(res.status, 200);
      const session = await res.json();
      assert.equal(session.user.email, "octo@example.com");
      assert.equal(session.user.emailVerified, true);
      assert.equal(session.user.username, "octo_cat");
      const me = await app.api("/api/me", { token: session.accessToken });
      assert.equal((await me.json()).user.id, session.user.id);

      // Same GitHub identity again: same user.
      const again = await authorize(app, "github");
      assert.equal(
        (await (await finish(again.callback, again.cookie)).json()).user.id,
        session.user.id,
      );

      // Google, other subject, same verified email: linked to the same account.
      provider.signInAs({ ...octo, id: "g-777", login: "octo" });
      const google = await authorize(app, "google");
      const linked = await (await finish(google.callback, google.cookie)).json();
      assert.equal(linked.user.id, session.user.id);

      // Google with an unverified email: never linked, a new account.
      provider.signInAs({ ...octo, id: "g-888", emailVerified: false });
      const unverified = await authorize(app, "google");
      const other = await (await finish(unverified.callback, unverified.cookie)).json();
      assert.notEqual(other.user.id, session.user.id);
      assert.equal(other.user.email, null);

      // A provider name with bidi overrides and invisible fillers is cleaned like any name.
      provider.signInAs({
        ...octo,
        id: "g-999",
        email: "mallory@example.com",
        login: "mallory",
        name: "\u202Eyrollam\u200B\u3164",
      });
      const tricky = await authorize(app, "google");
      const cleaned = await (await finish(tricky.callback, tricky.cookie)).json();
      assert.equal(cleaned.user.displayName, "yrollam");

      const [{ n }] = await db.store.query<{ n: unknown }>(
        "SELECT count(*) AS n FROM oauth_identities WHERE user_id = $1",
        [session.user.id],
      );
      assert.equal(Number(n), 2);
    } finally {
      await app.close();
      await provider.close();
    }
  },
);

dbTest(
  "OAuth: state mismatch, replayed state and a wrong PKCE verifier are refused",
  async (db) => {
    const provider = startOAuthProvider();
    const app = await startAccountsApp(db.store, { oauthProviders: [provider.config("github")] });
    try {
      provider.signInAs(octo);
      // No cookie (another browser), then a cookie for another flow.
      const a = await authorize(app, "github");
      const noCookie = await finish(a.callback, "");
      assert.equal(noCookie.status, 400);
      assert.equal(await errorCode(noCookie), "oauth_state_mismatch");
      const b = await authorize(app, "github");
      const crossed = await finish(b.callback, a.cookie);
      assert.equal(await errorCode(crossed), "oauth_state_mismatch");

      // A good flow works once; replaying its callback is refused.
      const c = await authorize(app, "github");
      assert.equal((await finish(c.callback, c.cookie)).status, 200);
      assert.equal(await errorCode(await finish(c.callback, c.cookie)), "oauth_state_mismatch");

      // The verifier stored for the flow is what the provider checks against the challenge.
      const d = await authorize(app, "github");
      await db.store.query("UPDATE oauth_states SET code_verifier = $1", ["x".repeat(64)]);
      const badPkce = await finish(d.callback, d.cookie);
      assert.equal(badPkce.status, 502);
      assert.equal(await errorCode(badPkce), "oauth_provider_error");
      assert.ok(provider.refusals.includes("PKCE verifier mismatch"));

      // Unknown and unconfigured providers.
      assert.equal(
        await errorCode(await app.api("/api/oauth/myspace/start")),
        "oauth_unknown_provider",
      );
      assert.equal(
        await errorCode(await app.api("/api/oauth/google/start")),
        "oauth_not_configured",
      );
    } finally {
      await app.close();
      await provider.close();
    }
  },
);

dbTest("OAuth: a signed-in user links a provider to their account", async (db) => {
  const provider = startOAuthProvider();
  const app = await startAccountsApp(db.store, { oauthProviders: [provider.config("github")] });
  try {
    const reg = await (await app.api("/api/auth/register", {
      method: "POST",
      json: { username: "erin", password: "long enough pw", email: "octo@example.com" },
    })).json();
    // Erin's own email is unverified: a GitHub login with it must not land in her account...
    provider.signInAs(octo);
    const stranger = await authorize(app, "github");
    const s = await (await finish(stranger.callback, stranger.cookie)).json();
    assert.notEqual(s.user.id, reg.user.id);
    // ...but Erin can link another GitHub identity explicitly while signed in.
    provider.signInAs({ ...octo, id: "5151", login: "erin-gh", email: "erin@example.com" });
    const link = await authorize(app, "github", reg.accessToken);
    const linked = await (await finish(link.callback, link.cookie)).json();
    assert.equal(linked.user.id, reg.user.id);
    // Linking an identity that belongs to someone else is refused.
    provider.signInAs(octo);
    const steal = await authorize(app, "github", reg.accessToken);
    assert.equal(
      await errorCode(await finish(steal.callback, steal.cookie)),
      "oauth_already_linked",
    );
  } finally {
    await app.close();
    await provider.close();
  }
});

dbTest(
  "OAuth: a browser's callback lands on the web client (#/oauth) with the session in the fragment",
  async (db) => {
    const provider = startOAuthProvider();
    const app = await startAccountsApp(db.store, { oauthProviders: [provider.config("github")] });
    const html = "text/html,application/xhtml+xml,*/*;q=0.8";
    try {
      // The web client shows a button per configured provider.
      const providers = await (await app.api("/api/auth/providers")).json();
      assert.deepEqual(providers, { providers: ["github"] });

      provider.signInAs(octo);
      const ok = await authorize(app, "github");
      const landed = await fetch(ok.callback, {
        headers: { cookie: ok.cookie, accept: html },
        redirect: "manual",
      });
      assert.equal(landed.status, 302);
      assert.equal(landed.headers.get("cache-control"), "no-store");
      const location = landed.headers.get("location")!;
      assert.match(location, /^\/#\/oauth\?/);
      const params = new URLSearchParams(location.slice("/#/oauth?".length));
      const me = await app.api("/api/me", { token: params.get("accessToken")! });
      assert.equal(me.status, 200);
      assert.equal((await me.json()).user.username, "octo_cat");
      // The refresh token in the fragment works (and rotates).
      const refreshed = await app.api("/api/auth/refresh", {
        method: "POST",
        json: { refreshToken: params.get("refreshToken") },
      });
      assert.equal(refreshed.status, 200);
      await refreshed.body?.cancel();
      assert.ok(Number(params.get("expiresIn")) > 0);

      // A refused login lands there too, with its stable code and no tokens.
      const bad = await authorize(app, "github");
      const refused = await fetch(bad.callback, {
        headers: { cookie: "", accept: html },
        redirect: "manual",
      });
      assert.equal(refused.status, 302);
      const errorParams = new URLSearchParams(
        refused.headers.get("location")!.slice("/#/oauth?".length),
      );
      assert.equal(errorParams.get("error"), "oauth_state_mismatch");
      assert.equal(errorParams.get("accessToken"), null);
    } finally {
      await app.close();
      await provider.close();
    }
  },
);
