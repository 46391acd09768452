/**
 * Every way the README starts a Synapse process passes the V8 flags of
 * tests/helpers/deploy_flags.ts: the deno.json tasks (the test and bench tasks too, so the
 * servers they spawn inherit them) and the container image (engines and media; edges add
 * their own, checked by tests/compose_validate and tests/k8s_manifests).
 */
import assert from "node:assert/strict";
import { EDGE_V8_FLAGS, SERVER_V8_FLAGS } from "./helpers/deploy_flags.ts";

const root = new URL("../", import.meta.url);

Deno.test("deploy flags: every task that starts a server or the suite sets DENO_V8_FLAGS", async () => {
  const { tasks } = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))) as {
    tasks: Record<string, string>;
  };
  for (const name of ["start", "demo", "test", "bench"]) {
    const steps = tasks[name].split("&&").map((s) => s.trim());
    const last = steps[steps.length - 1];
    assert.ok(
      last.startsWith(`DENO_V8_FLAGS=${SERVER_V8_FLAGS} deno `),
      `task ${name}: ${last}`,
    );
  }
});

Deno.test("deploy flags: the image sets them for every role, edges keep them", async () => {
  const dockerfile = await Deno.readTextFile(new URL("deploy/Dockerfile", root));
  assert.match(dockerfile, new RegExp(`^ENV DENO_V8_FLAGS=${SERVER_V8_FLAGS}$`, "m"));
  assert.ok(EDGE_V8_FLAGS.split(",").includes(SERVER_V8_FLAGS));
});
