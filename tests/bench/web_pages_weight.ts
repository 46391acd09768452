/**
 * Bytes (gzip) of the streamer's and the operator's pages, the TypeScript client's /studio and
 * /ops beside the older pages they replace (the tree of commit OLD, read with git): what each
 * page loads before the user does anything, and what going live adds (the LiveKit client:
 * the vendored UMD file before, a lazily loaded chunk now).
 *
 * - old go-live (`/#/golive`): index.html, style.css, app.js and its static imports, golive.js,
 *   tips.js and their imports, and the new client's app bundle that index.html also loads;
 * - old console / users / finance (`/#/console`, `/#/users`, `/#/finance`): the same page
 *   without golive.js and tips.js; old `/console/cohost` and `/cluster.html`: one HTML file each;
 * - new /studio and /ops: page.html, the entry's script with its static chunks and stylesheet,
 *   and the language's catalogue, both its parts (every page's and the streamer's and
 *   operator's pages', chunks loaded at start; the larger language, Chinese, counted). The
 *   error sentences load on the first failure and are not counted.
 *
 * Sizes are deterministic (one run). Writes tests/bench/results/web_pages_weight.{json,md}.
 *
 *   deno run -A tests/bench/web_pages_weight.ts
 */
import { fileURLToPath } from "node:url";

/** The last commit before /studio and /ops (the older pages whole). */
const OLD = "e28b940";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));

