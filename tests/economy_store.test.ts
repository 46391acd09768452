import assert from "node:assert/strict";
import { loadMigrations, migrate, splitStatements } from "../actors/store/migrate.ts";
import { openStore } from "../actors/store/open_store.ts";
import { openPostgresStore } from "../engine/sql/postgres_store.ts";
import { toBigInt } from "../engine/sql/sql.ts";
import { createScratchDatabase } from "./helpers/db.ts";

Deno.test("migrations: processes starting together apply each version once (Postgres)", async () => {
  const scratch = await createScratchDatabase();
  const stores = [0, 1, 2].map(() => openPostgresStore(scratch.url, { max: 1 }));
  try {
    const applied = await Promise.all(stores.map((s) => migrate(s)));
    const versions = (await loadMigrations()).map((m) => m.version);
    assert.deepEqual(applied.flat().sort((a, b) => a - b), versions);
    assert.deepEqual(await migrate(stores[0]), []);
    const rows = await stores[0].query<{ version: number }>(
      "SELECT version FROM schema_migrations ORDER BY version",
    );
    assert.deepEqual(rows.map((r) => Number(r.version)), versions);
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    await scratch.drop();
  }
});

Deno.test("embedded mode: PGlite under DATA_DIR keeps data and migrations across restarts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "store_pglite_" });
  try {
    const first = await openStore({ DATA_DIR: dir, DATABASE_URL: undefined });
    assert.equal(first.kind, "pglite");
    await first.query("INSERT INTO users (id, username, display_name) VALUES ('u1', 'kim', 'Kim')");
    await first.close();
    const second = await openStore({ DATA_DIR: dir, DATABASE_URL: undefined });
    const [row] = await second.query<{ n: unknown }>(
      "SELECT count(*) AS n FROM accounts WHERE owner_id = 'u1'",
    );
    assert.equal(toBigInt(row.n), 3n, "the user's wallet, earnings and held accounts survived");
    assert.deepEqual(await migrate(second), []);
    await second.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("migration scripts split on statement ends, keeping $$ bodies whole", () => {
  const parts = splitStatements(`-- comment;
CREATE TABLE a (x int);
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO a VALUES (1);
  RETURN NEW;
END;
$$;
INSERT INTO a VALUES (2);`);
  assert.equal(parts.length, 3);
  assert.match(parts[1], /^CREATE FUNCTION[\s\S]*END;\n\$\$;$/);
});
