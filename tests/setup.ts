/**
 * Prepares a fresh machine of this project's kind for the test suite, and does nothing
 * on one already prepared: installs missing Debian packages, makes sure PostgreSQL and
 * NATS (JetStream) run on loopback, and builds the pinned Go servers (livekit-server,
 * MinIO, LiveKit's ingress against GStreamer) once into a tools folder outside the clone.
 * Run by `deno task test`.
 */
import { tcpOpen } from "../media/local/ports.ts";

/** Debian packages the tests use, by the command that shows each is installed. */
const PACKAGES: { command: string; pkg: string }[] = [
  { command: "ffmpeg", pkg: "ffmpeg" },
  { command: "ffprobe", pkg: "ffmpeg" },
  { command: "espeak-ng", pkg: "espeak-ng" },
  { command: "sox", pkg: "sox" },
  { command: "pocketsphinx_continuous", pkg: "pocketsphinx" },
  { command: "chromium", pkg: "chromium" },
  { command: "nats-server", pkg: "nats-server" },
  { command: "pgbench", pkg: "postgresql-contrib" },
  { command: "redis-server", pkg: "redis-server" },
  { command: "pkg-config", pkg: "pkg-config" },
];
/**
 * Packages that ship data or libraries, not a command: checked with dpkg. The fonts let
 * Chromium draw Chinese and emoji in the web client's screenshots (boxes without them).
 * GStreamer: the LiveKit ingress is built (cgo) against its development files and runs its
 * plugins. scikit-image's data has real pictures for the face models' tests (`astronaut.png`,
 * a face; `coffee.png`, none).
 */
const DATA_PACKAGES = [
  "pocketsphinx-en-us",
  "python3-skimage",
  "fonts-noto-cjk",
  "fonts-noto-color-emoji",
  "libgstreamer1.0-dev",
  "libgstreamer-plugins-base1.0-dev",
  "libgstreamer-plugins-bad1.0-dev",
  "gstreamer1.0-plugins-base",
  "gstreamer1.0-plugins-good",
  "gstreamer1.0-plugins-bad",
  "gstreamer1.0-plugins-ugly",
  "gstreamer1.0-libav",
];

async function run(cmd: string, args: string[], quiet = false): Promise<boolean> {
  const out = await new Deno.Command(cmd, {
    args,
    stdout: quiet ? "null" : "inherit",
    stderr: quiet ? "null" : "inherit",
  }).output().catch(() => ({ success: false }));
  return out.success;
}

const has = (command: string) => run("sh", ["-c", `command -v ${command}`], true);

async function installMissing(): Promise<void> {
  const missing = new Set<string>();
  for (const { command, pkg } of PACKAGES) if (!(await has(command))) missing.add(pkg);
  for (const pkg of DATA_PACKAGES) {
    if (!(await run("dpkg", ["-s", pkg], true))) missing.add(pkg);
  }
  if (missing.size === 0) return;
  console.log(`setup: installing ${[...missing].join(", ")}`);
  await run("apt-get", ["update", "-qq"]);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const ok = await new Deno.Command("apt-get", {
    args: ["install", "-y", "-qq", "--no-install-recommends", ...missing],
    env,
  }).output().then((o) => o.success);
  if (!ok) throw new Error(`setup: apt-get install ${[...missing].join(" ")} failed`);
}

async function waitFor(port: number, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await tcpOpen(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`setup: ${what} did not come up on 127.0.0.1:${port}`);
}

async function ensurePostgres(): Promise<void> {
  if (await tcpOpen(5432)) return;
  console.log("setup: starting PostgreSQL");
  const versions = [...Deno.readDirSync("/etc/postgresql")].map((e) => e.name);
  await run("pg_ctlcluster", ["--skip-systemctl-redirect", versions[0], "main", "start"]);
  await waitFor(5432, "PostgreSQL");
}

async function ensureNats(): Promise<void> {
  if (await tcpOpen(4222)) return;
  console.log("setup: starting nats-server with JetStream");
  await Deno.mkdir("/var/lib/nats-server", { recursive: true });
  await run("start-stop-daemon", [
    "--start",
    "--oknodo",
    "--background",
    "--exec",
    "/usr/sbin/nats-server",
    "--",
    "-a",
    "127.0.0.1",
    "-p",
    "4222",
    "-js",
    "-sd",
    "/var/lib/nats-server",
    "-l",
    "/var/log/nats-server.log",
  ]);
  await waitFor(4222, "NATS");
}

async function buildGoTool(tool: "livekit" | "minio" | "ingress"): Promise<void> {
  const script = new URL("./services/build-go-tools.sh", import.meta.url).pathname;
  // Its progress and errors go to stderr; stdout only names the binary.
  const out = await new Deno.Command("bash", {
    args: [script, tool],
    stdout: "null",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`setup: building ${tool} failed (see output above)`);
}

// livekit-server and MinIO need no Debian package: on a fresh machine they build while
// apt-get installs the rest (minutes each); the ingress links GStreamer, so it starts once
// apt-get is done, beside whichever of them is still building (their module downloads and
// links leave cores idle).
const builds = [buildGoTool("livekit"), buildGoTool("minio")];
try {
  await installMissing();
  builds.push(buildGoTool("ingress"));
  await ensurePostgres();
  await ensureNats();
} finally {
  // a build's failure is reported below, once the rest has settled
  await Promise.allSettled(builds);
}
await Promise.all(builds);
console.log("setup: ready");
