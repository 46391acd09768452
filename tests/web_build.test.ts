/**
 * The committed web client build (edge/web/dist/) is exactly what its sources build to
 * (`deno task web:build` is reproducible and was run), and the edge serves it under
 * content-hashed names with year-long cache headers, the page naming those files.
 */
import assert from "node:assert/strict";
import { buildClient, DIST_DIR } from "../edge/web/build.ts";
import { startTestServer } from "./helpers/server.ts";

Deno.test({
  name: "web build: edge/web/dist is the reproducible build of edge/web/client",
  // esbuild runs a service process of its own (stopped after the build).
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const first = await buildClient();
    const second = await buildClient();
    const committed = new Map<string, Uint8Array>();
    for await (const e of Deno.readDir(DIST_DIR)) {
      committed.set(e.name, await Deno.readFile(new URL(e.name, DIST_DIR)));
    }
    const names = (m: Map<string, Uint8Array>) => [...m.keys()].sort();
    assert.deepEqual(names(first.files), names(second.files), "two builds, same files");
    assert.deepEqual(
      names(committed),
      names(first.files),
      "edge/web/dist is stale: run `deno task web:build` and commit it",
    );
    for (const [name, bytes] of first.files) {
      assert.deepEqual(second.files.get(name), bytes, `${name}: two builds differ`);
      assert.deepEqual(committed.get(name), bytes, `${name} is stale: run deno task web:build`);
    }
    // Every file but the manifest carries its content hash in its name.
    for (const name of names(first.files)) {
      if (name !== "manifest.json") assert.match(name, /-[A-Z0-9]{8}\.(js|css)$/, name);
    }
  },
});

Deno.test("web build: the page names the hashed files, served immutable", async () => {
  const srv = await startTestServer();
  try {
    const manifest = JSON.parse(
      await Deno.readTextFile(new URL("manifest.json", DIST_DIR)),
    ) as Record<string, { js: string; css: string[]; pages?: Record<string, string[]> }>;
    const html = await (await fetch(`${srv.url}/`)).text();
    for (const file of [manifest.app.js, ...manifest.app.css]) {
      assert.ok(html.includes(`/assets/${file}`), `index.html names ${file}`);
      const res = await fetch(`${srv.url}/assets/${file}`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("cache-control") ?? "", /max-age=31536000, immutable/);
      assert.deepEqual(
        new Uint8Array(await res.arrayBuffer()),
        await Deno.readFile(new URL(file, DIST_DIR)),
      );
    }
    const page = await fetch(`${srv.url}/r/lobby`);
    assert.equal(page.headers.get("cache-control"), "no-cache", "the page itself revalidates");
    await page.body?.cancel();
    // Each page names its own stylesheet besides the shared one, never another page's.
    const pages = manifest.app.pages ?? {};
    const own: Record<string, string> = {
      "/": "home",
      "/r/lobby": "room/room",
      "/vod/lobby": "vod/vod",
    };
    for (const [path, name] of Object.entries(own)) {
      assert.ok(pages[name]?.length, `the manifest names ${name}'s stylesheet`);
      const body = await (await fetch(`${srv.url}${path}`)).text();
      for (const [other, files] of Object.entries(pages)) {
        for (const f of files) {
          assert.equal(
            body.includes(`/assets/${f}`),
            other === name,
            `${path} and ${other}'s ${f}`,
          );
        }
      }
      const res = await fetch(`${srv.url}/assets/${pages[name][0]}`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /text\/css/);
      await res.body?.cancel();
    }
    const missing = await fetch(`${srv.url}/assets/app-NOTAHASH.js`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  } finally {
    await srv.close();
  }
});
