/** The SQL interface on real Postgres through postgres.js. */
import postgres from "postgres";
import {
  normaliseParams,
  type Row,
  type SqlExecutor,
  type SqlParam,
  type SqlStore,
  type SqlTx,
} from "./sql.ts";

export interface PostgresStoreOptions {
  /** Pool size (default 10). */
  max?: number;
}

type Unsafe = (text: string, params: unknown[], opts: { prepare: boolean }) => Promise<unknown>;

function executor(unsafe: Unsafe): SqlExecutor {
  return {
    async query<T extends object = Row>(text: string, params?: readonly SqlParam[]) {
      // Statements with parameters are prepared once per connection and reused.
      const rows = await unsafe(text, normaliseParams(params), { prepare: !!params?.length });
      return rows as T[];
    },
  };
}

/**
 * A transaction (or savepoint) scope. Savepoints go through postgres.js's own `savepoint`:
 * postgres.js remembers the first failed statement of a scope and fails that scope at its end
 * even when the caller caught the error, so a plain-SQL `SAVEPOINT` would not contain a failure
 * (the whole transaction would fail); its savepoint scope rolls back to the savepoint and
 * leaves the enclosing scope clean.
 */
function txOf(scope: postgres.TransactionSql): SqlTx {
  const exec = executor(scope.unsafe.bind(scope) as unknown as Unsafe);
  return {
    query: exec.query,
    savepoint: <T>(fn: (tx: SqlTx) => Promise<T>) =>
      scope.savepoint((inner) => fn(txOf(inner))) as Promise<T>,
  };
}

export function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): SqlStore {
  const sql = postgres(url, {
    max: opts.max ?? 10,
    onnotice: () => {},
    types: {
      // int8 as bigint, never a lossy number.
      bigint: {
        to: 20,
        from: [20],
        serialize: (v: bigint | string) => v.toString(),
        parse: (v: string) => BigInt(v),
      },
      // JSON parameters arrive already serialised (as with PGlite): pass strings through.
      json: {
        to: 3802,
        from: [114, 3802],
        serialize: (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v)),
        parse: (v: string) => JSON.parse(v),
      },
    },
  });
  const unsafe = sql.unsafe.bind(sql) as unknown as Unsafe;
  const top = executor(unsafe);
  return {
    kind: "postgres",
    query: top.query,
    async transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
      const result = await sql.begin((tx) => fn(txOf(tx)) as Promise<unknown>);
      return result as T;
    },
    async listen(channel, onNotify) {
      // postgres.js keeps one connection for all its listeners and re-listens after a
      // reconnect, calling the third argument each time it does.
      const { unlisten } = await sql.listen(channel, () => onNotify(), () => onNotify());
      return unlisten;
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}
