/**
 * The VOD page's face and expression timeline in a real headless Chromium: a recording laid
 * out as the recorder would (MinIO + Postgres, a started server with media) with three
 * analysed key frames stored as the analysis stores them (smiling, neutral, no face); the
 * page shows one cell per frame with its expression, the line in short, and a cell seeks the
 * player to its frame.
 */
import assert from "node:assert/strict";
import { launchChromium } from "./helpers/browser.ts";
import { startVodStack, writeRecording } from "./helpers/vod_fixture.ts";
import { AnalysisStore } from "../actors/segment/analysis_store.ts";
import { type DetectedFace, faceFrameRow } from "../actors/ai/faces.ts";

const face = (expression: "happy" | "neutral"): DetectedFace => ({
  score: 0.9,
  box: [0.3, 0.1, 0.3, 0.3],
  expression,
  expressionScore: 0.9,
  expressions: {
    angry: 0,
    disgust: 0,
    fear: 0,
    happy: expression === "happy" ? 0.9 : 0.05,
    sad: 0,
    surprise: 0,
    neutral: expression === "neutral" ? 0.9 : 0.05,
  },
});

Deno.test({
  name:
    "web vod: the face timeline shows each analysed key frame's expression and seeks the player",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const { server, objects, index, sql } = await startVodStack(cleanups, "vodfaces");
      const roomId = "facesroom";
      const recordingId = "rec_faces_web";
      const startedAt = Date.now() - 60_000;
      await writeRecording({ index, objects, roomId, recordingId, seconds: 6, startedAt });
      const base = { recordingId, window: 0, roomId };
      await new AnalysisStore(sql).putFaces(recordingId, 0, [
        faceFrameRow({ ...base, frame: 1, at: startedAt }, [face("happy")]),
        faceFrameRow({ ...base, frame: 2, at: startedAt + 2_000 }, [face("neutral")]),
        faceFrameRow({ ...base, frame: 3, at: startedAt + 4_000 }, []),
      ]);

      const browser = await launchChromium();
      cleanups.push(() => browser.close());
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(String(e)));
      await page.addInitScript(`localStorage.setItem("synapse.lang", "en")`);
      await page.goto(`${server.url}/vod/${roomId}/${recordingId}`);
      await page.waitForFunction(
        `document.querySelectorAll("#faces-cells .face-cell").length === 3`,
        null,
        { timeout: 20_000 },
      );
      const cells = await page.evaluate(
        `[...document.querySelectorAll("#faces-cells .face-cell")].map((e) => e.dataset.expression)`,
      );
      assert.deepEqual(cells, ["happy", "neutral", "none"]);
      const summary = await page.locator("#faces-summary").innerText();
      assert.match(summary, /67%/, summary); // on camera in 2 of 3 frames
      assert.match(summary, /50%/, summary); // smiling in 1 of the 2
      // the second cell seeks the player to its frame (2 s in)
      await page.locator("#faces-cells .face-cell button").nth(1).click();
      await page.waitForFunction(
        `(() => { const v = document.querySelector("#vod-video");
          return v && v.currentTime >= 1.5 && v.currentTime < 4; })()`,
        null,
        { timeout: 20_000 },
      );
      assert.deepEqual(pageErrors, []);
    } finally {
      for (const fn of cleanups.reverse()) await fn().catch(() => {});
    }
  },
});
