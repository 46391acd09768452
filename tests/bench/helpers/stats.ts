/**
 * Numbers for the benchmarks: a latency histogram that merges across processes, medians,
 * and per-process CPU time and memory read from Linux's /proc (server process only, so the
 * load generator's own work never counts against the server).
 */

/** Buckets of 0.1 ms up to 100 ms, then 1 ms up to 60 s; one overflow bucket past that. */
const FINE_LIMIT_MS = 100;
const FINE_BUCKETS = FINE_LIMIT_MS * 10;
const COARSE_LIMIT_MS = 60_000;
const BUCKETS = FINE_BUCKETS + (COARSE_LIMIT_MS - FINE_LIMIT_MS) + 1;

/** Latency histogram in milliseconds; cheap to record into, exact to 0.1 ms below 100 ms. */
export class LatencyHistogram {
  readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  max = 0;

  record(ms: number): void {
    const v = ms < 0 ? 0 : ms;
    const i = v < FINE_LIMIT_MS
      ? Math.floor(v * 10)
      : Math.min(BUCKETS - 1, FINE_BUCKETS + Math.floor(v - FINE_LIMIT_MS));
    this.counts[i]++;
    this.count++;
    if (v > this.max) this.max = v;
  }

  /** Value at quantile `q` (0..1): the upper edge of the bucket holding it. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(this.max, bucketUpperEdge(i));
    }
    return this.max;
  }

  /** A compact form for passing between processes: only non-empty buckets. */
  toSparse(): { buckets: [number, number][]; max: number } {
    const buckets: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i] > 0) buckets.push([i, this.counts[i]]);
    return { buckets, max: this.max };
  }

  static fromSparse(s: { buckets: [number, number][]; max: number }): LatencyHistogram {
    const h = new LatencyHistogram();
    for (const [i, n] of s.buckets) {
      h.counts[i] += n;
      h.count += n;
    }
    h.max = s.max;
    return h;
  }
}

function bucketUpperEdge(i: number): number {
  return i < FINE_BUCKETS ? (i + 1) / 10 : FINE_LIMIT_MS + (i - FINE_BUCKETS) + 1;
}

/** Median of a list (mean of the middle two for even lengths); NaN for an empty list. */
export function median(values: number[]): number {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const mid = xs.length >> 1;
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

/** Rounds for reports: `digits` significant decimals, NaN stays NaN (null in JSON). */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

const CLOCK_TICKS_PER_SECOND = 100;

/**
 * User + system CPU seconds a process has used so far (all its threads), from fields 14 and
 * 15 of /proc/<pid>/stat. Clock ticks are 1/100 s on Linux x86-64 (`getconf CLK_TCK`).
 */
export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  // The command name (field 2) is in parentheses and may hold spaces: split after it.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state), so field N is fields[N - 3].
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
}

/** Resident set size in bytes, from `VmRSS` in /proc/<pid>/status. */
export async function processRssBytes(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const match = status.match(/^VmRSS:\s+(\d+)\s+kB$/m);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/**
 * CPU seconds the whole machine spent busy (all cores, every state but idle and iowait) and
 * in total, from the first line of /proc/stat. The difference between two readings, minus
 * the benchmark's own processes, is what everything else on the machine used meanwhile.
 */
export async function machineCpuSeconds(): Promise<{ busy: number; total: number }> {
  const line = (await Deno.readTextFile("/proc/stat")).split("\n")[0];
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  const idle = ticks[3] + ticks[4];
  return {
    busy: (total - idle) / CLOCK_TICKS_PER_SECOND,
    total: total / CLOCK_TICKS_PER_SECOND,
  };
}

/**
 * CPU time of this process so far (user + system of all its threads, workers included; ms,
 * /proc ticks of 10 ms); with `children`, plus that of its children already waited for
 * (fields 16 and 17: the ffmpeg processes a step ran and reaped).
 */
export function selfCpuMs(children = false): number {
  const stat = Deno.readTextFileSync("/proc/self/stat");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const own = Number(f[11]) + Number(f[12]);
  return (children ? own + Number(f[13]) + Number(f[14]) : own) * 10;
}

/** `selfCpuMs` with the waited-for children's CPU. */
export const selfAndChildrenCpuMs = (): number => selfCpuMs(true);
