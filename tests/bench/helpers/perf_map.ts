/**
 * Cleans a `/tmp/perf-<pid>.map` written by V8's `--perf-basic-prof` before `perf report`.
 *
 * V8 appends a line for every code object it creates and never removes one: when it frees code
 * (start-up code, deoptimised functions) and later puts new code at the same addresses, the map
 * holds both entries, and perf may name a sample after the function that was gone (a server's
 * fan-out showed up as PGlite's start-up `lookupPath` and `updateGOT`). Code created later is
 * the code that was there at the end, so for each address range the latest entry wins; earlier
 * entries overlapping it are dropped. Samples taken before the reuse are then named after the
 * newer code too: profile a window after start-up.
 *
 *   deno run -A tests/bench/helpers/perf_map.ts /tmp/perf-<pid>.map   (rewrites it in place)
 */

interface PerfMapEntry {
  start: bigint;
  size: bigint;
  name: string;
}

/** One map line (`<start hex> <size hex> <name>`), or undefined for anything else. */
function parsePerfMapLine(line: string): PerfMapEntry | undefined {
  const m = /^([0-9a-fA-F]+) ([0-9a-fA-F]+) (.*)$/.exec(line);
  if (!m) return undefined;
  return { start: BigInt(`0x${m[1]}`), size: BigInt(`0x${m[2]}`), name: m[3] };
}

/**
 * The entries no later entry overlaps, in address order. A later entry frees what it overlaps
 * even if it was itself freed afterwards, so every later entry's range counts.
 */
function latestEntries(entries: readonly PerfMapEntry[]): PerfMapEntry[] {
  const kept: PerfMapEntry[] = [];
  const claimed = new RangeSet();
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    const end = e.start + e.size;
    if (!claimed.overlaps(e.start, end)) kept.push(e);
    claimed.add(e.start, end);
  }
  return kept.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

/** Disjoint half-open ranges [start, end), merged as they are added, sorted by start. */
class RangeSet {
  readonly #starts: bigint[] = [];
  readonly #ends: bigint[] = [];

  /** Index of the first range ending after `at`. */
  #firstEndingAfter(at: bigint): number {
    let lo = 0;
    let hi = this.#ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#ends[mid] <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  overlaps(start: bigint, end: bigint): boolean {
    const i = this.#firstEndingAfter(start);
    return i < this.#starts.length && this.#starts[i] < end;
  }

  add(start: bigint, end: bigint): void {
    const i = this.#firstEndingAfter(start - 1n); // ranges touching `start` merge too
    let j = i;
    while (j < this.#starts.length && this.#starts[j] <= end) {
      if (this.#starts[j] < start) start = this.#starts[j];
      if (this.#ends[j] > end) end = this.#ends[j];
      j++;
    }
    this.#starts.splice(i, j - i, start);
    this.#ends.splice(i, j - i, end);
  }
}

/** The map's text with only its latest entries. */
export function cleanPerfMap(text: string): string {
  const entries = text.split("\n").map(parsePerfMapLine).filter((e) => e !== undefined);
  return latestEntries(entries)
    .map((e) => `${e.start.toString(16)} ${e.size.toString(16)} ${e.name}\n`)
    .join("");
}

if (import.meta.main) {
  const path = Deno.args[0];
  if (!path) {
    console.error("usage: perf_map.ts /tmp/perf-<pid>.map");
    Deno.exit(2);
  }
  const text = await Deno.readTextFile(path);
  const cleaned = cleanPerfMap(text);
  await Deno.writeTextFile(path, cleaned);
  const count = (s: string) => s.split("\n").filter((l) => l.length > 0).length;
  console.log(`${path}: kept ${count(cleaned)} of ${count(text)} entries`);
}
