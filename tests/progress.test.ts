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
