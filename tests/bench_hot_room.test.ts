/**
 * The hot-room benchmark's load generator at a tiny size: light viewers (which count bench
 * messages in frames they never parse) and senders in their own process must account for
 * every message the room accepted, as the parsing viewers do. Timings are only checked for
 * being numbers: a test never asserts a wall-clock duration.
 */
import assert from "node:assert/strict";
import { benchMarker, countOccurrences, omittedOf } from "./bench/helpers/targets.ts";

const HOT_ROOM = new URL("./bench/hot_room.ts", import.meta.url).pathname;

Deno.test("light viewers' counters read frames without parsing them", () => {
  const frame = JSON.stringify({
    type: "batch",
    seq: 3,
    events: [
      { t: "danmaku", d: { text: "bench 2 0 1 5.00" } },
      { t: "danmaku", d: { text: "bench 12 0 1 5.00" } },
      { t: "danmaku", d: { text: "bench 2 7 9 6.00" } },
    ],
    omitted: 41,
  });
  assert.equal(countOccurrences(frame, benchMarker("synapse", 2)), 2);
  assert.equal(countOccurrences(frame, benchMarker("synapse", 12)), 1);
  assert.equal(countOccurrences(frame, benchMarker("synapse", 1)), 0);
  assert.equal(omittedOf(frame), 41);
  assert.equal(omittedOf(`{"type":"batch","seq":4,"events":[]}`), 0);
  const bare = JSON.stringify({ r: 3, s: 1, n: 2, t: 9.5 });
  assert.equal(countOccurrences(bare, benchMarker("bare", 3)), 1);
  assert.equal(countOccurrences(bare, benchMarker("bare", 30)), 0);
});

Deno.test("hot-room benchmark at tiny size: light viewers and split senders count all", async () => {
  const out = await Deno.makeTempDir({ prefix: "bench-hot-room-" });
  try {
    const run = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        HOT_ROOM,
        "--viewers",
        "24",
        "--sample",
        "6",
        "--senders",
        "4",
        "--duration",
        "2",
        "--reps",
        "1",
        "--servers",
        "synapse",
        "--out",
        out,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = (b: Uint8Array) => new TextDecoder().decode(b);
    assert.ok(run.success, text(run.stderr) + text(run.stdout));
    const report = JSON.parse(await Deno.readTextFile(`${out}/hot_room.json`));
    const rep = report.scenarios[0].reps[0];
    assert.equal(report.scenarios[0].viewersConnected, 24);
    assert.ok(rep.sent > 0 && rep.acked > 0, JSON.stringify(rep));
    // every accepted message reached every viewer (shown or counted as omitted): the light
    // viewers' substring counts included, since the parsing ones are only 6 of the 24
    assert.equal(rep.deliveries + rep.omitted, rep.acked * 24, JSON.stringify(rep));
    assert.ok(rep.framesPerViewerPerSec > 0);
    assert.equal(typeof report.rows[0].cpuMsPerAcceptedMessage, "number");
    assert.equal(report.rows[0].senders, 4);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
