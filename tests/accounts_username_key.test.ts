/**
 * One canonical username key (issue 10, defect 3): the outside run logged into a locked
 * account with `vict\u0130m_k\u0130` and got five fresh guesses with `v\u0130ctim_ki`, because
 * JavaScript and Postgres lower-case `İ` (U+0130) differently. Now the key is folded once, in
 * JavaScript, stored with the user, and the lockout counts per account after the lookup:
 * no spelling of a name reaches an account another way, or gets attempts of its own.
 */
import assert from "node:assert/strict";
import { usernameKey } from "../edge/accounts/username_key.ts";
import type { AccountError } from "../edge/accounts/errors.ts";
import { createUser, findByUsername, findByVerifiedEmail } from "../edge/accounts/users.ts";
import { appMigrations } from "../edge/wiring/migrations.ts";
import { migrate } from "../engine/sql/migrate.ts";
import { openPgliteStore } from "../engine/sql/pglite_store.ts";
import { openPostgresStore } from "../engine/sql/postgres_store.ts";
import { errorCode, startAccountsApp } from "./helpers/accounts_app.ts";
import { createScratchDatabase, dbTest } from "./helpers/db.ts";

const password = "correct horse battery";

/** Spellings of `victim_ki` the outside run and the issue name. */
const VARIANTS = [
  "v\u0130ctim_ki", // İ
  "vict\u0130m_k\u0130",
  "v\u0131ctim_ki", // ı
  "victim_\u212Ai", // Kelvin sign
  "\uFF56\uFF49\uFF43\uFF54\uFF49\uFF4D\uFF3F\uFF4B\uFF49", // full-width
  "VICTIM_KI",
  "Victim_Ki",
];

Deno.test("usernameKey: NFKC, lower case, and only a-z 0-9 _", () => {
  assert.equal(usernameKey("Victim_Ki"), "victim_ki");
  assert.equal(usernameKey("victim_\u212Ai"), "victim_ki");
  assert.equal(usernameKey("\uFF56\uFF49\uFF43\uFF54\uFF49\uFF4D\uFF3F\uFF4B\uFF49"), "victim_ki");
  assert.equal(usernameKey("v\u0130ctim_ki"), undefined, "İ folds to i + U+0307, not i");
  assert.equal(usernameKey("v\u0131ctim_ki"), undefined);
  assert.equal(usernameKey("stra\u00DFe"), undefined);
  assert.equal(usernameKey("ab"), undefined);
});

dbTest("lockout is per account: no spelling logs into a locked account", async (db) => {
  const app = await startAccountsApp(db.store);
  const login = (username: string, pw: string) =>
    app.api("/api/auth/login", { method: "POST", json: { username, password: pw } });
  try {
    const reg = await app.api("/api/auth/register", {
      method: "POST",
      json: { username: "victim_ki", password },
    });
    assert.equal(reg.status, 201);
    // Five wrong guesses, each through a different spelling that reaches the account.
    for (const name of ["victim_ki", "VICTIM_KI", "victim_\u212Ai", "Victim_Ki", "victim_ki"]) {
      const res = await login(name, "wrong password");
      assert.equal(res.status, 401, name);
      await res.body?.cancel();
    }
    const locked = await login("victim_ki", password);
    assert.equal(await errorCode(locked), "too_many_attempts");
    for (const name of VARIANTS) {
      const res = await login(name, password);
      const code = await errorCode(res);
      assert.notEqual(res.status, 200, `${JSON.stringify(name)} logged in while locked`);
      assert.ok(
        code === "too_many_attempts" || code === "invalid_credentials",
        `${JSON.stringify(name)}: ${code}`,
      );
    }
  } finally {
    await app.close();
  }
});

dbTest("registration of a variant of an existing name is refused", async (db) => {
  const app = await startAccountsApp(db.store);
  const register = (username: string) =>
    app.api("/api/auth/register", { method: "POST", json: { username, password } });
  try {
    assert.equal((await register("victim_ki")).status, 201);
    assert.equal((await register("strasse_x")).status, 201);
    for (const name of [...VARIANTS, "STRASSE_X", "stra\u00DFe_x", "STRA\u1E9Ee_x"]) {
      const res = await register(name);
      const code = await errorCode(res);
      assert.ok(res.status === 409 || res.status === 400, `${JSON.stringify(name)}: ${res.status}`);
      assert.ok(code === "username_taken" || code === "invalid_request", `${name}: ${code}`);
    }
    assert.equal(await errorCode(await register("Victim_KI")), "username_taken");
    const count = await db.store.query<{ n: unknown }>(
      "SELECT count(*)::int AS n FROM users WHERE username ILIKE 'victim%' OR username ILIKE 'stra%'",
    );
    assert.equal(Number(count[0].n), 2);
    // The lookup by name folds the same way.
    const found = await app.api(`/api/usernames/${encodeURIComponent("victim_\u212Ai")}`);
    assert.equal(found.status, 200);
    assert.equal((await found.json()).user.username, "victim_ki");
    const notFound = await app.api(`/api/usernames/${encodeURIComponent("v\u0130ctim_ki")}`);
    assert.equal(await errorCode(notFound), "unknown_user");
  } finally {
    await app.close();
  }
});

