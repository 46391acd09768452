/**
 * Progress lines for long work (engine/progress.ts): the bench, migrations and the admin CLI
 * share one implementation. Estimates are checked for their form, never their value (no test
 * asserts wall-clock time).
 */
import assert from "node:assert/strict";
import { formatSeconds, Progress } from "../engine/progress.ts";
import { migrate } from "../engine/sql/migrate.ts";
import { openPgliteStore } from "../engine/sql/pglite_store.ts";
import { appMigrations } from "../edge/wiring/migrations.ts";
import { runAdminCli } from "../edge/accounts/admin_cli.ts";
import { parseConfig } from "../edge/wiring/config.ts";
import { openStore } from "../engine/sql/open_store.ts";

Deno.test("progress: numbered steps; the caller's estimate, else the mean of the steps done", () => {
  const lines: string[] = [];
  const p = new Progress("work", 3, (l) => lines.push(l));
  p.step("first");
  p.step("second", 125);
  p.step("third", "about a minute by the last run");
  assert.deepEqual(lines, [
    "work 1/3: first — no estimate yet",
    "work 2/3: second — about 2 min left",
    "work 3/3: third — about a minute by the last run",
  ]);
  const q = new Progress("work", 4, (l) => lines.push(l));
  q.step("a");
  q.step("b");
  assert.match(lines.at(-1)!, /^work 2\/4: b — about \d+ s left$/);
  assert.deepEqual([formatSeconds(42.4), formatSeconds(89), formatSeconds(150)], [
    "42 s",
    "89 s",
    "3 min",
  ]);
});

Deno.test("progress: a fresh database's migrations print one line each; none when up to date", async () => {
  const store = await openPgliteStore();
  try {
    const all = await appMigrations();
    const lines: string[] = [];
    const applied = await migrate(store, all, (l) => lines.push(l));
    assert.equal(applied.length, all.length);
    assert.equal(lines.length, all.length);
    lines.forEach((line, i) => {
      const m = all[i];
      const name = `${String(m.version).padStart(3, "0")} ${m.name}`;
      assert.ok(line.startsWith(`migrations ${i + 1}/${all.length}: ${name} — `), line);
    });
    assert.match(lines.at(-1)!, /about \d+ (s|min) left$/);
    const again: string[] = [];
    assert.deepEqual(await migrate(store, all, (l) => again.push(l)), []);
    assert.deepEqual(again, []);
  } finally {
    await store.close();
  }
});

Deno.test("progress: `roles list` over several pages prints a line per page with an estimate; one page prints none", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "synapse-roles-list-" });
  try {
    const config = parseConfig({ DATA_DIR: dataDir, LOG_LEVEL: "error" });
    // 450 users (3 pages of 200), a few of them streamers; the CLI opens the folder after us.
    const store = await openStore(config, await appMigrations());
    try {
      await store.query(
        `INSERT INTO users (id, username, username_key, display_name, roles)
         SELECT gen_random_uuid()::text, 'fan_' || lpad(i::text, 4, '0'),
                'fan_' || lpad(i::text, 4, '0'), 'Fan ' || i,
                CASE WHEN i % 100 = 0 THEN '{viewer,streamer}'::text[] ELSE '{viewer}'::text[] END
         FROM generate_series(1, 450) AS i`,
      );
    } finally {
      await store.close();
    }
    const run = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runAdminCli(args, {
        config: () => config,
        out: (l) => out.push(l),
        err: (l) => err.push(l),
      });
      return { code, out, err: err.filter((l) => !l.startsWith("migrations ")) };
    };

    const all = await run(["roles", "list", "fan_"]);
    assert.equal(all.code, 0);
    assert.equal(all.out.length, 450, "the list itself is on stdout, whole");
    assert.deepEqual(all.err.map((l) => l.split(" — ")[0]), [
      "roles list 1/3: users 1-200 of 450",
      "roles list 2/3: users 201-400 of 450",
      "roles list 3/3: users 401-450 of 450",
    ]);
    assert.match(all.err[0], / — no estimate yet$/);
    for (const line of all.err.slice(1)) assert.match(line, / — about \d+ (s|min) left$/);

    // One page (the streamers): no progress, just the list.
    const few = await run(["roles", "list", "--role", "streamer"]);
    assert.equal(few.code, 0);
    assert.equal(few.out.length, 4);
    assert.deepEqual(few.err, []);
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
