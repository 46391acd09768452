/**
 * The web client's weight and speed, today's rebuilt client beside the plain-JS client it
 * replaces (the tree of commit BASELINE, the last one before the rebuild, read with git):
 *
 * - bytes per page, gzip, for Home, Room and VOD: what each page really loaded on a cold load
 *   (every path it asked for of the client's own files: the page, stylesheets, app.js and its
 *   modules, dynamically imported ones included, the built entry and the chunks of that page and
 *   of the language's error sentences; the vendor players, loaded only with media on, are left
 *   out on both sides);
 * - time to first danmaku on a cold load: a fresh Chromium context (empty cache) opens a room
 *   where a guest says something every 50 ms; from navigation start to the first flying
 *   danmaku element, measured in the page. Both clients run against the same server, their
 *   files served to the page from memory by playwright's router (the same cost for each),
 *   alternating, WEB_BENCH_RUNS runs each (default 7), medians.
 *
 * Writes tests/bench/results/web_client.{json,md}.
 *
 *   deno run -A tests/bench/web_client.ts
 */
import { Buffer } from "node:buffer";
import { fileURLToPath } from "node:url";
import type { BrowserContext } from "playwright-core";
import { hasChromium, launchChromium } from "../helpers/browser.ts";
import { TestViewer } from "../helpers/edge_client.ts";
import { startTestServer } from "../helpers/server.ts";
import { median } from "./helpers/stats.ts";

/** The last commit of the plain-JS client (before "web client foundation"). */
const BASELINE = "f60899f78380670082e0b22fad7bfefb56f8547f";
const RUNS = Number(Deno.env.get("WEB_BENCH_RUNS") ?? 7);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));

