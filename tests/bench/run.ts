/**
 * `deno task bench`: runs every benchmark script in tests/bench/ (each `*.ts` here except this
 * runner; helpers live in helpers/), one after another, each in its own `deno run -A`
 * subprocess so no benchmark disturbs the next, then lists the result files they wrote.
 *
 *   deno task bench              every benchmark
 *   deno task bench fanout gifts only these (file names without .ts)
 */
import { fileURLToPath } from "node:url";

const benchDir = fileURLToPath(new URL("./", import.meta.url));
const resultsDir = `${benchDir}results`;
const self = fileURLToPath(import.meta.url).split("/").pop();

async function benchmarkScripts(only: string[]): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(benchDir)) {
    if (!entry.isFile || !entry.name.endsWith(".ts") || entry.name === self) continue;
    if (entry.name.endsWith(".test.ts") || entry.name.endsWith(".d.ts")) continue;
    if (only.length > 0 && !only.includes(entry.name.replace(/\.ts$/, ""))) continue;
    names.push(entry.name);
  }
  return names.sort();
}

async function resultsWrittenSince(since: number): Promise<string[]> {
  const written: string[] = [];
  try {
    for await (const entry of Deno.readDir(resultsDir)) {
      if (!entry.isFile) continue;
      const info = await Deno.stat(`${resultsDir}/${entry.name}`);
      if ((info.mtime?.getTime() ?? 0) >= since) written.push(`tests/bench/results/${entry.name}`);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return written.sort();
}

const scripts = await benchmarkScripts(Deno.args);
if (scripts.length === 0) {
  console.error(`no benchmark scripts matched ${Deno.args.join(", ") || "(all)"} in ${benchDir}`);
  Deno.exit(1);
}
const startedAt = Date.now();
const outcomes: { script: string; code: number; seconds: number }[] = [];
for (const script of scripts) {
  console.log(`\n=== bench: ${script} ===`);
  const began = performance.now();
  const status = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${benchDir}${script}`],
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  outcomes.push({
    script,
    code: status.code,
    seconds: Math.round((performance.now() - began) / 100) / 10,
  });
}

console.log("\n=== bench summary ===");
for (const o of outcomes) {
  console.log(`${o.code === 0 ? "ok    " : "FAILED"} ${o.script} (${o.seconds} s)`);
}
const written = await resultsWrittenSince(startedAt - 1000);
console.log(
  written.length > 0
    ? `results written:\n${written.map((f) => `  ${f}`).join("\n")}`
    : "no result files were written",
);
if (outcomes.some((o) => o.code !== 0)) Deno.exit(1);
