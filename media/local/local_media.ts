/**
 * The media servers of the embedded default (`MEDIA=auto`, no LIVEKIT_URL): redis-server,
 * livekit-server and LiveKit's ingress (OBS over RTMP and WHIP), each a supervised child
 * process on loopback (free ports; RTMP on MEDIA_RTMP_PORT), configured by files written
 * under DATA_DIR/media/. A piece that cannot be had is reported (`pieces()`), with what to
 * install, and everything else still runs:
 *   - no livekit-server and no way to build it: no live video (recordings of URLs and VOD stay);
 *   - no Redis: livekit-server runs alone, without ingress (browser publishing only);
 *   - no ingress (no GStreamer, no Go): browser publishing only.
 * A missing Go tool is built once in the background when the Go toolchain is here.
 *
 *   const local = await LocalMedia.prepare({ ... });   // ports, keys, which pieces exist
 *   local.settings                                      // LiveKit URL/key/secret for the rest
 *   local.launch("http://127.0.0.1:8080");              // once the edge listens (webhooks)
 *   await local.close();
 */
import type { Logger } from "../../engine/log.ts";
import { type LivekitSettings, livekitSettings } from "../livekit/settings.ts";
import { type IngressPorts, ingressYaml, type LivekitPorts, livekitYaml } from "./config_files.ts";
import { freeTcpPort, freeUdpPort, httpAnswers, httpOk, tcpOpen } from "./ports.ts";
import { type PieceState, SupervisedProcess } from "./supervised_process.ts";
import { buildGoTool, cannotBuild, findGoTool, type GoTool, onPath } from "./tools.ts";

export type PieceName = "redis" | "livekit-server" | "ingress";

export interface PieceStatus {
  piece: PieceName;
  /** `missing`: cannot run here (see `detail`); `building`: its binary is being built. */
  state: PieceState | "missing" | "building" | "failed";
  restarts: number;
  /** Process id while it runs. */
  pid?: number;
  /** What is missing and how to get it, or why it failed. */
  detail?: string;
}

const GSTREAMER_PACKAGES = "pkg-config libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev " +
  "libgstreamer-plugins-bad1.0-dev gstreamer1.0-plugins-base gstreamer1.0-plugins-good " +
  "gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav";

export interface LocalMediaOptions {
  dataDir: string;
  toolsDir: string;
  /** Host OBS is told to push to (the hostname of PUBLIC_URL). */
  publicHost: string;
  /** RTMP port of the ingress (0: any free port). */
  rtmpPort: number;
  log: Logger;
}

/** A Go tool found, to be built, or impossible here. */
type Binary = { path: string } | { build: GoTool } | { missing: string };

function locate(tool: GoTool, dir: string, missingWhy: () => string | undefined): Binary {
  const path = findGoTool(tool, dir);
  if (path) return { path };
  const why = missingWhy() ?? cannotBuild();
  return why ? { missing: why } : { build: tool };
}

function hasGstreamerDev(): boolean {
  try {
    return new Deno.Command("pkg-config", {
      args: ["--exists", "gstreamer-1.0", "gstreamer-app-1.0"],
    })
      .outputSync().success;
  } catch {
    return false;
  }
}

export class LocalMedia {
  readonly settings: LivekitSettings;
  readonly #dir: string;
  readonly #status = new Map<PieceName, PieceStatus>();
  readonly #procs = new Map<PieceName, SupervisedProcess>();
  readonly #onLivekitRestart: (() => void)[] = [];
  #closed = false;