/** A file of edge/web/ as of `commit` (undefined: the working tree). */
async function webFile(name: string, commit?: string): Promise<Uint8Array> {
  if (!commit) return await Deno.readFile(`${ROOT}edge/web/${name}`);
  const out = await new Deno.Command("git", {
    args: ["show", `${commit}:edge/web/${name}`],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`git show ${commit}:edge/web/${name} failed`);
  return out.stdout;
}

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

/** The client's own scripts and stylesheets in edge/web/ (at `commit`, else the tree). */
async function webSources(commit?: string): Promise<string[]> {
  if (!commit) {
    const names: string[] = [];
    for await (const e of Deno.readDir(`${ROOT}edge/web/`)) {
      if (e.isFile && /\.(js|css)$/.test(e.name)) names.push(e.name);
    }
    return names.sort();
  }
  const out = await new Deno.Command("git", {
    args: ["ls-tree", "--name-only", commit, "edge/web/"],
    cwd: ROOT,
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout).split("\n").map((l) => l.replace("edge/web/", ""))
    .filter((n) => /^[\w.]+\.(js|css)$/.test(n)).sort();
}

interface PageWeight {
  files: number;
  bytes: number;
  gzip: number;
}

/** The weight of what a page really loaded (the paths it asked for, the page included). */
async function weightOf(client: Client, loaded: Set<string>) {
  const blobs = [...loaded].map((p) => isPage(p) ? client.html(p) : client.files.get(p)!);
  const weight: PageWeight = { files: blobs.length, bytes: 0, gzip: 0 };
  for (const b of blobs) {
    weight.bytes += b.length;
    weight.gzip += await gzipSize(b);
  }
  return weight;
}

/**
 * Serves one client's files to the page from memory through playwright's router — both
 * variants the same way, so the router's cost is the same on each side (the API and the socket
 * stay the server's).
 */
const isPage = (path: string) => path === "/" || /^\/(r|vod)\//.test(path);

/** A client's static files by path, and the page it serves at a path. */
interface Client {
  files: Map<string, Uint8Array>;
  html(path: string): Uint8Array;
}

async function serveClient(
  context: BrowserContext,
  { files, html }: Client,
  loaded: Set<string>,
): Promise<void> {
  await context.route(
    /^http:\/\/127\.0\.0\.1:\d+\/(r\/[\w-]+|vod\/[\w-]+|[\w.]+\.(js|css)|assets\/.+)?$/,
    (route) => {
      const path = new URL(route.request().url()).pathname;
      if (isPage(path) || files.has(path)) loaded.add(path);
      if (isPage(path)) {
        return route.fulfill({ body: Buffer.from(html(path)), contentType: "text/html" });
      }
      const body = files.get(path);
      if (!body) return route.continue();
      return route.fulfill({
        body: Buffer.from(body),
        contentType: path.endsWith(".css") ? "text/css" : "text/javascript",
      });
    },
  );
}

/**
 * Path → bytes of a client's static files, and its page: the older client's one index.html;
 * the rebuilt one's as the edge serves each page (the bundle's tags put in, each page naming
 * its own stylesheet).
 */
async function clientFiles(commit: string | undefined, base: string): Promise<Client> {
  const files = new Map<string, Uint8Array>();
  for (const n of await webSources(commit)) {
    files.set(`/${n}`, await webFile(n, commit));
  }
  if (commit) {
    const index = await webFile("index.html", commit);
    return { files, html: () => index };
  }
  for await (const e of Deno.readDir(`${ROOT}edge/web/dist/`)) {
    if (e.name !== "manifest.json") files.set(`/assets/${e.name}`, await webFile(`dist/${e.name}`));
  }
  const served = async (path: string) =>
    new Uint8Array(await (await fetch(`${base}${path}`)).arrayBuffer());
  const pages = {
    home: await served("/"),
    room: await served("/r/bench"),
    vod: await served("/vod/bench"),
  };
  return {
    files,
    html: (path) =>
      path.startsWith("/r/") ? pages.room : path.startsWith("/vod/") ? pages.vod : pages.home,
  };
}

if (!(await hasChromium("bench web_client"))) Deno.exit(0);

const srv = await startTestServer();
// Pages answered by the router count as public to Chromium, which then blocks their socket to
// loopback (Local Network Access): the baseline needs that check off; it applies to both.
const browser = await launchChromium(["--disable-features=LocalNetworkAccessChecks"]);
const { token } = await srv.guest("ticker");
const { viewer: ticker } = await TestViewer.join(srv.wsUrl("bench"), "bench", token);
let i = 0;
const timer = setInterval(() => ticker.send({ type: "say", text: `tick ${i++}` }), 50);
const clients = {
  baseline: await clientFiles(BASELINE, srv.url),
  rebuilt: await clientFiles(undefined, srv.url),
};
const times: Record<"baseline" | "rebuilt", number[]> = { baseline: [], rebuilt: [] };
const PAGES = ["home", "room", "vod"] as const;
/** Each page's address in each client (the older one routed the VOD by the hash). */
const PAGE_URLS = {
  home: { baseline: "/", rebuilt: "/" },
  room: { baseline: "/r/bench", rebuilt: "/r/bench" },
  vod: { baseline: "/#/vod?room=bench", rebuilt: "/vod/bench" },
};
const perPage = Object.fromEntries(PAGES.map((p) => [p, {}])) as Record<
  typeof PAGES[number],
  Partial<Record<"baseline" | "rebuilt", PageWeight>>
>;
const loaded = { baseline: new Set<string>(), rebuilt: new Set<string>() };
try {
  for (let run = 0; run < RUNS; run++) {
    for (
      const variant of run % 2 ? ["rebuilt", "baseline"] as const : ["baseline", "rebuilt"] as const
    ) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const client = clients[variant];
      await serveClient(context, client, loaded[variant]);
      await context.addInitScript(`
        new MutationObserver((_, obs) => {
          if (document.querySelector(".danmaku")) {
            window.__firstDanmaku = performance.now();
            obs.disconnect();
          }
        }).observe(document, { childList: true, subtree: true });`);
      const page = await context.newPage();
      page.on("pageerror", (e) => console.error(variant, "pageerror", String(e)));
      await page.goto(`${srv.url}/r/bench`);
      await page.waitForFunction("window.__firstDanmaku !== undefined", null, { timeout: 20_000 });
      times[variant].push(await page.evaluate("window.__firstDanmaku") as number);
      await context.close();
    }
  }
  // Weight per page: one more cold load of each, until the network is quiet.
  for (const pageName of PAGES) {
    for (const variant of ["baseline", "rebuilt"] as const) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const seen = new Set<string>();
      await serveClient(context, clients[variant], seen);
      const page = await context.newPage();
      await page.goto(`${srv.url}${PAGE_URLS[pageName][variant]}`, { waitUntil: "networkidle" });
      perPage[pageName][variant] = await weightOf(clients[variant], seen);
      await context.close();
    }
  }
} finally {
  clearInterval(timer);
  await ticker.close();
  await browser.close();
  await srv.close();
}

