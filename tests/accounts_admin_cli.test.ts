/**
 * The first admin without editing the database:
 * - `deno task admin roles ...` as a real subprocess against a scratch Postgres database the
 *   server uses (DATABASE_URL), then the new admin logs in and uses the admin API; the CLI's
 *   refusals exit 1 with their codes; usage errors exit 2;
 * - the same CLI on embedded PGlite under DATA_DIR, between two runs of a server process;
 * - `BOOTSTRAP_ADMINS` on a started server process: applied while no admin exists, ignored on
 *   a later start-up once one does.
 */
import assert from "node:assert/strict";
import { openStore } from "../engine/sql/open_store.ts";
import { appMigrations } from "../edge/wiring/migrations.ts";
import { hashPassword } from "../edge/accounts/passwords.ts";
import { createUser } from "../edge/accounts/users.ts";
import { createScratchDatabase } from "./helpers/db.ts";
import { callJson } from "./helpers/http.ts";
import { startServerProcess, startTestServer } from "./helpers/server.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const PASSWORD = "correct horse battery";

/** `deno task admin <args>` in the repository, as an operator runs it. */
async function adminTask(args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "admin", ...args],
    cwd: ROOT,
    env: { LOG_LEVEL: "error", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function login(base: string, username: string): Promise<string> {
  const r = await callJson(base, "/api/auth/login", { json: { username, password: PASSWORD } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.accessToken;
}

async function registerOver(base: string, username: string): Promise<string> {
  const r = await callJson(base, "/api/auth/register", { json: { username, password: PASSWORD } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.user.id;
}

Deno.test("admin CLI on Postgres: grant the first admin, who then uses the admin API", async () => {
  const scratch = await createScratchDatabase();
  const dataDir = await Deno.makeTempDir({ prefix: "synapse-cli-" });
  const srv = await startTestServer({ accounts: true, env: { DATABASE_URL: scratch.url } });
  const env = { DATABASE_URL: scratch.url, DATA_DIR: dataDir };
  try {
    await registerOver(srv.url, "alice");
    const bobId = await registerOver(srv.url, "bob");
    const before = await login(srv.url, "alice");
    assert.equal(
      (await callJson(srv.url, "/api/admin/users", { token: before })).body.error.code,
      "forbidden",
    );

    const granted = await adminTask(["roles", "grant", "alice", "admin"], env);
    assert.equal(granted.code, 0, granted.stderr);
    assert.match(granted.stdout, /granted admin to alice; roles now: viewer, admin/);
    const twice = await adminTask(["roles", "grant", "Alice", "admin"], env);
    assert.equal(twice.code, 0, twice.stderr);
    assert.match(twice.stdout, /alice already has admin; nothing changed/);

    // Alice logs in and uses an admin endpoint: grants finance to bob.
    const token = await login(srv.url, "alice");
    const users = await callJson(srv.url, "/api/admin/users", { token });
    assert.equal(users.status, 200, JSON.stringify(users.body));
    assert.deepEqual(
      users.body.users.map((u: { username: string; roles: string[] }) => [u.username, u.roles]),
      [["alice", ["viewer", "admin"]], ["bob", ["viewer"]]],
    );
    const grant = await callJson(srv.url, `/api/admin/users/${bobId}/roles/grant`, {
      token,
      json: { role: "finance" },
    });
    assert.equal(grant.status, 200, JSON.stringify(grant.body));
    assert.deepEqual(grant.body.user.roles, ["viewer", "finance"]);

    // Refusals: exit 1 with the code on stderr, nothing changed.
    for (
      const [args, code] of [
        [["roles", "grant", "bob", "wizard"], "unknown_role"],
        [["roles", "revoke", "bob", "viewer"], "role_not_grantable"],
        [["roles", "grant", "nobody", "admin"], "unknown_user"],
        [["roles", "revoke", "alice", "admin"], "last_admin"],
        [["roles", "log", "nobody"], "unknown_user"],
        // The text policy: a non-character in an argument (NUL cannot travel in argv).
        [["roles", "grant", "bob\uFFFF", "admin"], "invalid_text"],
      ] as const
    ) {
      const r = await adminTask([...args], env);
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^error ${code}: `, "m"), args.join(" "));
    }
    for (const args of [["roles"], ["roles", "promote", "bob"], ["roles", "grant", "bob"], []]) {
      const r = await adminTask(args, env);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}`);
      assert.match(r.stderr, /usage:/);
    }
    const badConfig = await adminTask(["roles", "list"], { ...env, BOOTSTRAP_ADMINS: "no way!" });
    assert.equal(badConfig.code, 2);
    assert.match(badConfig.stderr, /BOOTSTRAP_ADMINS/);

    const list = await adminTask(["roles", "list", "--role", "admin"], env);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, "alice\tviewer,admin\n");
    const log = await adminTask(["roles", "log"], env);
    assert.equal(log.code, 0, log.stderr);
    const lines = log.stdout.trim().split("\n").map((l) => l.split("\t").slice(1));
    assert.equal(lines.length, 2);
    assert.deepEqual(lines[0].slice(0, 3), ["grant", "admin", "alice"]);
    assert.match(lines[0][3], /^by cli(:.+)?$/);
    assert.deepEqual(lines[1], ["grant", "finance", "bob", "by alice"]);
  } finally {
    await srv.close();
    await scratch.drop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

Deno.test("admin CLI on embedded PGlite under DATA_DIR, between server runs", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "synapse-cli-pglite-" });
  const env = { DATA_DIR: dataDir, AUTH_SECRET: "cli-test-secret-0123456789-abcdefghijkl" };
  try {
    let proc = await startServerProcess([], env);
    try {
      await registerOver(proc.url, "carol");
    } finally {
      await proc.stop();
    }
    const granted = await adminTask(["roles", "grant", "carol", "admin"], env);
    assert.equal(granted.code, 0, granted.stderr);
    assert.match(granted.stdout, /granted admin to carol/);
    proc = await startServerProcess([], env);
    try {
      const token = await login(proc.url, "carol");
      const users = await callJson(proc.url, "/api/admin/users", { token });
      assert.equal(users.status, 200, JSON.stringify(users.body));
      assert.deepEqual(users.body.users[0].roles, ["viewer", "admin"]);
    } finally {
      await proc.stop();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

Deno.test("BOOTSTRAP_ADMINS on a started server: applied while no admin exists, then ignored", async () => {
  const scratch = await createScratchDatabase();
  try {
    const store = await openStore(
      { DATABASE_URL: scratch.url, DATA_DIR: "./unused" },
      await appMigrations(),
    );
    try {
      for (const username of ["dana", "eddie"]) {
        await createUser(store, { username, passwordHash: await hashPassword(PASSWORD) });
      }
    } finally {
      await store.close();
    }
    const base = { DATABASE_URL: scratch.url, AUTH_SECRET: "bootstrap-secret-0123456789-abcdefgh" };
    let proc = await startServerProcess([], { ...base, BOOTSTRAP_ADMINS: "dana, nobody" });
    try {
      const token = await login(proc.url, "dana");
      const users = await callJson(proc.url, "/api/admin/users", { token });
      assert.equal(users.status, 200, JSON.stringify(users.body));
      const log = await callJson(proc.url, "/api/admin/role-events", { token });
      assert.deepEqual(
        log.body.events.map((
          e: { action: string; role: string; username: string; via: string },
        ) => [e.action, e.role, e.username, e.via]),
        [["grant", "admin", "dana", "bootstrap"]],
      );
    } finally {
      const { output } = await proc.stop();
      assert.match(output, /BOOTSTRAP_ADMINS applied/);
      assert.match(output, /"missing":\["nobody"\]/);
    }
    // Dana is an admin now: naming eddie at the next start-up changes nothing.
    proc = await startServerProcess([], { ...base, BOOTSTRAP_ADMINS: "eddie" });
    try {
      const token = await login(proc.url, "eddie");
      const users = await callJson(proc.url, "/api/admin/users", { token });
      assert.equal(users.body.error?.code, "forbidden");
    } finally {
      const { output } = await proc.stop();
      assert.match(output, /BOOTSTRAP_ADMINS ignored: an admin exists/);
    }
  } finally {
    await scratch.drop();
  }
});
