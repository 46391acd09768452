/**
 * The web client, read once and served from memory: the page (`index.html`, with the
 * TypeScript client's content-hashed script and stylesheet from `edge/web/dist/manifest.json`
 * put in its head), the built client under `/assets/` (names change with content, so they are
 * cached for a year), and the service worker `/sw.js` (revalidated on every load).
 */
import { Hono } from "hono";

const WEB_DIR = new URL("../web/", import.meta.url);
const DIST_DIR = new URL("../web/dist/", import.meta.url);
const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";
const IMMUTABLE = "public, max-age=31536000, immutable";
/** Where index.html (and the client's page.html) take the built client's tags. */
const ASSETS_MARKER = "<!--client-assets-->";
/**
 * Pages built entirely by the TypeScript client: path -> entry (`client/src/entries/`), each
 * served as `client/page.html` with that entry's files (`/studio`: the streamer dashboard,
 * `/ops`: the operator pages).
 */
const CLIENT_PAGES: Record<string, string> = {
  "/studio": "studio",
  "/studio/:roomId": "studio",
  "/ops": "ops",
};

/** Files served from the root as they are: the notifications' service worker (scope `/`). */
const ROOT_FILES: Record<string, string> = { "sw.js": JS };

type Manifest = Record<
  string,
  { js: string; css: string[]; pages?: Record<string, string[]> }
>;

/**
 * index.html's routes and the page modules (client/src/pages/) whose stylesheets each one
 * needs besides the entry's: Home's address also shows the hash pages (notifications,
 * webhooks).
 */
const INDEX_ROUTES: Record<string, string[]> = {
  "/": ["home", "notifications", "webhooks"],
  "/index.html": ["home", "notifications", "webhooks"],
  // Deep links to a room (`/r/lobby`).
  "/r/:roomId": ["room/room"],
  // A meeting room (`/m/standup`).
  "/m/:roomId": ["meeting/meeting"],
  // Recordings of a room (`/vod/lobby`, `/vod/lobby/rec_...`).
  "/vod/:roomId": ["vod/vod"],
  "/vod/:roomId/:recordingId": ["vod/vod"],
};

/** `<link>`/`<script>` tags for the built entry `entry` (and the stylesheets of `pages`). */
function assetTags(manifest: Manifest, entry: string, pages: string[] = []): string {
  const files = manifest[entry];
  if (!files) throw new Error(`edge/web/dist/manifest.json has no entry "${entry}"`);
  const css = [...files.css, ...pages.flatMap((p) => files.pages?.[p] ?? [])];
  return [
    ...css.map((f) => `<link rel="stylesheet" href="/assets/${f}">`),
    `<script type="module" src="/assets/${files.js}"></script>`,
  ].join("\n    ");
}

export async function webRoutes(): Promise<Hono> {
  const app = new Hono();
  const manifest: Manifest = JSON.parse(
    await Deno.readTextFile(new URL("manifest.json", DIST_DIR)),
  );

  const index = await Deno.readTextFile(new URL("index.html", WEB_DIR));
  for (const [path, pages] of Object.entries(INDEX_ROUTES)) {
    const html = index.replace(ASSETS_MARKER, assetTags(manifest, "app", pages));
    app.get(path, () =>
      new Response(html, {
        headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" },
      }));
  }

  const shell = await Deno.readTextFile(new URL("client/page.html", WEB_DIR));
  for (const [path, entry] of Object.entries(CLIENT_PAGES)) {
    const body = shell.replace(ASSETS_MARKER, assetTags(manifest, entry));
    app.get(path, () =>
      new Response(body, {
        headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" },
      }));
  }

  for (const [name, type] of Object.entries(ROOT_FILES)) {
    const body = await Deno.readFile(new URL(name, WEB_DIR));
    app.get(
      `/${name}`,
      () => new Response(body, { headers: { "content-type": type, "cache-control": "no-cache" } }),
    );
  }

  // Each built file is read at its first request and kept (an idle edge holds none of the
  // client's 1.2 MB; issue 18).
  for await (const e of Deno.readDir(DIST_DIR)) {
    if (!e.isFile || e.name === "manifest.json") continue;
    const file = new URL(e.name, DIST_DIR);
    let body: Promise<Uint8Array<ArrayBuffer>> | undefined;
    const type = e.name.endsWith(".css") ? CSS : JS;
    app.get(`/assets/${e.name}`, async () => {
      body ??= Deno.readFile(file).catch((err) => {
        body = undefined; // a failed read is tried again by the next request
        throw err;
      });
      return new Response(await body, {
        headers: { "content-type": type, "cache-control": IMMUTABLE },
      });
    });
  }
  return app;
}
