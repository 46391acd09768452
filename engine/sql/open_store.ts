/**
 * Open the relational store the configuration asks for and bring its schema up to date:
 * Postgres when `DATABASE_URL` is set, otherwise PGlite under `${DATA_DIR}/pglite`.
 */
import { migrate, type Migration } from "./migrate.ts";
import { openPostgresStore } from "./postgres_store.ts";
import type { SqlStore } from "./sql.ts";

/** Where the relational store lives (variables of engine/config.ts). */
export interface SqlStoreConfig {
  DATABASE_URL?: string;
  DATA_DIR: string;
}

export async function openStore(
  config: SqlStoreConfig,
  migrations: readonly Migration[],
  /** Progress lines while several migrations run (engine/progress.ts). */
  report?: (line: string) => void,
): Promise<SqlStore> {
  let store: SqlStore;
  if (config.DATABASE_URL) {
    store = openPostgresStore(config.DATABASE_URL);
  } else {
    const dir = `${config.DATA_DIR}/pglite`;
    await Deno.mkdir(dir, { recursive: true });
    // PGlite (Postgres in WebAssembly) only where it is used: a process on Postgres never
    // loads it.
    const { openPgliteStore } = await import("./pglite_store.ts");
    store = await openPgliteStore(dir);
  }
  try {
    await migrate(store, migrations, report);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