async function read(path: string, commit?: string): Promise<Uint8Array> {
  if (!commit) return await Deno.readFile(`${ROOT}${path}`);
  const out = await new Deno.Command("git", {
    args: ["show", `${commit}:${path}`],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`git show ${commit}:${path} failed`);
  return out.stdout;
}

async function gzip(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A plain-JS module and its static `import ... from "./x.js"`, recursively (edge/web/). */
async function legacyGraph(entry: string, commit: string, seen = new Set<string>()) {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const src = text(await read(`edge/web/${entry}`, commit));
  for (const m of src.matchAll(/^import\s[^;]*?from\s+"\.\/([\w.]+\.js)";/gms)) {
    await legacyGraph(m[1], commit, seen);
  }
  return seen;
}

/** A built entry's files: its script and static chunks, its CSS, and its dynamic chunks. */
async function builtEntry(entry: string, commit?: string) {
  const manifest = JSON.parse(text(await read("edge/web/dist/manifest.json", commit)));
  const statics = new Set<string>();
  const dynamics = new Set<string>();
  const visit = async (name: string) => {
    if (statics.has(name)) return;
    statics.add(name);
    const src = text(await read(`edge/web/dist/${name}`, commit));
    for (const m of src.matchAll(/(?:from|import)\s*"\.\/([\w-]+\.js)"/g)) await visit(m[1]);
    for (const m of src.matchAll(/import\(\s*"\.\/([\w-]+\.js)"\s*\)/g)) dynamics.add(m[1]);
  };
  await visit(manifest[entry].js);
  return { statics: [...statics, ...manifest[entry].css], dynamics: [...dynamics] };
}

interface Weight {
  files: number;
  bytes: number;
  gzip: number;
}

async function weigh(paths: string[], commit?: string): Promise<Weight> {
  const w: Weight = { files: paths.length, bytes: 0, gzip: 0 };
  for (const p of paths) {
    const b = await read(p, commit);
    w.bytes += b.length;
    w.gzip += await gzip(b);
  }
  return w;
}

const add = (a: Weight, b: Weight): Weight => ({
  files: a.files + b.files,
  bytes: a.bytes + b.bytes,
  gzip: a.gzip + b.gzip,
});

// --- the older pages
const oldApp = await builtEntry("app", OLD);
const oldShell = [
  "edge/web/index.html",
  "edge/web/style.css",
  ...[...await legacyGraph("app.js", OLD)].map((n) => `edge/web/${n}`),
  ...oldApp.statics.map((n) => n.endsWith(".css") ? `edge/web/dist/${n}` : `edge/web/dist/${n}`),
];
const goliveExtra = [...await legacyGraph("golive.js", OLD), ...await legacyGraph("tips.js", OLD)]
  .map((n) => `edge/web/${n}`).filter((p) => !oldShell.includes(p));
const livekitUmd = await Deno.readFile(
  `${ROOT}node_modules/livekit-client/dist/livekit-client.umd.js`,
);
const umd: Weight = { files: 1, bytes: livekitUmd.length, gzip: await gzip(livekitUmd) };

// --- the new pages
async function newPage(entry: string) {
  const built = await builtEntry(entry);
  const dyn = await Promise.all(built.dynamics.map(async (n) => {
    const src = text(await read(`edge/web/dist/${n}`));
    return {
      name: n,
      livekit: src.includes("RTCPeerConnection"),
      catalogue: src.includes('"app.name":'),
      workCatalogue: src.includes('"studio.loading":'),
      w: await weigh([`edge/web/dist/${n}`]),
    };
  }));
  // What loads before the first paint: one language's catalogue, both parts (the larger of
  // the two languages: Chinese).
  const largest = (list: typeof dyn) => list.sort((a, b) => b.w.gzip - a.w.gzip)[0]?.w;
  const none: Weight = { files: 0, bytes: 0, gzip: 0 };
  const livekit = dyn.find((d) => d.livekit);
  const first = add(
    add(
      await weigh(["edge/web/client/page.html", ...built.statics.map((n) => `edge/web/dist/${n}`)]),
      largest(dyn.filter((d) => d.catalogue)) ?? none,
    ),
    largest(dyn.filter((d) => d.workCatalogue)) ?? none,
  );
  return { first, livekit: livekit?.w };
}

const oldConsole = await weigh(oldShell, OLD);
const oldGolive = add(oldConsole, await weigh(goliveExtra, OLD));
const oldCohost = await weigh(["edge/web/cohost_console.html"], OLD);
const oldCluster = await weigh(["edge/web/cluster.html"], OLD);
const studio = await newPage("studio");
const ops = await newPage("ops");

const rows = [
  { page: "streamer: go live + dashboard", old: oldGolive, now: studio.first },
  {
    page: "streamer: while publishing (+ LiveKit client)",
    old: add(oldGolive, umd),
    now: add(studio.first, studio.livekit ?? { files: 0, bytes: 0, gzip: 0 }),
  },
  { page: "streamer: co-host console", old: oldCohost, now: studio.first },
  { page: "operator: users / finance", old: oldConsole, now: ops.first },
  { page: "operator: cluster", old: oldCluster, now: ops.first },
];
const kb = (n: number) => (n / 1024).toFixed(1);
const md = [
  "# Streamer and operator pages: bytes loaded (gzip)",
  "",
  `Older pages: the tree of commit \`${OLD}\`; new: this tree (/studio, /ops). Deterministic sizes.`,
  "",
  "| page | older: files, KiB gzip | new: files, KiB gzip | new / older |",
  "| --- | --- | --- | --- |",
  ...rows.map((r) =>
    `| ${r.page} | ${r.old.files}, ${kb(r.old.gzip)} | ${r.now.files}, ${kb(r.now.gzip)} | ${
      (r.now.gzip / r.old.gzip).toFixed(2)
    } |`
  ),
  "",
  "The new dashboard is one page for what were four (console, go live, co-host console, tips),",
  "with uPlot (charts) bundled; the operator page is one for users, finance and the cluster.",
  "",
].join("\n");
await Deno.mkdir(resultsDir, { recursive: true });
await Deno.writeTextFile(
  `${resultsDir}web_pages_weight.json`,
  JSON.stringify({ oldCommit: OLD, rows }, null, 2) + "\n",
);
await Deno.writeTextFile(`${resultsDir}web_pages_weight.md`, md);
console.log(md);
