/**
 * Platform roles over the admin API on both backends: listing users with their roles, grant
 * and revoke with every refusal code (`forbidden`, `token_missing`, `unknown_role`,
 * `role_not_grantable`, `unknown_user`, `invalid_request`, `last_admin`), the `role_events`
 * audit rows (who, when, what; none for a refusal or a no-op), the whole-set PUT going through
 * the same audited path, and two admins revoking each other at once leaving exactly one.
 */
import assert from "node:assert/strict";
import type { SqlStore } from "../engine/sql/sql.ts";
import { bootstrapAdmins, changeRole } from "../edge/accounts/roles.ts";
import { createLogger } from "../engine/log.ts";
import { errorCode, signUp, startAccountsApp } from "./helpers/accounts_app.ts";
import { dbTest } from "./helpers/db.ts";

interface AuditRow {
  user_id: string;
  role: string;
  action: string;
  via: string;
  actor_id: string | null;
  actor_name: string;
  created_at: Date;
}

const auditRows = (store: SqlStore) =>
  store.query<AuditRow>(
    "SELECT user_id, role, action, via, actor_id, actor_name, created_at FROM role_events ORDER BY id",
  );

const rolesOf = async (store: SqlStore, id: string) =>
  (await store.query<{ roles: string[] }>("SELECT roles FROM users WHERE id = $1", [id]))[0]
    .roles;

