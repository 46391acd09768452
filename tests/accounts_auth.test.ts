import assert from "node:assert/strict";
import { encodeBase64Url } from "../edge/auth/base64url.ts";
import { setStatus } from "../edge/accounts/users.ts";
import { errorCode, startAccountsApp } from "./helpers/accounts_app.ts";
import { dbTest } from "./helpers/db.ts";

const password = "correct horse battery";

async function registered(app: Awaited<ReturnType<typeof startAccountsApp>>, username: string) {
  const res = await app.api("/api/auth/register", { method: "POST", json: { username, password } });
  assert.equal(res.status, 201);
  return await res.json() as {
    user: { id: string; roles: string[] };
    accessToken: string;
    refreshToken: string;
  };
}

dbTest("register, log in, me; wrong passwords and bad input refused with codes", async (db) => {
  const app = await startAccountsApp(db.store);
  try {
    const first = await registered(app, "alice");
    assert.deepEqual(first.user.roles, ["viewer"]);
    const me = await app.api("/api/me", { token: first.accessToken });
    assert.equal(me.status, 200);
    assert.equal((await me.json()).user.username, "alice");

    const ok = await app.api("/api/auth/login", {
      method: "POST",
      json: { username: "ALICE", password },
    });
    assert.equal(ok.status, 200);
    assert.ok((await ok.json()).accessToken);

    const wrong = await app.api("/api/auth/login", {
      method: "POST",
      json: { username: "alice", password: "wrong password" },
    });
    assert.equal(wrong.status, 401);
    assert.equal(await errorCode(wrong), "invalid_credentials");
    const nobody = await app.api("/api/auth/login", {
      method: "POST",
      json: { username: "nobody", password },
    });
    assert.equal(await errorCode(nobody), "invalid_credentials");

    const taken = await app.api("/api/auth/register", {
      method: "POST",
      json: { username: "Alice", password },
    });
    assert.equal(taken.status, 409);
    assert.equal(await errorCode(taken), "username_taken");
    for (
      const json of [
        { username: "bob", password: "short" },
        { username: "b", password },
        { username: "bob", password, admin: true },
      ]
    ) {
      const res = await app.api("/api/auth/register", { method: "POST", json });
      assert.equal(res.status, 400);
      assert.equal(await errorCode(res), "invalid_request");
    }
    const notJson = await app.api("/api/auth/login", { method: "POST", body: "{" });
    assert.equal(await errorCode(notJson), "invalid_request");

    // Guessing: after 5 wrong passwords in the window even the right one is refused.
    const attempt = (pw: string) =>
      app.api("/api/auth/login", { method: "POST", json: { username: "alice", password: pw } });
    for (let i = 0; i < 4; i++) await (await attempt(`guess number ${i}`)).body?.cancel();
    assert.equal(await errorCode(await attempt(password)), "too_many_attempts");
    app.clock.now += 16 * 60_000;
    assert.equal((await attempt(password)).status, 200);

    await setStatus(db.store, first.user.id, "banned");
    const banned = await app.api("/api/auth/login", {
      method: "POST",
      json: { username: "alice", password },
    });
    assert.equal(banned.status, 403);
    assert.equal(await errorCode(banned), "account_banned");
  } finally {
    await app.close();
  }
});

dbTest(
  "expired, tampered, alg:none and missing tokens are refused with their codes",
  async (db) => {
    const app = await startAccountsApp(db.store);
    try {
      const { accessToken } = await registered(app, "carol");
      const [header, payload, signature] = accessToken.split(".");
      const claims = JSON.parse(new TextDecoder().decode(Uint8Array.fromBase64(payload, {
        alphabet: "base64url",
      })));
      const enc = (v: unknown) => encodeBase64Url(new TextEncoder().encode(JSON.stringify(v)));

      const tampered = `${header}.${enc({ ...claims, roles: ["admin"] })}.${signature}`;
      const none = `${enc({ alg: "none", typ: "JWT" })}.${enc(claims)}.`;
      const cases: [string | undefined, string][] = [
        [undefined, "token_missing"],
        ["not-a-jwt", "token_malformed"],
        [tampered, "token_bad_signature"],
        [none, "token_unsupported_alg"],
      ];
      for (const [token, code] of cases) {
        const res = await app.api("/api/me", { token });
        assert.equal(res.status, 401, code);
        assert.equal(await errorCode(res), code);
      }
      // The real token works until the clock passes its expiry.
      assert.equal((await app.api("/api/me", { token: accessToken })).status, 200);
      app.clock.now += 2 * 3600 * 1000;
      const expired = await app.api("/api/me", { token: accessToken });
      assert.equal(expired.status, 401);
      assert.equal(await errorCode(expired), "token_expired");
    } finally {
      await app.close();
    }
  },
);

dbTest(
  "refresh rotates; reuse revokes the session; logout and logout-all end sessions",
  async (db) => {
    const app = await startAccountsApp(db.store);
    const refresh = (refreshToken: string) =>
      app.api("/api/auth/refresh", { method: "POST", json: { refreshToken } });
    try {
      const s1 = await registered(app, "dave");
      const r1 = await refresh(s1.refreshToken);
      assert.equal(r1.status, 200);
      const s2 = await r1.json();
      assert.notEqual(s2.refreshToken, s1.refreshToken);
      assert.equal((await app.api("/api/me", { token: s2.accessToken })).status, 200);

      // The first refresh token again: a replay. Refused, and the session is revoked.
      const replay = await refresh(s1.refreshToken);
      assert.equal(await errorCode(replay), "refresh_reused");
      assert.equal(await errorCode(await refresh(s2.refreshToken)), "refresh_revoked");
      assert.equal(
        await errorCode(await app.api("/api/me", { token: s2.accessToken })),
        "session_revoked",
      );
      assert.equal(await errorCode(await refresh("rt_unknown")), "refresh_invalid");

      // Logout: the access token and the refresh token of that session stop working.
      const login = async () =>
        await (await app.api("/api/auth/login", {
          method: "POST",
          json: { username: "dave", password },
        })).json();
      const a = await login();
      const b = await login();
      const out = await app.api("/api/auth/logout", { method: "POST", token: a.accessToken });
      assert.equal(out.status, 200);
      assert.equal(await errorCode(await refresh(a.refreshToken)), "refresh_revoked");
      assert.equal(
        await errorCode(await app.api("/api/me", { token: a.accessToken })),
        "session_revoked",
      );
      assert.equal((await app.api("/api/me", { token: b.accessToken })).status, 200);

      // Logout everywhere: every other session too.
      const c = await login();
      const all = await app.api("/api/auth/logout-all", { method: "POST", token: c.accessToken });
      assert.equal((await all.json()).revoked, 2);
      for (const s of [b, c]) {
        assert.equal(await errorCode(await refresh(s.refreshToken)), "refresh_revoked");
        assert.equal(
          await errorCode(await app.api("/api/me", { token: s.accessToken })),
          "session_revoked",
        );
      }
      // The refresh token expires too.
      const d = await login();
      app.clock.now += 31 * 24 * 3600 * 1000;
      assert.equal(await errorCode(await refresh(d.refreshToken)), "refresh_expired");
    } finally {
      await app.close();
    }
  },
);
