/**
 * The composer's parts without media servers: layouts cover the frame without overlapping
 * (grid, side by side) or inset in the main picture (pip), with even rectangles; composed
 * pictures hold each tile's colour in its cell, follow layout, order and removal at once;
 * the audio mixer sums sources clipped to 16 bits and bounds a source running ahead.
 */
import assert from "node:assert/strict";
import { AudioMixer } from "../media/compose/audio_mixer.ts";
import { fitInside, TILE_LAYOUTS, tileRegions } from "../media/compose/tile_layout.ts";
import { type I420Frame, VideoComposer } from "../media/compose/video_composer.ts";
import { i420Size } from "../media/recorder/i420.ts";

function solid(width: number, height: number, y: number, u: number, v: number): I420Frame {
  const data = new Uint8Array(i420Size(width, height));
  data.fill(y, 0, width * height);
  data.fill(u, width * height, width * height * 5 / 4);
  data.fill(v, width * height * 5 / 4);
  return { data, width, height };
}

/** Y, U, V at (x, y) of a W×H I420 picture. */
function pixel(p: Uint8Array, W: number, H: number, x: number, y: number): number[] {
  const c = (W >> 1) * (y >> 1) + (x >> 1);
  return [p[y * W + x], p[W * H + c], p[W * H + (W >> 1) * (H >> 1) + c]];
}

Deno.test("tile layouts: even cells, grid and side by side tile the frame, pip insets", () => {
  for (const layout of TILE_LAYOUTS) {
    for (let n = 1; n <= 6; n++) {
      const cells = tileRegions(layout, n, 640, 360);
      assert.equal(cells.length, n);
      for (const c of cells) {
        for (const v of [c.x, c.y, c.width, c.height]) assert.equal(v % 2, 0, `${layout} ${n}`);
        assert.ok(c.x >= 0 && c.y >= 0 && c.x + c.width <= 640 && c.y + c.height <= 360);
      }
      const area = cells.reduce((a, c) => a + c.width * c.height, 0);
      const cols = Math.ceil(Math.sqrt(n));
      if (layout === "side_by_side" || (layout === "grid" && n % cols === 0)) {
        assert.equal(area, 640 * 360, `${layout} ${n}`);
      } else if (layout === "grid") {
        assert.ok(area < 640 * 360); // a cell left empty
      } else if (n > 1) {
        assert.deepEqual(cells[0], { x: 0, y: 0, width: 640, height: 360 });
        for (const c of cells.slice(1)) assert.ok(c.width === 160 && c.height === 90);
      }
    }
  }
  assert.equal(new Set(tileRegions("grid", 4, 640, 360).map((c) => `${c.x},${c.y}`)).size, 4);
  assert.ok(tileRegions("side_by_side", 3, 640, 360).every((c) => c.height === 360));
  // 4:3 inside 16:9: full height, centred.
  assert.deepEqual(fitInside({ x: 0, y: 0, width: 640, height: 360 }, 320, 240), {
    x: 80,
    y: 0,
    width: 480,
    height: 360,
  });
});

Deno.test("video composer: colours in their cells; layout, order and removal apply at once", () => {
  const W = 320, H = 240;
  const red = solid(160, 120, 80, 90, 240), green = solid(320, 240, 140, 50, 40);
  const blue = solid(64, 48, 40, 240, 110);
  const c = new VideoComposer(W, H, "grid");
  c.put("host", red);
  // One tile of another size fills the frame (same aspect).
  assert.deepEqual(pixel(c.compose(), W, H, 10, 10), [80, 90, 240]);
  // One tile of the output size: a copy of its frame.
  const alone = new VideoComposer(W, H);
  alone.put("g", green);
  const copy = alone.compose();
  assert.deepEqual(copy, green.data);
  assert.notEqual(copy.buffer, green.data.buffer);

  c.put("g1", green);
  c.put("g2", blue);
  c.setOrder(["host", "g2", "g1"]);
  assert.deepEqual(c.ids(), ["host", "g2", "g1"]);
  const at = (id: string, pic: Uint8Array) => {
    const r = c.regions().get(id)!;
    return pixel(pic, W, H, r.x + r.width / 2, r.y + r.height / 2);
  };
  for (const layout of TILE_LAYOUTS) {
    c.layout = layout;
    const pic = c.compose();
    assert.deepEqual(at("host", pic), layout === "pip" ? [80, 90, 240] : [80, 90, 240]);
    assert.deepEqual(at("g1", pic), [140, 50, 40], layout);
    assert.deepEqual(at("g2", pic), [40, 240, 110], layout);
  }
  // grid of 3 in 2×2: the fourth cell is black.
  c.layout = "grid";
  assert.deepEqual(pixel(c.compose(), W, H, 240, 180), [16, 128, 128]);
  // Removed: the picture has two tiles side by side in the grid.
  assert.equal(c.remove("g2"), true);
  const two = c.compose();
  assert.deepEqual(pixel(two, W, H, 80, 120), [80, 90, 240]);
  assert.deepEqual(pixel(two, W, H, 240, 120), [140, 50, 40]);
  // A tile with no frame yet is black but takes its cell.
  c.put("late");
  assert.equal(c.regions().size, 3);
  assert.throws(() => c.put("bad", { data: new Uint8Array(10), width: 64, height: 48 }));
});

Deno.test("audio mixer: sums, clips, pads with silence, drops what runs ahead", () => {
  const m = new AudioMixer(1_000);
  assert.equal(m.mixOnto(Int16Array.of(1, 2, 3))[2], 3); // no source: the base itself
  m.push("a", Int16Array.of(100, 200, 300, 400));
  m.push("b", Int16Array.of(32_700, 32_700));
  const out = m.mixOnto(Int16Array.of(10, 10, 10));
  assert.deepEqual([...out], [32_767, 32_767, 310]);
  assert.deepEqual([...m.mix(3)], [400, 0, 0]);
  for (let i = 0; i < 30; i++) m.push("a", new Int16Array(100).fill(1));
  assert.equal(m.dropped, 2_000);
  assert.equal(m.mix(2_000).reduce((a, v) => a + v, 0), 1_000);
  m.remove("a");
  m.remove("b");
  assert.equal(m.sources, 0);
});

Deno.test("audio mixer: under a clock a source plays once primed and primes again when dry", () => {
  const m = new AudioMixer(1_000, 4);
  m.push("a", Int16Array.of(1, 2, 3));
  // 3 queued < 4: not yet primed, the clock's samples are silence and nothing is taken
  assert.deepEqual([...m.mix(2)], [0, 0]);
  m.push("a", Int16Array.of(4, 5));
  assert.deepEqual([...m.mix(2)], [1, 2]);
  assert.deepEqual([...m.mix(2)], [3, 4]);
  // one sample left: it plays, runs dry (a hole) and must prime again
  assert.deepEqual([...m.mix(2)], [5, 0]);
  m.push("a", Int16Array.of(6, 7));
  assert.deepEqual([...m.mix(2)], [0, 0], "2 queued < 4 after running dry");
  m.push("a", Int16Array.of(8, 9));
  assert.deepEqual([...m.mix(4)], [6, 7, 8, 9]);
  // the streamer-paced path ignores priming
  m.push("b", Int16Array.of(1));
  assert.deepEqual([...m.mixOnto(Int16Array.of(10))], [11]);
});
