/**
 * The small SQL interface the accounts and economy code is written against. Two adapters
 * implement it: postgres.js (`DATABASE_URL`) and PGlite (embedded, under `DATA_DIR`).
 * Queries use `$1..$n` placeholders. Both adapters return `int8` columns as `bigint`,
 * `numeric` as a decimal string and `json`/`jsonb` parsed; `bigint` parameters are sent as
 * decimal strings. Money is never a JS number.
 */

export type SqlParam = string | number | bigint | boolean | null | Date;
export type Row = Record<string, unknown>;

export interface SqlExecutor {
  query<T extends object = Row>(text: string, params?: readonly SqlParam[]): Promise<T[]>;
}

/** A connection inside a transaction. */
export interface SqlTx extends SqlExecutor {
  /**
   * Run `fn` inside a savepoint: if it throws, the work since the savepoint is rolled back
   * and the error rethrown, while the enclosing transaction stays usable. This is the only
   * way to survive a failed statement: on Postgres (postgres.js) a statement that fails
   * outside a savepoint fails the whole transaction, even if the caller catches its error.
   */
  savepoint<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
}

export interface SqlStore extends SqlExecutor {
  readonly kind: "postgres" | "pglite";
  /** Run `fn` in one transaction (READ COMMITTED); commit if it returns, roll back if it throws. */
  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  /**
   * Call `onNotify` whenever a session of this database sends NOTIFY on `channel` (after its
   * transaction commits), and also each time the listening connection is (re)established,
   * since notifications sent while it was down are lost. Returns the unsubscribe.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** The SQLSTATE of a database error, if it has one. */
export function sqlState(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** Errors worth retrying the whole transaction for: serialization failure, deadlock. */
export function isRetryableSqlError(err: unknown): boolean {
  const state = sqlState(err);
  return state === "40001" || state === "40P01";
}

export const UNIQUE_VIOLATION = "23505";

/** bigint parameters as decimal strings, so both drivers send them losslessly. */
export function normaliseParams(params: readonly SqlParam[] | undefined): unknown[] {
  if (!params) return [];
  return params.map((p) => (typeof p === "bigint" ? p.toString() : p));
}

/** Savepoints through plain SQL, numbered per transaction (PGlite; postgres.js has its own). */
export function savepointRunner(
  exec: SqlExecutor,
  makeTx: () => SqlTx,
): <T>(fn: (tx: SqlTx) => Promise<T>) => Promise<T> {
  let counter = 0;
  return async (fn) => {
    const name = `sp_${++counter}`;
    await exec.query(`SAVEPOINT ${name}`);
    try {
      const result = await fn(makeTx());
      await exec.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      await exec.query(`ROLLBACK TO SAVEPOINT ${name}`);
      throw err;
    }
  };
}

/** A bigint from a driver value (`int8` bigint, `numeric` string, or null -> 0). */
export function toBigInt(value: unknown): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === "bigint") return value;
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error(`not a safe integer: ${value}`);
    return BigInt(value);
  }
  if (typeof value === "string" && /^-?\d+$/.test(value)) return BigInt(value);
  throw new Error(`not an integer value: ${String(value)}`);
}
