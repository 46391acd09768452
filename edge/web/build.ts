/**
 * Builds the TypeScript web client (`edge/web/client/src/entries/*.tsx`) with esbuild into
 * `edge/web/dist/`: minified ES modules and CSS with content-hashed names, shared chunks split
 * out, and `manifest.json` naming each entry's files. The output is committed, so
 * `deno task start` serves it with no build step and no esbuild at run time; the build is
 * reproducible (same sources and lock → same bytes) and tests/web_build.test.ts fails when the
 * committed output is not what the sources build to.
 *
 *   deno task web:build            write edge/web/dist/
 */
import * as esbuild from "esbuild";

const ROOT = new URL("../../", import.meta.url);
const ENTRY_DIR = new URL("edge/web/client/src/entries/", ROOT);
export const DIST_DIR = new URL("edge/web/dist/", ROOT);
export const MANIFEST = "manifest.json";

/**
 * Per entry: its script and stylesheet (file names inside dist/), and for index.html's entry
 * the stylesheet of each page that has one (`pages`: "room/room" → files; a page module under
 * client/src/pages/ that imports CSS gets its own bundle, named by the server in that page's
 * head, so a page never loads another page's styles).
 */
export type Manifest = Record<
  string,
  { js: string; css: string[]; pages?: Record<string, string[]> }
>;

export interface BuildOutput {
  /** File name inside dist/ → bytes (the manifest included). */
  files: Map<string, Uint8Array>;
  manifest: Manifest;
}

async function entries(): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for await (const e of Deno.readDir(ENTRY_DIR)) {
    if (e.isFile && e.name.endsWith(".tsx")) {
      found[e.name.slice(0, -4)] = `edge/web/client/src/entries/${e.name}`;
    }
  }
  return found;
}

/** Builds in memory; nothing is written. */
export async function buildClient(): Promise<BuildOutput> {
  // esbuild resolves `preact` and friends from node_modules/: make sure Deno has put them there.
  const cache = await new Deno.Command(Deno.execPath(), {
    args: ["cache", ...Object.values(await entries())],
    cwd: ROOT,
    stdout: "null",
    stderr: "inherit",
  }).output();
  if (!cache.success) throw new Error("deno cache of the client entries failed");

  const result = await esbuild.build({
    absWorkingDir: ROOT.pathname,
    entryPoints: await entries(),
    outdir: "edge/web/dist",
    bundle: true,
    splitting: true,
    format: "esm",
    target: ["es2022", "chrome110", "firefox110", "safari16"],
    minify: true,
    jsx: "automatic",
    jsxImportSource: "preact",
    entryNames: "[name]-[hash]",
    chunkNames: "chunk-[hash]",
    assetNames: "[name]-[hash]",
    legalComments: "eof",
    charset: "utf8",
    metafile: true,
    write: false,
    logLevel: "warning",
  });
  await esbuild.stop();

  const files = new Map<string, Uint8Array>();
  const distPath = new URL(DIST_DIR).pathname;
  for (const f of result.outputFiles) files.set(f.path.slice(distPath.length), f.contents);
  const manifest: Manifest = {};
  const pages: Record<string, string[]> = {};
  for (const meta of Object.values(result.metafile.outputs)) {
    const page = meta.entryPoint?.match(/^edge\/web\/client\/src\/pages\/(.+)\.tsx$/)?.[1];
    if (page && meta.cssBundle) pages[page] = [meta.cssBundle.slice("edge/web/dist/".length)];
    else if (meta.cssBundle && !meta.entryPoint?.startsWith("edge/web/client/src/entries/")) {
      // Nobody would load it: only entries' and pages' stylesheets are named in a page.
      throw new Error(
        `${meta.entryPoint} imports CSS: import stylesheets from an entry or a page module`,
      );
    }
  }
  for (const [out, meta] of Object.entries(result.metafile.outputs)) {
    // Entries only (a dynamically imported module is an entry point of esbuild's too).
    if (!meta.entryPoint?.startsWith("edge/web/client/src/entries/")) continue;
    const name = out.slice("edge/web/dist/".length);
    const entry = meta.entryPoint.replace(/^.*\/entries\//, "").replace(/\.tsx$/, "");
    manifest[entry] = {
      js: name,
      css: meta.cssBundle ? [meta.cssBundle.slice("edge/web/dist/".length)] : [],
      ...(entry === "app"
        ? {
          pages: Object.fromEntries(Object.entries(pages).sort(([a], [b]) => a.localeCompare(b))),
        }
        : {}),
    };
  }
  const sorted = Object.fromEntries(
    Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b)),
  );
  files.set(MANIFEST, new TextEncoder().encode(JSON.stringify(sorted, null, 2) + "\n"));
  return { files, manifest: sorted };
}

/** Replaces dist/ with a fresh build. */
export async function writeBuild(out: BuildOutput): Promise<void> {
  await Deno.remove(DIST_DIR, { recursive: true }).catch(() => {});
  await Deno.mkdir(DIST_DIR, { recursive: true });
  for (const [name, bytes] of out.files) await Deno.writeFile(new URL(name, DIST_DIR), bytes);
}

if (import.meta.main) {
  const out = await buildClient();
  await writeBuild(out);
  for (const [name, bytes] of out.files) console.log(`${name}\t${bytes.length} bytes`);
}
