/**
 * Keeps the media servers from outliving the process that started them. Deno cannot set
 * Linux's parent-death signal itself, so each child is started through util-linux:
 * `setsid setpriv --pdeathsig SIGKILL -- cmd …` — `setsid` gives it a process group of its
 * own (its pid; the ingress's per-stream children join it), `setpriv` asks the kernel to
 * SIGKILL it when its parent dies, however that parent dies (SIGKILL included). Both `exec`,
 * so the pid Deno holds is the server's own. Without util-linux the child starts plainly.
 *
 * The group's id is written to a pid file while it runs; a group left behind anyway (a
 * grandchild the kernel's signal does not reach) is killed on the next start (`reapStale`).
 *
 *   const { cmd, args, grouped } = leashed("livekit-server", ["--config", path]);
 *   reapStale(`${dir}/livekit-server.pid`, "server");
 */
import { onPath } from "./tools.ts";

export interface Leashed {
  cmd: string;
  args: string[];
  /** True when the child leads its own process group (signal `-pid` to reach all of it). */
  grouped: boolean;
}

let tools: { setsid: string; setpriv: string } | null | undefined;

function leashTools(): { setsid: string; setpriv: string } | null {
  if (tools !== undefined) return tools;
  const setsid = Deno.build.os === "linux" ? onPath("setsid") : undefined;
  const setpriv = Deno.build.os === "linux" ? onPath("setpriv") : undefined;
  tools = setsid && setpriv ? { setsid, setpriv } : null;
  return tools;
}

/** The command line that starts `cmd` on a leash (or plainly where util-linux is absent). */
export function leashed(cmd: string, args: string[]): Leashed {
  const t = leashTools();
  if (!t) return { cmd, args, grouped: false };
  return {
    cmd: t.setsid,
    args: [t.setpriv, "--pdeathsig", "SIGKILL", "--", cmd, ...args],
    grouped: true,
  };
}

/** Signal a child: its whole process group when it has one, else the child alone. */
export function signalChild(
  child: Deno.ChildProcess,
  grouped: boolean,
  signal: Deno.Signal,
): void {
  try {
    if (grouped) Deno.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    try {
      child.kill(signal);
    } catch { /* already gone */ }
  }
}

/** Pids whose process group is `pgid`, with their command's base name (from /proc). */
export function groupMembers(pgid: number): { pid: number; name: string }[] {
  const found: { pid: number; name: string }[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync("/proc")];
  } catch {
    return found;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      // pid (comm) state ppid pgrp …: comm may hold spaces, so split after its ")"
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z" || Number(fields[2]) !== pgid) continue;
      const argv0 = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0")[0];
      found.push({ pid: Number(e.name), name: argv0.slice(argv0.lastIndexOf("/") + 1) });
    } catch { /* gone meanwhile */ }
  }
  return found;
}

/**
 * Kill what a previous run left in the group recorded in `pidFile`, when its members are
 * still the expected program (`names`: argv[0] base names), and remove the file. Returns the
 * pids killed. A recycled group id of some other program is left alone.
 */
export function reapStale(pidFile: string, names: string[]): number[] {
  let pgid: number;
  try {
    pgid = Number(Deno.readTextFileSync(pidFile).trim());
  } catch {
    return [];
  }
  Deno.removeSync(pidFile);
  if (!Number.isInteger(pgid) || pgid <= 1 || pgid === Deno.pid) return [];
  const members = groupMembers(pgid);
  if (members.length === 0 || !members.every((m) => names.includes(m.name))) return [];
  for (const m of members) {
    try {
      Deno.kill(m.pid, "SIGKILL");
    } catch { /* gone meanwhile */ }
  }
  return members.map((m) => m.pid);
}
