/**
 * `deno task bench`: runs every benchmark script in tests/bench/ (each `*.ts` here except this
 * runner; helpers live in helpers/), one after another, each in its own `deno run -A`
 * subprocess so no benchmark disturbs the next, then lists the result files they wrote.
 *
 *   deno task bench              every benchmark
 *   deno task bench fanout gifts only these (file names without .ts)
 */
import { fileURLToPath } from "node:url";
import { formatSeconds, Progress } from "../../engine/progress.ts";

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
/**
 * Each script's duration on the last run, outside the clone, for the progress lines'
 * estimates (`~/.cache/synapse-live/bench-durations.json`).
 */
const durationsFile = `${Deno.env.get("HOME") ?? "."}/.cache/synapse-live/bench-durations.json`;
const lastSeconds: Record<string, number> = await Deno.readTextFile(durationsFile)
  .then(JSON.parse, () => ({}));
const fmtSeconds = formatSeconds;
const progress = new Progress("=== bench", scripts.length, (line) => console.log(`\n${line} ===`));

const startedAt = Date.now();
const outcomes: { script: string; code: number; seconds: number }[] = [];
for (const [i, script] of scripts.entries()) {
  const left = scripts.slice(i).map((s) => lastSeconds[s]);
  const known = left.filter((s) => s !== undefined) as number[];
  progress.step(
    script,
    known.length === 0
      ? "no estimate yet (first run)"
      : `about ${fmtSeconds(known.reduce((a, b) => a + b, 0))} left by the last run's times` +
        (known.length < left.length ? ` (+${left.length - known.length} not timed yet)` : ""),
  );
  const began = performance.now();
  // A line a minute while a long benchmark runs.
  const ticker = setInterval(() => {
    const ran = (performance.now() - began) / 1000;
    const last = lastSeconds[script];
    console.error(
      `  ... ${script}: ${fmtSeconds(ran)} so far` +
        (last ? ` (took ${fmtSeconds(last)} last time)` : ""),
    );
  }, 60_000);
  const status = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${benchDir}${script}`],
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  clearInterval(ticker);
  const seconds = Math.round((performance.now() - began) / 100) / 10;
  outcomes.push({ script, code: status.code, seconds });
  if (status.code === 0) lastSeconds[script] = seconds;
}
await Deno.mkdir(durationsFile.replace(/\/[^/]*$/, ""), { recursive: true }).catch(() => {});
await Deno.writeTextFile(durationsFile, JSON.stringify(lastSeconds, null, 2)).catch(() => {});

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
