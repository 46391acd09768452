/** The SQL interface on PGlite (embedded Postgres in WebAssembly), in memory or in a folder. */
import { PGlite, types } from "@electric-sql/pglite";
import {
  normaliseParams,
  type Row,
  savepointRunner,
  type SqlExecutor,
  type SqlParam,
  type SqlStore,
  type SqlTx,
} from "./sql.ts";

interface PgliteQueryable {
  query<T>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

function executor(db: PgliteQueryable): SqlExecutor {
  return {
    async query<T extends object = Row>(text: string, params?: readonly SqlParam[]) {
      const result = await db.query<T>(text, normaliseParams(params));
      return result.rows;
    },
  };
}

/**
 * Wrap an open PGlite instance. `schema`, when given, is created if missing and becomes the
 * search path (tests share one instance and give each test its own schema).
 */
export async function wrapPglite(
  db: PGlite,
  opts: { schema?: string; ownsInstance?: boolean } = {},
): Promise<SqlStore> {
  if (opts.schema) {
    if (!/^[a-z_][a-z0-9_]*$/.test(opts.schema)) throw new Error("bad schema name");
    await db.exec(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}; SET search_path TO ${opts.schema}`);
  }
  const top = executor(db);
  return {
    kind: "pglite",
    query: top.query,
    transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
      // PGlite is one connection: its transactions are queued one at a time.
      return db.transaction((raw) => {
        const exec = executor(raw);
        const tx: SqlTx = { query: exec.query, savepoint: (f) => run(f) };
        const run = savepointRunner(exec, () => tx);
        return fn(tx);
      });
    },
    async listen(channel, onNotify) {
      // One in-process connection: it is never lost, so no call on (re)connect beyond this one.
      const unlisten = await db.listen(channel, () => onNotify());
      onNotify();
      return () => unlisten();
    },
    async close() {
      if (opts.ownsInstance !== false) await db.close();
    },
  };
}

/** Open PGlite: `dataDir` undefined keeps the database in memory. */
export async function openPgliteStore(dataDir?: string): Promise<SqlStore> {
  const db = await PGlite.create({
    dataDir,
    parsers: { [types.INT8]: (v: string) => BigInt(v) },
  });
  return wrapPglite(db, { ownsInstance: true });
}

export { PGlite, types as pgliteTypes };