  private constructor(
    private readonly opts: LocalMediaOptions,
    private readonly apiKey: string,
    private readonly apiSecret: string,
    private readonly livekitPorts: LivekitPorts,
    private readonly ingressPorts: IngressPorts,
    /** Our own redis-server's port, or the machine's shared 6379, or none. */
    private readonly redis: { own: string; port: number } | { shared: number } | undefined,
    private livekitBin: Binary,
    private ingressBin: Binary,
  ) {
    this.settings = livekitSettings(`ws://127.0.0.1:${livekitPorts.http}`, apiKey, apiSecret);
    this.#dir = `${opts.dataDir}/media`;
    this.#set(
      "redis",
      redis ? "stopped" : "missing",
      redis ? undefined : "no Redis: " +
        "apt-get install redis-server (LiveKit's ingress, OBS over RTMP/WHIP, needs it)",
    );
    this.#setBinary("livekit-server", livekitBin);
    this.#setBinary("ingress", redis ? ingressBin : { missing: "needs Redis (see redis)" });
  }

  /** Decide what can run here and reserve its ports. */
  static async prepare(opts: LocalMediaOptions): Promise<LocalMedia> {
    const redisBin = onPath("redis-server");
    const redis = redisBin
      ? { own: redisBin, port: freeTcpPort() }
      : (await tcpOpen(6379))
      ? { shared: 6379 }
      : undefined;
    const livekitBin = locate("livekit", opts.toolsDir, () => undefined);
    const ingressBin = locate(
      "ingress",
      opts.toolsDir,
      () =>
        hasGstreamerDev()
          ? undefined
          : `GStreamer is not installed (apt-get install ${GSTREAMER_PACKAGES}); ` +
            "the ingress is then built once",
    );
    // OBS is told this port; taken (another server, or an ingress a killed server left
    // behind), a free one is used instead and the log says so.
    let rtmp = opts.rtmpPort;
    if (rtmp && await tcpOpen(rtmp)) {
      opts.log.warn(`media: RTMP port ${rtmp} is taken; OBS gets another (see the Go live page)`);
      rtmp = 0;
    }
    const secret = crypto.getRandomValues(new Uint8Array(24)).toHex();
    return new LocalMedia(
      opts,
      "synapse",
      secret,
      { http: freeTcpPort(), rtcTcp: freeTcpPort(), rtcUdp: await freeUdpPort() },
      {
        rtmp: rtmp || freeTcpPort(),
        whip: freeTcpPort(),
        relay: freeTcpPort(),
        health: freeTcpPort(),
        rtcUdp: await freeUdpPort(),
      },
      redis,
      livekitBin,
      ingressBin,
    );
  }

  /** Whether live video can come up here (livekit-server present or being built). */
  get live(): boolean {
    return !("missing" in this.livekitBin);
  }

  /** RTMP/WHIP base URLs OBS pushes to (what LiveKit puts in each ingress's `url`). */
  get ingressUrls(): { rtmp: string; whip: string } {
    const host = this.opts.publicHost;
    return {
      rtmp: `rtmp://${host}:${this.ingressPorts.rtmp}/live`,
      whip: `http://${host}:${this.ingressPorts.whip}/w`,
    };
  }

  #set(piece: PieceName, state: PieceStatus["state"], detail?: string): void {
    const restarts = this.#procs.get(piece)?.restarts ?? 0;
    this.#status.set(piece, { piece, state, restarts, detail });
  }

  #setBinary(piece: PieceName, bin: Binary): void {
    if ("missing" in bin) this.#set(piece, "missing", bin.missing);
    else if ("build" in bin) this.#set(piece, "building", "built once into the tools folder");
    else this.#set(piece, "stopped");
  }

  /** Each piece's state now (readiness, metrics, `/api/media/status`). */
  pieces(): PieceStatus[] {
    return (["redis", "livekit-server", "ingress"] as const).map((name) => {
      const proc = this.#procs.get(name);
      const s = this.#status.get(name)!;
      return proc ? { piece: name, state: proc.state, restarts: proc.restarts, pid: proc.pid } : s;
    });
  }

  /** Called after livekit-server came back from a crash (rooms on it are reconciled). */
  onLivekitRestart(fn: () => void): void {
    this.#onLivekitRestart.push(fn);
  }

  /** The process of a piece (tests kill it to check supervision). */
  process(piece: PieceName): SupervisedProcess | undefined {
    return this.#procs.get(piece);
  }

  /** Start what can run; `origin` is this server's loopback URL (LiveKit posts webhooks there). */
  launch(origin: string): void {
    Deno.mkdirSync(this.#dir, { recursive: true });
    const log = this.opts.log;
    for (const p of this.pieces()) {
      if (p.state === "missing") {
        log.warn(`media: ${p.piece} is missing here`, { detail: p.detail });
      }
    }
    if (this.redis && "own" in this.redis) this.#startRedis(this.redis.own, this.redis.port);
    void this.#whenBuilt(
      "livekit-server",
      "livekit",
      () => this.livekitBin,
      (b) => this.livekitBin = b,
    )
      .then((bin) => bin && this.#startLivekit(bin, origin));
    if (this.redis) {
      void this.#whenBuilt("ingress", "ingress", () => this.ingressBin, (b) => this.ingressBin = b)
        .then((bin) => bin && this.#startIngress(bin));
    }
  }

  /** The binary's path once it exists (built here if need be); undefined if it cannot be had. */
  async #whenBuilt(
    piece: PieceName,
    tool: GoTool,
    get: () => Binary,
    set: (b: Binary) => void,
  ): Promise<string | undefined> {
    const bin = get();
    if ("path" in bin) return bin.path;
    if ("missing" in bin) return undefined;
    try {
      const path = await buildGoTool(tool, this.opts.toolsDir, this.opts.log);
      set({ path });
      return this.#closed ? undefined : path;
    } catch (err) {
      this.#set(piece, "failed", (err as Error).message);
      this.opts.log.error(`media: ${piece} could not be built`, { error: err as Error });
      return undefined;
    }
  }

  get #redisAddress(): string | undefined {
    if (!this.redis) return undefined;
    return `127.0.0.1:${"own" in this.redis ? this.redis.port : this.redis.shared}`;
  }

  #supervise(piece: PieceName, proc: SupervisedProcess): void {
    if (this.#closed) return;
    this.#procs.set(piece, proc);
    proc.start();
  }

  #startRedis(bin: string, port: number): void {
    this.#supervise(
      "redis",
      new SupervisedProcess({
        name: "redis",
        cmd: bin,
        args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        pidFile: `${this.#dir}/redis.pid`,
        ready: () => tcpOpen(port),
        log: this.opts.log,
      }),
    );
  }

  #startLivekit(bin: string, origin: string): void {
    const path = `${this.#dir}/livekit.yaml`;
    Deno.writeTextFileSync(
      path,
      livekitYaml({
        ports: this.livekitPorts,
        apiKey: this.apiKey,
        apiSecret: this.apiSecret,
        redisAddress: this.#redisAddress,
        webhookUrl: `${origin}/webhooks/livekit`,
        ingress: this.redis
          ? { rtmpBaseUrl: this.ingressUrls.rtmp, whipBaseUrl: this.ingressUrls.whip }
          : undefined,
      }),
    );
    this.#supervise(
      "livekit-server",
      new SupervisedProcess({
        name: "livekit-server",
        cmd: bin,
        args: ["--config", path],
        env: { HOME: this.#dir },
        pidFile: `${this.#dir}/livekit-server.pid`,
        ready: () => httpAnswers(this.settings.httpUrl),
        log: this.opts.log,
        onUp: (restarted) => {
          if (restarted) { for (const fn of this.#onLivekitRestart) fn(); }
        },
      }),
    );
  }

  #startIngress(bin: string): void {
    const path = `${this.#dir}/ingress.yaml`;
    Deno.writeTextFileSync(
      path,
      ingressYaml({
        ports: this.ingressPorts,
        apiKey: this.apiKey,
        apiSecret: this.apiSecret,
        wsUrl: this.settings.wsUrl,
        redisAddress: this.#redisAddress!,
      }),
    );
    // The ingress runs each stream in a child it finds as `ingress` on PATH.
    const binDir = bin.slice(0, bin.lastIndexOf("/"));
    const health = `http://127.0.0.1:${this.ingressPorts.health}`;
    let healthySince = 0;
    this.#supervise(
      "ingress",
      new SupervisedProcess({
        name: "ingress",
        cmd: bin,
        args: ["--config", path],
        pidFile: `${this.#dir}/ingress.pid`,
        env: {
          PATH: `${binDir}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
          HOME: this.#dir,
          TMPDIR: this.#dir,
          // Our build's opt-in (tests/services/build-go-tools.sh): admit streams on a busy
          // machine instead of refusing every one; one embedded server, a few streamers.
          INGRESS_ADMIT_ALL: "1",
        },
        ready: async () => {
          // Ready once it would accept a stream: its CPU monitor samples idle time each
          // second and refuses every stream until the first sample ("server capacity
          // exceeded"). An upstream build on a saturated machine never is: up 3 s after health.
          if (await httpOk(`${health}/availability`)) return true;
          if (!(await httpAnswers(`${health}/`))) return (healthySince = 0, false);
          healthySince ||= Date.now();
          return Date.now() - healthySince > 3_000;
        },
        log: this.opts.log,
      }),
    );
  }

  /** Wait until every piece that can run here is up (tests; start-up logs). */
  async waitUp(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const name of ["redis", "livekit-server", "ingress"] as const) {
      const status = this.pieces().find((p) => p.piece === name)!;
      if (status.state === "missing" || status.state === "failed") continue;
      while (!this.#procs.has(name)) {
        const s = this.#status.get(name)!;
        if (s.state === "failed" || s.state === "missing") break;
        if (Date.now() > deadline) throw new Error(`media: ${name} not started in time`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await this.#procs.get(name)?.waitUp(Math.max(1, deadline - Date.now()));
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    // Ingress first (it talks to livekit-server through Redis), Redis last.
    for (const name of ["ingress", "livekit-server", "redis"] as const) {
      await this.#procs.get(name)?.stop();
    }
  }
}
