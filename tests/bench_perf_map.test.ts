/**
 * The perf map cleaner (tests/bench/helpers/perf_map.ts): for every address range only the
 * code V8 put there last keeps its name, so perf stops naming samples after freed functions.
 */
import assert from "node:assert/strict";
import { cleanPerfMap } from "./bench/helpers/perf_map.ts";

const PERF_MAP = new URL("./bench/helpers/perf_map.ts", import.meta.url).pathname;

Deno.test("perf map: a later entry replaces the earlier ones it overlaps", () => {
  const map = [
    "1000 100 JS:*lookupPath pglite.js:2:22909", // start-up code, freed later
    "2000 10 JS:*keep app.ts:1:1", // never overwritten
    "1080 40 JS:*deliver viewer_session.ts:333:14", // reuses the tail of lookupPath's range
    "3000 20 JS:~old app.ts:9:9",
    "3010 20 JS:*newer app.ts:9:9", // overlaps `old`: `old` is gone
    "3028 8 JS:*newest app.ts:10:1", // overlaps `newer`, which frees `old` all the same
    "not a map line",
    "",
  ].join("\n");
  assert.deepEqual(cleanPerfMap(map).split("\n").filter(Boolean), [
    "1080 40 JS:*deliver viewer_session.ts:333:14",
    "2000 10 JS:*keep app.ts:1:1",
    "3028 8 JS:*newest app.ts:10:1",
  ]);
});

Deno.test("perf map: touching ranges do not overlap, and order is by address", () => {
  const map = ["20 10 b", "10 10 a", "30 10 c", "0 10 z"].join("\n");
  assert.deepEqual(cleanPerfMap(map).split("\n").filter(Boolean), [
    "0 10 z",
    "10 10 a",
    "20 10 b",
    "30 10 c",
  ]);
});

Deno.test("perf map: the command rewrites the file in place", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/perf-1.map`;
    await Deno.writeTextFile(path, "100 10 old\n100 10 new\n");
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", PERF_MAP, path],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.equal(await Deno.readTextFile(path), "100 10 new\n");
    assert.match(new TextDecoder().decode(out.stdout), /kept 1 of 2 entries/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
