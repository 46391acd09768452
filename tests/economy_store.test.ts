import assert from "node:assert/strict";
import { loadMigrations, migrate, splitStatements } from "../engine/sql/migrate.ts";
import { openStore } from "../engine/sql/open_store.ts";
import { appMigrations, MIGRATION_FOLDERS } from "../edge/wiring/migrations.ts";
import { openPostgresStore } from "../engine/sql/postgres_store.ts";
import { toBigInt } from "../engine/sql/sql.ts";
import { createScratchDatabase } from "./helpers/db.ts";

Deno.test("migrations: processes starting together apply each version once (Postgres)", async () => {
  const scratch = await createScratchDatabase();
  const stores = [0, 1, 2].map(() => openPostgresStore(scratch.url, { max: 1 }));
  try {
    const all = await appMigrations();
    const applied = await Promise.all(stores.map((s) => migrate(s, all)));
    const versions = all.map((m) => m.version);
    assert.deepEqual(applied.flat().sort((a, b) => a - b), versions);
    assert.deepEqual(await migrate(stores[0], all), []);
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
    const first = await openStore({ DATA_DIR: dir }, await appMigrations());
    assert.equal(first.kind, "pglite");
    await first.query(
      "INSERT INTO users (id, username, username_key, display_name) VALUES ('u1', 'kim', 'kim', 'Kim')",
    );
    await first.close();
    const second = await openStore({ DATA_DIR: dir }, await appMigrations());
    const [row] = await second.query<{ n: unknown }>(
      "SELECT count(*) AS n FROM accounts WHERE owner_id = 'u1'",
    );
    assert.equal(toBigInt(row.n), 3n, "the user's wallet, earnings and held accounts survived");
    assert.deepEqual(await migrate(second, await appMigrations()), []);
    await second.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("migrations: every feature's folder is collected, versions kept and unique", async () => {
  // Existing databases recorded these versions: a feature's scripts may move, never renumber.
  const versions = (await appMigrations()).map((m) => m.version);
  assert.deepEqual(versions, [
    1,
    2,
    3,
    5,
    10,
    11,
    12,
    13,
    14,
    30,
    31,
    100,
    101,
    120,
    130,
    131,
    150,
    151,
    170,
    171,
    190,
    191,
    192,
    200,
    201,
    202,
    205,
    210,
    211,
    212,
  ]);
  // A migrations/ folder that the composition root forgot would never be applied.
  const root = new URL("../", import.meta.url);
  const found: string[] = [];
  const walk = async (dir: URL) => {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isDirectory || entry.name === "node_modules") continue;
      const sub = new URL(`${entry.name}/`, dir);
      if (entry.name === "migrations") found.push(sub.href);
      else await walk(sub);
    }
  };
  for (const top of ["engine", "actors", "edge", "media"]) await walk(new URL(`${top}/`, root));
  assert.deepEqual(found.sort(), MIGRATION_FOLDERS.map((u) => u.href).sort());
  // Two folders claiming one version is refused, whichever folder comes first.
  const twin = await Deno.makeTempDir({ prefix: "migrations_twin_" });
  try {
    await Deno.writeTextFile(`${twin}/002_twin.sql`, "SELECT 1;\n");
    await assert.rejects(
      loadMigrations([...MIGRATION_FOLDERS, new URL(`file://${twin}/`)]),
      /two migrations numbered 2/,
    );
  } finally {
    await Deno.remove(twin, { recursive: true });
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