dbTest("roles API: list, grant, revoke, every refusal, audit rows", async (db) => {
  const app = await startAccountsApp(db.store);
  try {
    const alice = await signUp(app, "alice");
    const bob = await signUp(app, "bob");
    const carol = await signUp(app, "carol");
    // The first admin comes from the operator (the CLI's code path), audited as such.
    const first = await changeRole(db.store, { username: "ALICE" }, "admin", "grant", {
      via: "cli",
      name: "cli:ops",
    });
    assert.equal(first.changed, true);
    assert.deepEqual(first.user.roles, ["viewer", "admin"]);

    const call = (path: string, token?: string, json?: unknown) =>
      app.api(path, { method: json === undefined ? "GET" : "POST", token, json });

    // Non-admins and anonymous callers are refused, and change nothing.
    assert.equal(await errorCode(await call("/api/admin/users", bob.token)), "forbidden");
    assert.equal(await errorCode(await call("/api/admin/users")), "token_missing");
    assert.equal(
      await errorCode(
        await call(`/api/admin/users/${carol.id}/roles/grant`, bob.token, { role: "admin" }),
      ),
      "forbidden",
    );

    // The list: every user with their roles, and what may be granted.
    const listRes = await call("/api/admin/users", alice.token);
    assert.equal(listRes.status, 200);
    const list = await listRes.json();
    assert.deepEqual(
      list.users.map((u: { username: string; roles: string[] }) => [u.username, u.roles]),
      [["alice", ["viewer", "admin"]], ["bob", ["viewer"]], ["carol", ["viewer"]]],
    );
    assert.deepEqual(list.grantable, ["streamer", "finance", "admin"]);
    const admins = await (await call("/api/admin/users?role=admin", alice.token)).json();
    assert.deepEqual(admins.users.map((u: { username: string }) => u.username), ["alice"]);
    const paged = await (await call("/api/admin/users?limit=2", alice.token)).json();
    assert.equal(paged.users.length, 2);
    const rest = await (await call(`/api/admin/users?limit=2&after=${paged.next}`, alice.token))
      .json();
    assert.deepEqual(rest.users.map((u: { username: string }) => u.username), ["carol"]);
    const byPrefix = await (await call("/api/admin/users?q=B", alice.token)).json();
    assert.deepEqual(byPrefix.users.map((u: { username: string }) => u.username), ["bob"]);

    // Grant finance to bob: changed, with its audit event; again: nothing changes.
    const granted = await call(`/api/admin/users/${bob.id}/roles/grant`, alice.token, {
      role: "finance",
    });
    assert.equal(granted.status, 200);
    const g = await granted.json();
    assert.equal(g.changed, true);
    assert.deepEqual(g.user.roles, ["viewer", "finance"]);
    assert.equal(g.event.actorId, alice.id);
    assert.equal(g.event.actorName, "alice");
    assert.equal(g.event.via, "api");
    const again = await (await call(`/api/admin/users/${bob.id}/roles/grant`, alice.token, {
      role: "finance",
    })).json();
    assert.equal(again.changed, false);
    assert.equal(again.event, undefined);

    // Refusals, each with its stable code and status.
    const refusals: [string, unknown, string, number][] = [
      [`/api/admin/users/${bob.id}/roles/grant`, { role: "wizard" }, "unknown_role", 400],
      [`/api/admin/users/${bob.id}/roles/revoke`, { role: "superuser" }, "unknown_role", 400],
      [`/api/admin/users/${bob.id}/roles/revoke`, { role: "viewer" }, "role_not_grantable", 400],
      ["/api/admin/users/no-such-user/roles/grant", { role: "admin" }, "unknown_user", 404],
      [`/api/admin/users/${bob.id}/roles/grant`, {}, "invalid_request", 400],
      [`/api/admin/users/${bob.id}/roles/grant`, { role: "admin", x: 1 }, "invalid_request", 400],
      // Alice is the only admin: she cannot drop it.
      [`/api/admin/users/${alice.id}/roles/revoke`, { role: "admin" }, "last_admin", 409],
    ];
    for (const [path, body, code, status] of refusals) {
      const res = await call(path, alice.token, body);
      assert.equal(res.status, status, `${path} ${JSON.stringify(body)}`);
      assert.equal(await errorCode(res), code, `${path} ${JSON.stringify(body)}`);
    }
    assert.equal(
      await errorCode(await call("/api/admin/users/no-such-user", alice.token)),
      "unknown_user",
    );
    assert.deepEqual(await rolesOf(db.store, alice.id), ["viewer", "admin"]);
    assert.deepEqual(await rolesOf(db.store, bob.id), ["viewer", "finance"]);
    assert.equal((await auditRows(db.store)).length, 2, "refusals and no-ops write nothing");

    // A second admin; then alice may step down, and carol becomes the last admin.
    assert.equal(
      (await call(`/api/admin/users/${carol.id}/roles/grant`, alice.token, { role: "admin" }))
        .status,
      200,
    );
    app.clock.now += 5_000; // past the resolver's session cache: carol's roles are re-read
    const stepDown = await call(`/api/admin/users/${alice.id}/roles/revoke`, carol.token, {
      role: "admin",
    });
    assert.equal(stepDown.status, 200);
    assert.deepEqual((await stepDown.json()).user.roles, ["viewer"]);
    assert.equal(
      await errorCode(
        await call(`/api/admin/users/${carol.id}/roles/revoke`, carol.token, { role: "admin" }),
      ),
      "last_admin",
    );
    app.clock.now += 5_000;
    assert.equal(await errorCode(await call("/api/admin/users", alice.token)), "forbidden");

    // The whole-set PUT takes the same audited path (and the same last_admin rule).
    const put = (id: string, roles: string[]) =>
      app.api(`/api/admin/users/${id}/roles`, {
        method: "PUT",
        token: carol.token,
        json: { roles },
      });
    const putRes = await put(bob.id, ["streamer"]);
    assert.equal(putRes.status, 200);
    assert.deepEqual((await putRes.json()).user.roles, ["viewer", "streamer"]);
    assert.equal(await errorCode(await put(carol.id, [])), "last_admin");
    assert.equal(await errorCode(await put(bob.id, ["root"])), "unknown_role");
    assert.deepEqual(await rolesOf(db.store, carol.id), ["viewer", "admin"]);

    // The audit log: every change, who made it, in order; newest first over the API.
    const rows = await auditRows(db.store);
    assert.deepEqual(
      rows.map((r) => [r.user_id, r.action, r.role, r.via, r.actor_id, r.actor_name]),
      [
        [alice.id, "grant", "admin", "cli", null, "cli:ops"],
        [bob.id, "grant", "finance", "api", alice.id, "alice"],
        [carol.id, "grant", "admin", "api", alice.id, "alice"],
        [alice.id, "revoke", "admin", "api", carol.id, "carol"],
        [bob.id, "grant", "streamer", "api", carol.id, "carol"],
        [bob.id, "revoke", "finance", "api", carol.id, "carol"],
      ],
    );
    for (const r of rows) {
      assert.ok(r.created_at instanceof Date || typeof r.created_at === "string");
    }
    const log = await (await call("/api/admin/role-events?limit=4", carol.token)).json();
    assert.deepEqual(
      log.events.map((e: { username: string; action: string; role: string }) =>
        `${e.action} ${e.role} ${e.username}`
      ),
      ["revoke finance bob", "grant streamer bob", "revoke admin alice", "grant admin carol"],
    );
    const older = await (await call(`/api/admin/role-events?before=${log.next}`, carol.token))
      .json();
    assert.equal(older.events.length, 2);
    const one = await (await call(`/api/admin/users/${alice.id}`, carol.token)).json();
    assert.deepEqual(
      one.events.map((e: { action: string; actorName: string }) => `${e.action} ${e.actorName}`),
      ["revoke carol", "grant cli:ops"],
    );
    assert.ok(!Number.isNaN(Date.parse(one.events[0].at)));
  } finally {
    await app.close();
  }
});

