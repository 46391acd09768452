/**
 * Where the embedded media servers come from: the tools folder the Go build script fills
 * (`SYNAPSE_TOOLS_DIR`, default `~/.cache/synapse-live/tools`: `livekit-server-<v>/server`,
 * `ingress-<v>/ingress`), else `PATH` (`livekit-server`, `ingress`, `redis-server`). When a
 * binary is missing and both the Go toolchain and the checkout's build script
 * (tests/services/build-go-tools.sh, which pins the versions) are here, it is built once in
 * the background, with a progress line and an estimate.
 */
import type { Logger } from "../../engine/log.ts";

export type GoTool = "livekit" | "ingress";

const TOOL_DIRS: Record<GoTool, { prefix: string; binary: string; onPath: string }> = {
  livekit: { prefix: "livekit-server-", binary: "server", onPath: "livekit-server" },
  ingress: { prefix: "ingress-", binary: "ingress", onPath: "ingress" },
};

const BUILD_SCRIPT = new URL("../../tests/services/build-go-tools.sh", import.meta.url);
const GO_PATHS = ["/usr/local/go/bin/go"];

export function toolsDir(configured: string | undefined): string {
  return configured ?? `${Deno.env.get("HOME") ?? "/tmp"}/.cache/synapse-live/tools`;
}

function isExecutable(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** The first `name` on PATH, or undefined. */
export function onPath(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir && isExecutable(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

/** A built Go tool in the tools folder (the most recently built there), else on PATH. */
export function findGoTool(tool: GoTool, dir: string): string | undefined {
  const { prefix, binary, onPath: name } = TOOL_DIRS[tool];
  let found: string[] = [];
  try {
    found = [...Deno.readDirSync(dir)]
      .filter((e) =>
        e.isDirectory && e.name.startsWith(prefix) && /^v?\d/.test(e.name.slice(prefix.length))
      )
      .map((e) => `${dir}/${e.name}/${binary}`)
      .filter(isExecutable)
      // the most recently built (a newer pin or patch level)
      .sort((a, b) =>
        (Deno.statSync(b).mtime?.getTime() ?? 0) - (Deno.statSync(a).mtime?.getTime() ?? 0)
      );
  } catch { /* no tools folder yet */ }
  return found[0] ?? onPath(name);
}

/** Why a tool cannot be built here (undefined: it can). */
export function cannotBuild(): string | undefined {
  if (!GO_PATHS.some(isExecutable) && !onPath("go")) {
    return "no Go toolchain (install Go 1.24+ from https://go.dev/dl and put it on PATH)";
  }
  try {
    Deno.statSync(BUILD_SCRIPT);
  } catch {
    return "the build script tests/services/build-go-tools.sh is not in this checkout";
  }
  return undefined;
}

/**
 * Build `tool` once into the tools folder (the script takes a lock: two servers or a test
 * run building together wait for one build). Resolves to the binary path; throws with the
 * build's last lines when it fails.
 */
export async function buildGoTool(tool: GoTool, dir: string, log: Logger): Promise<string> {
  const estimate = tool === "ingress" ? "3-12 minutes" : "2-5 minutes";
  log.info(`building ${TOOL_DIRS[tool].onPath} once into ${dir} (about ${estimate} on 2 cores)`, {
    tool,
  });
  const started = Date.now();
  const out = await new Deno.Command("bash", {
    args: [BUILD_SCRIPT.pathname, tool],
    env: { SYNAPSE_TOOLS_DIR: dir },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const tail = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-6).join("\n");
    throw new Error(`building ${tool} failed:\n${tail}`);
  }
  log.info(`built ${TOOL_DIRS[tool].onPath}`, {
    tool,
    seconds: Math.round((Date.now() - started) / 1000),
  });
  return new TextDecoder().decode(out.stdout).trim().split("\n").pop()!;
}