const weights = {
  baseline: await weightOf(clients.baseline, loaded.baseline),
  rebuilt: await weightOf(clients.rebuilt, loaded.rebuilt),
};
const firstDanmaku = {
  baseline: Math.round(median(times.baseline)),
  rebuilt: Math.round(median(times.rebuilt)),
};
const result = {
  baselineCommit: BASELINE,
  runs: RUNS,
  pageWeight: weights,
  perPage,
  firstDanmakuMs: firstDanmaku,
  firstDanmakuRuns: times,
  ratio: {
    gzip: Math.round((weights.rebuilt.gzip / weights.baseline.gzip) * 100) / 100,
    firstDanmaku: Math.round((firstDanmaku.rebuilt / firstDanmaku.baseline) * 100) / 100,
  },
};
await Deno.mkdir(resultsDir, { recursive: true });
await Deno.writeTextFile(`${resultsDir}web_client.json`, JSON.stringify(result, null, 2) + "\n");
const kb = (n: number) => (n / 1024).toFixed(1);
const pageRows = PAGES.map((p) => {
  const b = perPage[p].baseline!, r = perPage[p].rebuilt!;
  return `| ${p} | ${b.files} | ${kb(b.gzip)} | ${r.files} | ${kb(r.gzip)} | ${
    (r.gzip / b.gzip).toFixed(2)
  } |`;
}).join("\n");
await Deno.writeTextFile(
  `${resultsDir}web_client.md`,
  `# Web client: page weight and time to first danmaku

Baseline: the plain-JS client of commit \`${BASELINE.slice(0, 10)}\`; rebuilt: this tree.
Weight: what the room page loaded of the client's own files, gzip, during the first-danmaku runs.
Vendor players (livekit-client, hls.js) load only with media on and are left out on both sides.

| | files | bytes (KiB) | gzip (KiB) | first danmaku, cold load (ms, median of ${RUNS}) |
|---|---|---|---|---|
| baseline | ${weights.baseline.files} | ${kb(weights.baseline.bytes)} | ${
    kb(weights.baseline.gzip)
  } | ${firstDanmaku.baseline} |
| rebuilt | ${weights.rebuilt.files} | ${kb(weights.rebuilt.bytes)} | ${
    kb(weights.rebuilt.gzip)
  } | ${firstDanmaku.rebuilt} |

Ratio rebuilt / baseline: gzip ${result.ratio.gzip}, first danmaku ${result.ratio.firstDanmaku}.

Per page (one more cold load of each until the network is quiet; the older client routed the
VOD page by the hash, \`/#/vod?room=\`, the rebuilt one serves \`/vod/:room\`):

| page | baseline files | baseline gzip (KiB) | rebuilt files | rebuilt gzip (KiB) | ratio |
|---|---|---|---|---|---|
${pageRows}
`,
);
console.log(JSON.stringify(result));
