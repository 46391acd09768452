/**
 * Native addons under GC pressure with the V8 flags every Synapse process runs with
 * (tests/helpers/deploy_flags.ts): a minute of LiveKit frame traffic through
 * @livekit/rtc-node (tests/helpers/rtc_frames_stress.ts, its own process) ends cleanly. Without
 * the flag, Deno 2.9.6 runs the addon's external-buffer finalizers on a V8 GC thread and the
 * same stress died of heap corruption in each of three tries here, after 1, 10 and 17 rounds
 * ("corrupted double-linked list", "malloc(): unsorted double linked list corrupted", SIGSEGV),
 * and three later one-minute tries without it survived: a crash here means the flag is gone or
 * not enough, a pass is one more clean minute.
 */
import assert from "node:assert/strict";
import { SERVER_V8_FLAGS } from "./helpers/deploy_flags.ts";

Deno.test({
  name: "napi: a minute of rtc-node frames under GC pressure leaves the heap intact",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const script = new URL("./helpers/rtc_frames_stress.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, "60"],
      env: { DENO_V8_FLAGS: SERVER_V8_FLAGS },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    const err = new TextDecoder().decode(out.stderr).split("\n").filter((l) =>
      !l.includes("lk-rtc")
    );
    const rounds = text.split("\n").filter((l) => l.startsWith("round ")).length;
    assert.equal(
      out.signal,
      null,
      `killed by ${out.signal} after ${rounds} rounds: ${err.slice(-5).join(" | ")}`,
    );
    assert.equal(out.code, 0, err.slice(-10).join("\n"));
    assert.ok(rounds >= 2, `only ${rounds} rounds`);
  },
});
