/**
 * CPU time a child process has used, from Linux's /proc (user + system clock ticks).
 * Watchdogs use it to tell a stuck process (stopped, deadlocked: no CPU used) from a slow
 * one on a saturated machine (still using CPU, just getting little of it): wall-clock
 * timeouts alone cannot.
 */

/**
 * Clock ticks used by `pid` and its finished children so far, or undefined where /proc
 * cannot say (not Linux, gone).
 */
export async function cpuTicks(pid: number): Promise<number | undefined> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    // Fields after the command name (which may hold spaces) in parentheses; utime, stime,
    // cutime and cstime are the stat file's 14th to 17th fields, the 12th to 15th after it.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}