dbTest("roles API: two admins revoking each other at once leave exactly one", async (db) => {
  const app = await startAccountsApp(db.store);
  try {
    const ann = await signUp(app, "ann");
    const ben = await signUp(app, "ben");
    for (const username of ["ann", "ben"]) {
      await changeRole(db.store, { username }, "admin", "grant", { via: "cli", name: "cli" });
    }
    // Both sessions' roles are now cached as admin (the test clock stands still), so both
    // requests pass the route's check and meet in the locked transaction.
    for (const who of [ann, ben]) {
      const warm = await app.api("/api/admin/users", { token: who.token });
      assert.equal(warm.status, 200);
      await warm.body?.cancel();
    }
    const [a, b] = await Promise.all([
      app.api(`/api/admin/users/${ben.id}/roles/revoke`, {
        method: "POST",
        token: ann.token,
        json: { role: "admin" },
      }),
      app.api(`/api/admin/users/${ann.id}/roles/revoke`, {
        method: "POST",
        token: ben.token,
        json: { role: "admin" },
      }),
    ]);
    const codes = [a.status, b.status].sort();
    // The second to take the lock is no longer an admin: refused, nothing changed.
    assert.deepEqual(codes, [200, 403]);
    const loser = a.status === 403 ? a : b;
    const winner = a.status === 403 ? b : a;
    assert.equal(await errorCode(loser), "forbidden");
    await winner.body?.cancel();
    const left = await db.store.query<{ username: string }>(
      "SELECT username FROM users WHERE 'admin' = ANY (roles)",
    );
    assert.equal(left.length, 1);
    const revokes = (await auditRows(db.store)).filter((r) => r.action === "revoke");
    assert.equal(revokes.length, 1);
  } finally {
    await app.close();
  }
});

dbTest("BOOTSTRAP_ADMINS applies only while no active admin exists", async (db) => {
  const app = await startAccountsApp(db.store);
  const log = createLogger({ test: "bootstrap" }, "error");
  try {
    const dora = await signUp(app, "dora");
    const eli = await signUp(app, "eli");
    const first = await bootstrapAdmins(db.store, ["Dora", "ghost", " "], log);
    assert.deepEqual(first, { granted: ["dora"], missing: ["ghost"], skipped: false });
    assert.deepEqual(await rolesOf(db.store, dora.id), ["viewer", "admin"]);
    // An admin exists: a later start-up with other names changes nothing.
    const second = await bootstrapAdmins(db.store, ["eli"], log);
    assert.deepEqual(second, { granted: [], missing: [], skipped: true });
    assert.deepEqual(await rolesOf(db.store, eli.id), ["viewer"]);
    const rows = await auditRows(db.store);
    assert.deepEqual(
      rows.map((r) => [r.user_id, r.action, r.via, r.actor_name]),
      [[dora.id, "grant", "bootstrap", "BOOTSTRAP_ADMINS"]],
    );
  } finally {
    await app.close();
  }
});

dbTest(
  "roles API: a grant, a revoke and a ban apply at once on the edge that made them",
  async (db) => {
    const app = await startAccountsApp(db.store);
    try {
      const admin = await signUp(app, "boss");
      const clerk = await signUp(app, "clerk");
      await changeRole(db.store, { username: "boss" }, "admin", "grant", { via: "cli", name: "t" });
      const queue = () => app.api("/api/admin/withdrawals?status=pending", { token: clerk.token });
      const call = (path: string, json: unknown) =>
        app.api(path, { method: "POST", token: admin.token, json });

      // The clerk's identity is now cached on this edge (without `finance`) ...
      assert.equal(await errorCode(await queue()), "forbidden");
      // ... and the grant still applies to the very next request, not after the cache expires.
      const granted = await call(`/api/admin/users/${clerk.id}/roles/grant`, { role: "finance" });
      assert.equal(granted.status, 200);
      await granted.body?.cancel();
      const allowed = await queue();
      assert.equal(allowed.status, 200);
      await allowed.body?.cancel();

      const revoked = await call(`/api/admin/users/${clerk.id}/roles/revoke`, { role: "finance" });
      assert.equal(revoked.status, 200);
      await revoked.body?.cancel();
      assert.equal(await errorCode(await queue()), "forbidden");

      const banned = await app.api(`/api/admin/users/${clerk.id}/ban`, {
        method: "PUT",
        token: admin.token,
        json: { banned: true },
      });
      assert.equal(banned.status, 200);
      await banned.body?.cancel();
      assert.notEqual((await queue()).status, 200);
    } finally {
      await app.close();
    }
  },
);