Deno.test("migration 031 backfills the key of existing users [pglite, postgres]", async () => {
  const all = await appMigrations();
  const before = all.filter((m) => m.version < 31);
  const scratch = await createScratchDatabase();
  const stores = [await openPgliteStore(), openPostgresStore(scratch.url)];
  try {
    for (const store of stores) {
      await migrate(store, before);
      await store.query(
        `INSERT INTO users (id, username, display_name) VALUES
           ('u1', 'Alice_X', 'Alice'), ('u2', 'bob', 'Bob'), ('u3', 'j\u00FCrgen', 'by hand')`,
      );
      // Later versions (other features') are not this test's business: up to 31 only.
      const upTo31 = all.filter((m) => m.version <= 31);
      assert.deepEqual(await migrate(store, upTo31), [31], store.kind);
      const rows = await store.query<{ id: string; username_key: string }>(
        "SELECT id, username_key FROM users ORDER BY id",
      );
      assert.deepEqual(rows.map((r) => r.username_key), ["alice_x", "bob", "!u3"], store.kind);
      // Today's account code reads and writes columns of later versions (users.language).
      await migrate(store, all);
      assert.equal((await findByUsername(store, "ALICE_X"))?.user.id, "u1");
      assert.equal(await findByUsername(store, "j\u00FCrgen"), undefined, "renamed by an admin");
      await assert.rejects(
        () => createUser(store, { username: "alice_x" }),
        (e: AccountError) => e.code === "username_taken",
      );
    }
  } finally {
    for (const s of stores) await s.close();
    await scratch.drop();
  }
});

dbTest("a display name stored before the text policy is shown clean", async (db) => {
  const app = await startAccountsApp(db.store);
  try {
    const reg = await app.api("/api/auth/register", {
      method: "POST",
      json: { username: "legacy_name", password },
    });
    assert.equal(reg.status, 201);
    // As a row written before the policy would hold it.
    await db.store.query("UPDATE users SET display_name = $1 WHERE username_key = 'legacy_name'", [
      "\u202Eecila\u200B",
    ]);
    const login = await app.api("/api/auth/login", {
      method: "POST",
      json: { username: "legacy_name", password },
    });
    const { accessToken } = await login.json();
    const claims = JSON.parse(new TextDecoder().decode(
      Uint8Array.fromBase64(accessToken.split(".")[1], { alphabet: "base64url" }),
    ));
    assert.equal(claims.name, "ecila");
  } finally {
    await app.close();
  }
});

dbTest("a verified email links accounts only when both addresses are ASCII", async (db) => {
  const a = await createUser(db.store, {
    username: "mail_a",
    email: "v\u0130ctim@example.com",
    emailVerified: true,
  });
  const b = await createUser(db.store, {
    username: "mail_b",
    email: "Other@Example.com",
    emailVerified: true,
  });
  // Postgres under C.UTF-8 folds U+0130 to i: the lookup must not.
  assert.equal(await findByVerifiedEmail(db.store, "victim@example.com"), undefined);
  assert.equal(await findByVerifiedEmail(db.store, "v\u0130ctim@example.com"), undefined);
  assert.equal((await findByVerifiedEmail(db.store, "other@example.com"))?.id, b.id);
  assert.equal((await findByVerifiedEmail(db.store, "OTHER@EXAMPLE.COM"))?.id, b.id);
  assert.ok(a.id);
});

dbTest("createUser stores only plain-ASCII names (no Kelvin sign, no full width)", async (db) => {
  for (const name of ["\u212Aate_x", "\uFF41lice_y", "\u0130van"]) {
    await assert.rejects(
      () => createUser(db.store, { username: name }),
      (e: AccountError) => e.code === "invalid_request",
      JSON.stringify(name),
    );
  }
  const rows = await db.store.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM users WHERE username_key IN ('kate_x', 'alice_y')",
  );
  assert.equal(rows[0].n, 0);
  assert.equal((await createUser(db.store, { username: "Kate_X" })).username, "Kate_X");
});
