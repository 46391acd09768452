/**
 * A fresh database per test, on both backends:
 * - postgres: a uniquely named database on the local server (TEST_PG_URL, default
 *   postgres://postgres@127.0.0.1:5432/test), migrated, dropped after the test;
 * - pglite: one in-memory PGlite per test file (it takes seconds to start) and a fresh
 *   schema per test on it, dropped after the test.
 */
import postgres from "postgres";
import { migrate } from "../../engine/sql/migrate.ts";
import { appMigrations } from "../../edge/wiring/migrations.ts";
import { PGlite, pgliteTypes, wrapPglite } from "../../engine/sql/pglite_store.ts";
import { openPostgresStore } from "../../engine/sql/postgres_store.ts";
import type { SqlStore } from "../../engine/sql/sql.ts";

export type Backend = "postgres" | "pglite";
export const BACKENDS: readonly Backend[] = ["postgres", "pglite"];

export const PG_ADMIN_URL = Deno.env.get("TEST_PG_URL") ??
  "postgres://postgres@127.0.0.1:5432/test";

export interface TestDb {
  backend: Backend;
  store: SqlStore;
  /** For postgres: the URL of this test's database (to open more stores on it). */
  url?: string;
  close(): Promise<void>;
}

const uniqueName = (prefix: string) =>
  `${prefix}_${Date.now().toString(36)}_${crypto.randomUUID().slice(0, 8)}`;

/** Start the local cluster if nothing answers on 5432 (the machine's Postgres 15). */
export async function ensurePostgres(): Promise<void> {
  const probe = async () => {
    const sql = postgres(PG_ADMIN_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
    try {
      await sql`SELECT 1`;
      return true;
    } catch {
      return false;
    } finally {
      await sql.end({ timeout: 1 });
    }
  };
  if (await probe()) return;
  const versions = [...Deno.readDirSync("/etc/postgresql")].map((e) => e.name);
  for (const v of versions) {
    await new Deno.Command("pg_ctlcluster", {
      args: ["--skip-systemctl-redirect", v, "main", "start"],
      stdout: "null",
      stderr: "null",
    }).output();
  }
  if (!(await probe())) throw new Error("PostgreSQL is not reachable at " + PG_ADMIN_URL);
}

/** Create an empty database; returns its URL and a function dropping it. */
export async function createScratchDatabase(
  prefix = "synapse_t",
): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  await ensurePostgres();
  const name = uniqueName(prefix);
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const sql = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  };
}

let sharedPglite: Promise<PGlite> | undefined;

/** The file's shared in-memory PGlite. */
export function sharedPgliteInstance(): Promise<PGlite> {
  sharedPglite ??= PGlite.create({ parsers: { [pgliteTypes.INT8]: (v: string) => BigInt(v) } });
  return sharedPglite;
}

export async function freshDatabase(backend: Backend): Promise<TestDb> {
  if (backend === "postgres") {
    const scratch = await createScratchDatabase();
    const store = openPostgresStore(scratch.url);
    await migrate(store, await appMigrations());
    return {
      backend,
      store,
      url: scratch.url,
      close: async () => {
        await store.close();
        await scratch.drop();
      },
    };
  }
  const db = await sharedPgliteInstance();
  const schema = uniqueName("t");
  const store = await wrapPglite(db, { schema, ownsInstance: false });
  await migrate(store, await appMigrations());
  return {
    backend,
    store,
    close: async () => {
      await db.exec(`DROP SCHEMA ${schema} CASCADE; SET search_path TO public`);
    },
  };
}

/** Register `fn` as one test per backend, each with its own fresh database. */
export function dbTest(name: string, fn: (db: TestDb) => Promise<void>): void {
  for (const backend of BACKENDS) {
    Deno.test(`${name} [${backend}]`, async () => {
      const db = await freshDatabase(backend);
      try {
        await fn(db);
      } finally {
        await db.close();
      }
    });
  }
}
