/**
 * The streamer's effects in Chromium (issue 13), on a fake 720p camera showing a person over a
 * checkerboard and a fake microphone playing white noise; each effect on changes the frames
 * the pipeline publishes, measured against the same frames with every effect off:
 *   - background blur: the background's high-frequency energy collapses;
 *   - virtual background: the background's pixels become the studio background's;
 *   - beauty: the face gets brighter and warmer (red over blue);
 *   - sticker: pixels change at the face the face mesh found, and only there;
 *   - noise suppression (RNNoise): the noise floor drops; off, the audio passes unchanged;
 *   - a device that cannot keep up: the effects turn themselves off, with a notice.
 * Skipped, saying why, without Chromium.
 */
import assert from "node:assert/strict";
import { hasChromium, launchChromium } from "./helpers/browser.ts";
import { makeEffectsCamera, REGIONS } from "./helpers/effects_camera.ts";
import { EFFECTS_HARNESS, type RegionFigures, type Stats } from "./helpers/effects_page.ts";
import { startTestServer } from "./helpers/server.ts";
import { waitForValue } from "./helpers/wait.ts";

const enabled = await hasChromium("web_effects");
const R = (v: unknown) => JSON.stringify(v);
const lum = (f: RegionFigures) => 0.299 * f.r + 0.587 * f.g + 0.114 * f.b;

Deno.test({
  name: "web effects: each effect changes the published frames; RNNoise lowers the noise floor",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cam = await makeEffectsCamera();
    const server = await startTestServer();
    const browser = await launchChromium(cam.args);
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`${server.url}/`);
      await page.waitForFunction("globalThis.synapseClient");
      await page.evaluate(EFFECTS_HARNESS);
      // the watchdog off: this test checks what the effects do, however slow the machine
      const size = await page.evaluate(`__fx.start({ minFps: 0, minModelFps: 0 })`);
      assert.deepEqual(size, { width: 1280, height: 720 });
      const measure = async (region: keyof typeof REGIONS) => {
        await page.evaluate(`__fx.frames(2)`);
        return await page.evaluate(`__fx.measure(${R(REGIONS[region])}, true)`) as RegionFigures;
      };
      /** Switch to `patch` alone; with a model, wait for its first result. */
      const only = async (patch: Record<string, unknown>, model: boolean) => {
        await page.evaluate(`__fx.only(${R(patch)})`);
        if (model) {
          await waitForValue(`a model result for ${R(patch)}`, async () => {
            const s = await page.evaluate(`__fx.stats()`) as Stats;
            return s.modelFps > 0 || undefined;
          }, { timeoutMs: 90_000, stepMs: 250 });
        }
      };

      const bgOff = await measure("background");
      const faceOff = await measure("face");
      assert.ok(bgOff.hf > 10, `the checkerboard is sharp: ${bgOff.hf}`);
      assert.ok(bgOff.studioDiff > 60, `and unlike the studio background: ${bgOff.studioDiff}`);

      await only({ blur: true }, true);
      const bgBlur = await measure("background");
      assert.ok(bgBlur.hf < bgOff.hf * 0.25, `blur: high frequencies ${bgOff.hf} → ${bgBlur.hf}`);

      await only({ background: true }, true);
      const bgVirtual = await measure("background");
      assert.ok(
        bgVirtual.studioDiff < 12,
        `virtual background: ${bgVirtual.studioDiff} from studio`,
      );

      await only({ beauty: true, brightness: 0.6, warmth: 0.6 }, false);
      const faceBeauty = await measure("face");
      assert.ok(
        lum(faceBeauty) > lum(faceOff) + 3,
        `brighter: ${lum(faceOff)} → ${lum(faceBeauty)}`,
      );
      assert.ok(
        faceBeauty.r - faceBeauty.b > faceOff.r - faceOff.b + 3,
        `warmer: ${faceOff.r - faceOff.b} → ${faceBeauty.r - faceBeauty.b}`,
      );

      // The sticker: drawn where the face mesh found the face, nowhere else.
      await only({}, false);
      await page.evaluate(`__fx.frames(2).then(() => (window.__plain = __fx.grab().slice()))`);
      await page.evaluate(`__fx.only({ sticker: "crown" })`);
      const box = await waitForValue("a face found", async () => {
        return await page.evaluate(`__fx.face()?.box`) as number[] | undefined;
      }, { timeoutMs: 90_000, stepMs: 250 });
      const photo = REGIONS.photo, face = REGIONS.face;
      const [fx, fy, fw, fh] = box;
      assert.ok(fx < face.x + face.w && fx + fw > face.x, `face box ${box} over the face (x)`);
      assert.ok(fy < face.y + face.h && fy + fh > face.y, `face box ${box} over the face (y)`);
      await page.evaluate(`__fx.frames(2)`);
      const changed = await page.evaluate(`__fx.diff(window.__plain, __fx.grab())`) as {
        n: number;
        box: number[];
      };
      assert.ok(changed.n > 1000, `the sticker changed ${changed.n} pixels`);
      const [cx, cy, cw, ch] = changed.box;
      assert.ok(
        cx >= fx - fw * 0.2 && cx + cw <= fx + fw * 1.2,
        `sticker ${changed.box} x at ${box}`,
      );
      assert.ok(
        cy >= Math.max(0, fy - fh) && cy + ch <= fy + fh,
        `sticker ${changed.box} y at ${box}`,
      );
      assert.ok(cx >= photo.x && cx + cw <= photo.x + photo.w, "inside the photo");

      // RNNoise: off, the output is the input; on, pure noise is pushed far down.
      await only({}, false);
      const [rawOff, outOff] = await page.evaluate(
        `Promise.all([__fx.rmsRaw(1500), __fx.rmsOut(1500)])`,
      ) as number[];
      assert.ok(rawOff > 0.001, `the fake microphone plays noise: ${rawOff}`);
      assert.ok(outOff > rawOff * 0.7, `off: ${rawOff} → ${outOff}`);
      await only({ noise: true }, false);
      const [rawOn, outOn] = await page.evaluate(
        `__fx.frames(5).then(() => Promise.all([__fx.rmsRaw(1500), __fx.rmsOut(1500)]))`,
      ) as number[];
      assert.ok(outOn < rawOn * 0.1, `RNNoise: noise floor ${rawOn} → ${outOn}`);

      // A device that cannot keep up (here: an impossible 1000 fps asked): turned off, said so.
      await page.evaluate(`__fx.restart({ minFps: 1000, slowSeconds: 1 })`);
      await page.evaluate(`__fx.only({ beauty: true })`);
      await waitForValue("the effects turned off", async () => {
        const s = await page.evaluate(`__fx.settings()`) as { beauty: boolean };
        return s.beauty ? undefined : true;
      }, { timeoutMs: 60_000, stepMs: 250 });
      const notices = await page.evaluate(`__fx.notices`) as string[];
      assert.ok(notices.some((n) => /can't keep up|跟不上/.test(n)), notices.join(" | "));
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.close();
      await cam.cleanup();
    }
  },
});
