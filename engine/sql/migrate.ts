/**
 * Versioned migrations: files `NNN_name.sql`, applied in order of version at start, each
 * once, recorded in `schema_migrations`. All pending migrations run in one transaction holding
 * a transaction-scoped advisory lock, so two processes starting together apply them once.
 * Each feature keeps its scripts in a `migrations/` folder of its own; the composition root
 * (edge/wiring/migrations.ts) names the folders, and versions are unique across all of them.
 */
import type { SqlStore } from "../../engine/sql/sql.ts";
import { Progress } from "../progress.ts";

/** Arbitrary constant naming "the migration lock" among advisory locks. */
const MIGRATION_LOCK_KEY = 72_615_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATION_FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/** The migrations in `folders` (URLs ending in `/`), sorted by version. */
export async function loadMigrations(folders: readonly URL[]): Promise<Migration[]> {
  const list: Migration[] = [];
  for (const dir of folders) {
    for await (const entry of Deno.readDir(dir)) {
      const match = MIGRATION_FILE.exec(entry.name);
      if (!entry.isFile || !match) continue;
      list.push({
        version: Number(match[1]),
        name: match[2],
        sql: await Deno.readTextFile(new URL(entry.name, dir)),
      });
    }
  }
  list.sort((a, b) => a.version - b.version);
  for (let i = 1; i < list.length; i++) {
    if (list[i].version === list[i - 1].version) {
      throw new Error(`two migrations numbered ${list[i].version}`);
    }
  }
  return list;
}

/**
 * Apply pending migrations; returns the versions applied now. With `report`, several pending
 * migrations print a progress line each (`migrations 3/31: 014 danmaku_archive - about 9 s left`).
 */
export async function migrate(
  store: SqlStore,
  all: readonly Migration[],
  report?: (line: string) => void,
): Promise<number[]> {
  return await store.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set(
      (await tx.query<{ version: number }>("SELECT version FROM schema_migrations"))
        .map((r) => Number(r.version)),
    );
    const applied: number[] = [];
    const pending = all.filter((m) => !done.has(m.version));
    const progress = report && pending.length > 1
      ? new Progress("migrations", pending.length, report)
      : undefined;
    for (const m of pending) {
      progress?.step(`${String(m.version).padStart(3, "0")} ${m.name}`);
      await runScript(tx, m.sql);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
        m.version,
        m.name,
      ]);
      applied.push(m.version);
    }
    return applied;
  });
}

/** Run a migration script statement by statement (both drivers take one per prepared query). */
async function runScript(tx: { query: (t: string) => Promise<unknown> }, script: string) {
  for (const statement of splitStatements(script)) await tx.query(statement);
}

/**
 * Split on `;` at line ends outside `$$` bodies. Migrations keep to that shape (one
 * statement ends with `;` + newline); comments are stripped.
 */
export function splitStatements(script: string): string[] {
  const out: string[] = [];
  let current = "";
  let inDollar = false;
  for (const line of script.split("\n")) {
    const trimmed = line.trim();
    if (!inDollar && trimmed.startsWith("--")) continue;
    current += line + "\n";
    if ((line.match(/\$\$/g)?.length ?? 0) % 2 === 1) inDollar = !inDollar;
    if (!inDollar && trimmed.endsWith(";")) {
      out.push(current.trim());
      current = "";
    }
  }
  if (current.trim()) out.push(current.trim());
  return out;
}
