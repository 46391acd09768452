/**
 * The typed client outside Deno (issue 14): edge/sdk bundled by esbuild runs one journey
 * (tests/fixtures/sdk_scenario.ts: sign up, room, top-up, join, say, a gift and its resend with
 * the same idempotency key) under the machine's Node (/usr/bin/node, v20: WebSocket behind
 * --experimental-websocket) and in a Chromium page, each against a running server. The resend
 * is charged once in both.
 */
import assert from "node:assert/strict";
import * as esbuild from "esbuild";
import { hasChromium, launchChromium, newPage } from "./helpers/browser.ts";
import { startTestServer } from "./helpers/server.ts";
import type { ScenarioResult } from "./fixtures/sdk_scenario.ts";

const NODE = "/usr/bin/node";
const SCENARIO = new URL("./fixtures/sdk_scenario.ts", import.meta.url).pathname;

/** The scenario and the client bundled into one script (no imports left). */
async function bundle(format: "esm" | "iife", footer: string): Promise<string> {
  const out = await esbuild.build({
    stdin: {
      contents: `export { sdkScenario } from ${JSON.stringify(SCENARIO)};`,
      resolveDir: new URL(".", import.meta.url).pathname,
      loader: "ts",
    },
    bundle: true,
    format,
    globalName: format === "iife" ? "sdk" : undefined,
    platform: "neutral",
    target: "es2022",
    mainFields: ["module", "main"],
    write: false,
    logLevel: "warning",
    footer: { js: footer },
  });
  await esbuild.stop();
  return out.outputFiles[0].text;
}

/** What one run must show: joined, acked, and the resend charged nothing. */
function assertJourney(r: ScenarioResult, room: string) {
  assert.equal(r.welcomeRoom, room);
  assert.ok(r.ackId, "say was acknowledged");
  assert.equal(r.firstReplayed, false);
  assert.equal(r.againReplayed, true, "the resend is recognised by its key");
  assert.ok(BigInt(r.amount) > 0n);
  assert.equal(r.spent, r.amount, "charged exactly once");
}

Deno.test("sdk runtimes: the bundled client's journey under Node", async () => {
  if (!(await Deno.stat(NODE).then(() => true, () => false))) {
    console.warn(`sdk runtimes: ${NODE} not found; skipped`);
    return;
  }
  const srv = await startTestServer({ accounts: true });
  const dir = await Deno.makeTempDir();
  try {
    const script = await bundle(
      "esm",
      "sdkScenario(process.argv[2], process.argv[3]).then(" +
        "(r) => console.log(JSON.stringify({ runtime: process.version, ...r })), " +
        "(e) => { console.error(e); process.exit(1); });",
    );
    assert.ok(!/\bDeno\./.test(script), "no Deno API in the bundle");
    await Deno.writeTextFile(`${dir}/journey.mjs`, script);
    const out = await new Deno.Command(NODE, {
      args: ["--experimental-websocket", `${dir}/journey.mjs`, srv.url, "node_sdk"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.ok(out.success, stderr);
    const result = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
    assert.match(result.runtime, /^v\d+\./);
    assertJourney(result, "node-sdk-room");
  } finally {
    await Deno.remove(dir, { recursive: true });
    await srv.close();
  }
});

Deno.test("sdk runtimes: the bundled client's journey in a Chromium page", async () => {
  if (!(await hasChromium("sdk runtimes (browser)"))) return;
  const srv = await startTestServer({ accounts: true });
  const browser = await launchChromium();
  try {
    const script = await bundle("iife", "globalThis.sdkScenario = sdk.sdkScenario;");
    const errors: string[] = [];
    const page = await newPage(browser, errors);
    // A page of this server: the client's fetches and socket are same-origin.
    await page.goto(`${srv.url}/healthz`, { waitUntil: "domcontentloaded", timeout: 60_000 });
    await page.addScriptTag({ content: script });
    const result = await page.evaluate(
      async () => {
        const run = (globalThis as unknown as {
          sdkScenario: (url: string, tag: string) => Promise<ScenarioResult>;
        }).sdkScenario;
        return { runtime: navigator.userAgent, ...(await run(location.origin, "web_sdk")) };
      },
    );
    assert.match(result.runtime, /Chrome\//);
    assertJourney(result, "web-sdk-room");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await srv.close();
  }
});
