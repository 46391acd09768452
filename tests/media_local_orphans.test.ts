/**
 * The embedded media servers never outlive the server that started them (issue 13):
 * `--role all` killed with SIGKILL (no shutdown code runs) takes its supervised redis,
 * livekit-server and ingress with it; and a group a previous run left behind is reaped on the
 * next start, while a pid file naming some other program's group leaves that program alone.
 */
import assert from "node:assert/strict";
import { groupMembers, leashed, reapStale } from "../media/local/child_leash.ts";
import { startServerProcess } from "./helpers/server.ts";
import { mediaPieces } from "./helpers/embedded_media.ts";
import { waitForValue } from "./helpers/wait.ts";
import { findGoTool, toolsDir } from "../media/local/tools.ts";

/** Alive and not a zombie waiting for a reaper. */
function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

const livekitHere = findGoTool("livekit", toolsDir(Deno.env.get("SYNAPSE_TOOLS_DIR")));
const leashable = leashed("true", []).grouped;

Deno.test({
  name: "local media: SIGKILL of --role all takes livekit-server, redis and ingress with it",
  ignore: !livekitHere || !leashable,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServerProcess([], {
      MEDIA: "auto",
      MEDIA_RTMP_PORT: "0",
    });
    let stopped = false;
    try {
      // Every piece this machine can run, up (the ingress only where it is built already).
      const pieces = await waitForValue("media pieces up", async () => {
        const now = await mediaPieces(server.url);
        const waiting = now.filter((p) => ["starting", "restarting", "stopped"].includes(p.state));
        return now.length > 0 && waiting.length === 0 ? now : undefined;
      }, { timeoutMs: 120_000, stepMs: 200 });
      const running = pieces.filter((p) => p.state === "up" && p.pid);
      assert.ok(running.some((p) => p.piece === "livekit-server"), JSON.stringify(pieces));
      for (const p of running) assert.ok(alive(p.pid!), `${p.piece} runs`);
      // Each leads its own process group (its pid), recorded in a pid file.
      for (const p of running) {
        const pidFile = `${server.dataDir}/media/${p.piece}.pid`;
        assert.equal(Number(Deno.readTextFileSync(pidFile).trim()), p.pid, pidFile);
        assert.ok(groupMembers(p.pid!).some((m) => m.pid === p.pid), `${p.piece} leads its group`);
      }
      await server.stop("SIGKILL");
      stopped = true;
      await waitForValue(
        "no media process left",
        () => Promise.resolve(running.every((p) => !alive(p.pid!)) || undefined),
        { timeoutMs: 30_000, stepMs: 100 },
      );
    } finally {
      if (!stopped) await server.stop("SIGKILL");
    }
  },
});

Deno.test({
  name: "local media: a group left behind is reaped on start; another program's is not",
  ignore: !leashable,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "synapse-orphans-" });
    // A stand-in for a server left running by a run that died: `sleep` in its own group.
    const spawnGroup = () => {
      const run = leashed("sleep", ["600"]);
      // setsid only (no parent-death signal): it survives this test's own lifetime checks
      return new Deno.Command(run.cmd, { args: ["sleep", "600"], stdout: "null" }).spawn();
    };
    const left = spawnGroup();
    const other = spawnGroup();
    try {
      await waitForValue(
        "the stand-ins exec'd",
        () =>
          Promise.resolve(
            groupMembers(left.pid).some((m) => m.name === "sleep") &&
                groupMembers(other.pid).some((m) => m.name === "sleep") || undefined,
          ),
        { timeoutMs: 10_000 },
      );
      Deno.writeTextFileSync(`${dir}/left.pid`, `${left.pid}\n`);
      Deno.writeTextFileSync(`${dir}/other.pid`, `${other.pid}\n`);
      // A pid file naming the group of a program that is not ours: left alone.
      assert.deepEqual(reapStale(`${dir}/other.pid`, ["livekit-server"]), []);
      assert.ok(alive(other.pid), "another program's group is not touched");
      // Ours: killed, and the pid file removed.
      assert.deepEqual(reapStale(`${dir}/left.pid`, ["sleep"]), [left.pid]);
      assert.equal((await left.status).signal, "SIGKILL");
      assert.throws(() => Deno.statSync(`${dir}/left.pid`));
      // No pid file: nothing to do.
      assert.deepEqual(reapStale(`${dir}/left.pid`, ["sleep"]), []);
    } finally {
      for (const c of [left, other]) {
        try {
          c.kill("SIGKILL");
        } catch { /* gone */ }
        await c.status;
      }
      await Deno.remove(dir, { recursive: true });
    }
  },
});
