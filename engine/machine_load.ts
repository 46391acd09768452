/**
 * How much of this machine's CPU is idle: the share of all cores' time spent idle (or on niced
 * work, which yields to everything else) between two readings of `/proc/stat` (Linux), taken
 * at most every `everyMs` when asked. Where there is no `/proc/stat` (another OS, a sandbox
 * without /proc) the share is unknown (`undefined`) and whoever asks behaves as on an idle
 * machine.
 *
 * Used by rooms to coalesce more only where the machine has no room (actors/room/coalescing.ts).
 */

/** Cumulative CPU time over all cores, in clock ticks. */
export interface CpuTimes {
  idle: number;
  total: number;
}

/** The first line of /proc/stat (`cpu  user nice system idle iowait irq softirq steal ...`). */
export function parseProcStat(text: string): CpuTimes | undefined {
  const line = text.slice(0, text.indexOf("\n") >>> 0);
  const fields = line.trim().split(/\s+/);
  if (fields[0] !== "cpu" || fields.length < 5) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is already in user). Niced
  // work counts as idle: it yields to anything at normal priority (a batch job at nice 19
  // gets about 1.5 % of a core beside a busy server), so it leaves the machine room.
  const ticks = fields.slice(1, 9).map(Number);
  if (ticks.some((t) => !Number.isFinite(t))) return undefined;
  const idle = ticks[1] + ticks[3] + (ticks[4] ?? 0);
  return { idle, total: ticks.reduce((a, b) => a + b, 0) };
}

function readProcStat(): CpuTimes | undefined {
  try {
    return parseProcStat(Deno.readTextFileSync("/proc/stat"));
  } catch {
    return undefined;
  }
}

export interface MachineIdleOptions {
  /** Shortest time between two readings (ms; default 1,000). */
  everyMs?: number;
  read?: () => CpuTimes | undefined;
  now?: () => number;
}

export class MachineIdle {
  readonly #everyMs: number;
  readonly #read: () => CpuTimes | undefined;
  readonly #now: () => number;
  #last: CpuTimes | undefined;
  #lastAt = -Infinity;
  #share: number | undefined;
  /** No /proc/stat here: never read again. */
  #unavailable = false;

  constructor(opts: MachineIdleOptions = {}) {
    this.#everyMs = opts.everyMs ?? 1_000;
    this.#read = opts.read ?? readProcStat;
    this.#now = opts.now ?? (() => performance.now());
  }

  /** The idle share of the machine's CPU (0..1) between the last two readings; undefined
   * until two readings exist, or where it cannot be read. */
  share(): number | undefined {
    if (this.#unavailable) return undefined;
    const now = this.#now();
    if (now - this.#lastAt < this.#everyMs) return this.#share;
    const times = this.#read();
    if (!times) {
      this.#unavailable = true;
      return (this.#share = undefined);
    }
    const last = this.#last;
    this.#last = times;
    this.#lastAt = now;
    const total = last ? times.total - last.total : 0;
    // No tick passed (two readings within a clock tick): keep the last share.
    if (last && total > 0) {
      this.#share = Math.min(1, Math.max(0, (times.idle - last.idle) / total));
    }
    return this.#share;
  }
}
