/** The README stays true: every configuration variable and every deno task is documented. */
import assert from "node:assert/strict";
import { ConfigSchema } from "../edge/wiring/config.ts";

const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
const denoJson = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
const ci = await Deno.readTextFile(new URL("../.ci/run", import.meta.url));

Deno.test("README: every configuration variable appears in the configuration table", () => {
  const missing = Object.keys(ConfigSchema.shape).filter((k) => !readme.includes(`\`${k}\``));
  assert.deepEqual(missing, [], `undocumented variables: ${missing.join(", ")}`);
});

Deno.test("README: every deno task is mentioned", () => {
  const missing = Object.keys(denoJson.tasks).filter((t) => !readme.includes(`task ${t}`));
  assert.deepEqual(missing, []);
});

Deno.test("CI runs exactly the README's test command", () => {
  const command = readme.match(/^(npx -y deno@[\d.]+ task test)\b/m)?.[1];
  assert.ok(command, "README names a test command");
  const lines = ci.split("\n").filter((l) =>
    l.trim() && !l.startsWith("#") && !l.startsWith("set ") && !l.startsWith("cd ")
  );
  assert.deepEqual(lines, [command]);
});
