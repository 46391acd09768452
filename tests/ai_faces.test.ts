/**
 * Faces and expressions with the real models (@vladmandic/human 3.3.6 on TensorFlow.js
 * WebAssembly, in the face models' worker) on real images shipped here: Debian's
 * scikit-image data has `astronaut.png` (Eileen Collins, smiling at the camera) and
 * `coffee.png` (a cup of coffee, no face). Then one recorded window made of those images goes
 * through the analysis actor on MinIO + Postgres: its key frames' faces are stored frame by
 * frame and served as a timeline by `GET /api/analysis/recordings/:id/faces`; the store does
 * the same on PGlite.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { decodeRgb, faceFrameCounter, FaceModels, FaceTimeout } from "../media/vision/faces.ts";
import { SharedModels } from "../media/analysis/shared_models.ts";
import { roomActorType } from "../actors/room/room_actor.ts";
import { analysisActorType } from "../actors/segment/analysis_actor.ts";
import { AnalysisStore } from "../actors/segment/analysis_store.ts";
import { createLogger } from "../engine/log.ts";
import { analysisRoutes } from "../edge/routes/analysis.ts";
import { MediaError } from "../media/errors.ts";
import { segmentKey } from "../actors/recording/storage_keys.ts";
import { windowMedia } from "../media/analysis/window_media.ts";
import { faceFrameRow, faceTrend, summariseFaces } from "../actors/ai/faces.ts";
import { localTips, tipsPrompt, type TipWindow } from "../actors/ai/tips.ts";
import { localSummaryText } from "../actors/ai/summary.ts";
import { startMediaStack } from "./helpers/media_stack.ts";
import { dbTest } from "./helpers/db.ts";
import { waitForValue } from "./helpers/wait.ts";
import { COFFEE, FACE_IMAGE } from "./helpers/face_images.ts";

Deno.test("faces: the worker finds the astronaut's smiling face and no face in the coffee", async () => {
  const models = new FaceModels();
  try {
    const [astronaut, coffee] = await models.detectFiles([FACE_IMAGE, COFFEE]);
    assert.equal(astronaut.faces.length, 1, JSON.stringify(astronaut));
    const face = astronaut.faces[0];
    assert.equal(face.expression, "happy", JSON.stringify(face));
    assert.ok(face.expressionScore > 0.5, JSON.stringify(face));
    assert.ok(face.score > 0.5);
    // the face is in the upper middle of the picture
    const [x, y, w, h] = face.box;
    assert.ok(x > 0.15 && x + w < 0.75 && y >= 0 && y + h < 0.6, JSON.stringify(face.box));
    const sum = Object.values(face.expressions).reduce((a, b) => a + b, 0);
    assert.ok(sum > 0.9 && sum <= 1.05, `7 class probabilities: ${sum}`);
    for (const v of [face.real, face.live]) assert.ok(typeof v === "number" && v >= 0 && v <= 1);
    assert.deepEqual(coffee.faces, []);
    const stats = models.stats();
    assert.equal(stats.frames, 2);
    assert.equal(stats.dropped, 0);
    assert.equal(stats.workers, 1);
  } finally {
    await models.close();
  }
});

Deno.test("faces: a full queue drops live frames (counted); a timeout grows with the input and restarts the worker", async () => {
  const frame = await decodeRgb(COFFEE);
  const copy = () => ({ ...frame, data: frame.data.slice() });
  const models = new FaceModels({ queue: 1 });
  try {
    assert.ok(models.timeoutFor(24) > models.timeoutFor(4), "more frames, more time");
    const droppedBefore = faceFrameCounter.get({ outcome: "dropped" });
    const running = models.detect([copy()]); // taken by the worker at once
    const queued = models.offer(copy()); // waits in the queue (1 place)
    assert.ok(queued, "room for one");
    assert.equal(models.offer(copy()), null, "the queue is full: dropped");
    assert.equal(models.offer(copy()), null);
    assert.equal(models.stats().dropped, 2);
    assert.equal(faceFrameCounter.get({ outcome: "dropped" }) - droppedBefore, 2, "in /metrics");
    assert.deepEqual((await running)[0].faces, []);
    assert.deepEqual((await queued).faces, []);
    assert.equal(models.stats().frames, 2);
  } finally {
    await models.close();
  }

  // a worker that cannot answer in time is stopped; the next request starts a new one
  const hasty = new FaceModels({ frameTimeoutMs: 1, loadTimeoutMs: 0 });
  try {
    await assert.rejects(() => hasty.detect([copy()]), FaceTimeout);
    await assert.rejects(() => hasty.detect([copy()]), FaceTimeout);
    const stats = hasty.stats();
    assert.equal(stats.timeouts, 2);
    assert.equal(stats.workers, 2, "a new worker after the first timeout");
  } finally {
    await hasty.close();
  }
});

dbTest(
  "faces: a window's frames are stored, replaced by a re-run, read in time order",
  async (db) => {
    const store = new AnalysisStore(db.store);
    const t0 = Date.UTC(2026, 0, 1);
    const face = (expression: "happy" | "neutral") => ({
      score: 0.9,
      box: [0.3, 0.1, 0.3, 0.3] as [number, number, number, number],
      expression,
      expressionScore: 0.8,
      expressions: {
        angry: 0,
        disgust: 0,
        fear: 0,
        happy: expression === "happy" ? 0.8 : 0.1,
        sad: 0,
        surprise: 0,
        neutral: expression === "neutral" ? 0.8 : 0.1,
      },
      real: 0.7,
      live: 0.9,
    });
    const row = (frame: number, faces: ReturnType<typeof face>[]) =>
      faceFrameRow({
        recordingId: "rec_f",
        window: 0,
        roomId: "r1",
        frame,
        at: t0 + frame * 10_000,
      }, faces);
    await store.putFaces("rec_f", 0, [
      row(1, []),
      row(2, [face("happy")]),
      row(3, [face("neutral")]),
    ]);
    await store.putFaces("rec_f", 0, [row(2, [face("happy")]), row(1, [face("happy")])]);
    const rows = await store.faces("rec_f");
    assert.deepEqual(rows.map((r) => [r.frame, r.faces, r.expression]), [[1, 1, "happy"], [
      2,
      1,
      "happy",
    ]]);
    assert.equal(rows[0].at, t0 + 10_000);
    assert.equal(rows[0].detail.real, 0.7);
    assert.ok(Math.abs((rows[0].detail.expressions?.happy ?? 0) - 0.8) < 1e-6);
    assert.deepEqual(await store.faces("other"), []);
  },
);

Deno.test("faces: a window's summary: presence, the dominant expression, smiles", () => {
  const s = summariseFaces([
    { faces: 1, expression: "happy" },
    { faces: 2, expression: "happy" },
    { faces: 1, expression: "neutral" },
    { faces: 0, expression: null },
  ]);
  assert.deepEqual(s, {
    frames: 4,
    withFace: 3,
    presentRatio: 0.75,
    dominant: "happy",
    shares: { happy: 0.667, neutral: 0.333 },
    smileRatio: 0.667,
    maxFaces: 2,
  });
  assert.equal(summariseFaces([]).dominant, null);
});

Deno.test({
  name:
    "faces: a recorded window's key frames are analysed in the worker, stored and served as a timeline",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "ai-faces-" });
    const models = new SharedModels(() => Promise.resolve(null), { faces: true });
    let store!: AnalysisStore;
    const stack = await startMediaStack({
      streamers: { alice: ["roomF"] },
      extend: ({ objects, index, db }) => {
        store = new AnalysisStore(db.store);
        return {
          types: [
            roomActorType({ tickMs: 50 }),
            analysisActorType({ objects, index, store, models, media: windowMedia, llm: null }),
          ],
        };
      },
    });
    const app = new Hono();
    app.route(
      "/",
      analysisRoutes({
        log: createLogger({ test: "ai_faces" }, "error"),
        auth: {
          identify: (c) => {
            const t = /^Bearer (\S+)$/.exec(c.req.header("authorization") ?? "")?.[1];
            if (!t) throw new MediaError("auth_required", "no token", 401);
            return Promise.resolve({ userId: t, name: t, kind: "user", roles: [] });
          },
          canStream: (who, room) => Promise.resolve(who.userId === "alice" && room === "roomF"),
        },
        store,
        index: stack.index,
        objects: stack.objects,
        actors: stack.actors,
        windowMs: 60_000,
      }),
    );
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
    const base = `http://127.0.0.1:${server.addr.port}`;
    try {
      // 15 s of the astronaut, then 15 s of the coffee: key frames at 0, 10 and 20 s
      const ts = `${dir}/seg.ts`;
      const made = await new Deno.Command("ffmpeg", {
        args: [
          ...["-v", "error", "-loop", "1", "-t", "15", "-i", FACE_IMAGE],
          ...["-loop", "1", "-t", "15", "-i", COFFEE],
          ...["-f", "lavfi", "-t", "30", "-i", "anullsrc=r=48000:cl=mono"],
          "-filter_complex",
          "[0:v]scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=25[a];" +
          "[1:v]scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=25[b];" +
          "[a][b]concat=n=2:v=1:a=0[v]",
          ...["-map", "[v]", "-map", "2:a", "-c:v", "libx264", "-preset", "ultrafast"],
          ...["-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "mpegts", ts],
        ],
      }).output();
      assert.ok(made.success, new TextDecoder().decode(made.stderr));
      const recordingId = "rec_faces_1";
      const startAt = Date.now() - 60_000;
      const key = segmentKey("roomF", recordingId, 0);
      await stack.objects.putFile(key, ts, "video/mp2t");
      await stack.index.ensureRecording({
        id: recordingId,
        roomId: "roomF",
        streamerId: "alice",
        source: "livekit",
        startedAt: startAt,
      });
      await stack.actors.ask("segments", `${recordingId}_0`, {
        kind: "segment_ready",
        recordingId,
        roomId: "roomF",
        seq: 0,
        key,
        startAt,
        endAt: startAt + 30_000,
      });
      const empty = await (await fetch(`${base}/api/analysis/recordings/${recordingId}/faces`))
        .json();
      assert.deepEqual(empty.frames, [], "nothing before the window is analysed");

      const started = await fetch(`${base}/api/analysis/segment`, {
        method: "POST",
        headers: { authorization: "Bearer alice", "content-type": "application/json" },
        body: JSON.stringify({ recordingId, window: 0 }),
      });
      assert.equal(started.status, 202);
      await started.body?.cancel();
      await waitForValue("the window's tips", () => store.tips(recordingId, 0), {
        timeoutMs: 240_000,
        stepMs: 500,
      });

      const res = await fetch(`${base}/api/analysis/recordings/${recordingId}/faces`);
      assert.equal(res.status, 200);
      const body = await res.json();
      const frames = body.frames as {
        frame: number;
        offsetMs: number;
        faces: number;
        expression: string | null;
      }[];
      assert.deepEqual(
        frames.map((f) => [f.frame, f.faces, f.expression]),
        [[1, 1, "happy"], [2, 1, "happy"], [3, 0, null]],
        JSON.stringify(frames),
      );
      assert.ok(frames[0].offsetMs < frames[1].offsetMs && frames[1].offsetMs < frames[2].offsetMs);
      assert.equal(frames[1].offsetMs - frames[0].offsetMs, 10_000);
      assert.equal(body.summary.dominant, "happy");
      assert.equal(body.summary.withFace, 2);
      assert.equal(body.windows.length, 1);
      assert.equal(body.windows[0].summary.presentRatio, 0.667);
      assert.ok(!("real" in frames[0]), "antispoof scores are not public");
      const missing = await fetch(`${base}/api/analysis/recordings/nope/faces`);
      assert.equal(missing.status, 404);
      await missing.body?.cancel();
      assert.equal(models.faceModels!.stats().dropped, 0);
    } finally {
      await server.shutdown();
      await stack.close();
      await models.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test("faces: smiling less than in the windows before becomes a coaching line and the summary says the expressions", () => {
  const before = summariseFaces(
    Array.from({ length: 12 }, (_, i) => ({ faces: 1, expression: i < 9 ? "happy" : "neutral" })),
  );
  const now = summariseFaces(
    Array.from({ length: 6 }, (_, i) => ({ faces: 1, expression: i < 1 ? "happy" : "neutral" })),
  );
  const trend = faceTrend(now, before, 5);
  assert.ok(trend && trend.smiled === "less", JSON.stringify(trend));
  assert.equal(faceTrend(before, before, 5)?.smiled, "same");
  assert.equal(faceTrend(now, summariseFaces([]), 5), null, "nothing to compare with");
  const w: TipWindow = {
    roomId: "r",
    recordingId: "rec",
    seq: 2,
    startAt: 600_000,
    endAt: 900_000,
    liveForMs: 900_000,
    transcript: "",
    danmaku: [
      { userId: "u1", name: "ann", text: "how much is it?", at: 700_000 },
      { userId: "u2", name: "bo", text: "what's the price", at: 710_000 },
    ],
    topics: [],
    language: "en",
    faces: { now, trend },
  };
  const line = localTips(w).find((t) => t.tags.includes("smile"));
  assert.ok(line, JSON.stringify(localTips(w)));
  assert.match(line.text, /smiled less in the last 5 minutes \(17% of frames vs 75% before\)/);
  assert.match(line.text, /while the chat asked about the price/);
  assert.match(tipsPrompt(w), /smiling in 17% of the frames with a face; before this window/);
  const zh = localTips({ ...w, language: "zh-CN" }).find((t) => t.tags.includes("smile"));
  assert.ok(zh && /最近 5 分钟你笑得少了/.test(zh.text), JSON.stringify(zh));
  assert.equal(
    localTips({ ...w, faces: { now, trend: faceTrend(before, before, 5) } })
      .some((t) => t.tags.includes("smile")),
    false,
  );

  const summary = localSummaryText({
    recordingId: "rec",
    durationMs: 900_000,
    captions: [],
    highlights: [],
    topics: [],
    mood: [],
    language: "en",
    faces: before,
  });
  assert.match(summary, /on camera 100% of the time, mostly happy \(smiling in 75% of frames\)/);
});
