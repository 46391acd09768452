/**
 * Open the relational store the configuration asks for and bring its schema up to date:
 * Postgres when `DATABASE_URL` is set, otherwise PGlite under `${DATA_DIR}/pglite`.
 */
import type { Config } from "../../engine/config.ts";
import { migrate } from "./migrate.ts";
import { openPgliteStore } from "../../engine/sql/pglite_store.ts";
import { openPostgresStore } from "../../engine/sql/postgres_store.ts";
import type { SqlStore } from "../../engine/sql/sql.ts";

export async function openStore(
  config: Pick<Config, "DATABASE_URL" | "DATA_DIR">,
): Promise<SqlStore> {
  let store: SqlStore;
  if (config.DATABASE_URL) {
    store = openPostgresStore(config.DATABASE_URL);
  } else {
    const dir = `${config.DATA_DIR}/pglite`;
    await Deno.mkdir(dir, { recursive: true });
    store = await openPgliteStore(dir);
  }
  try {
    await migrate(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
