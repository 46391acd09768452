/**
 * The liveness check on a real livekit-server: three participants publish with
 * @livekit/rtc-node into one room — the streamer a moving, never-repeating picture (noise
 * blocks and a square on a random walk, as a camera's picture never repeats), guest g1 a
 * still photo sent over and over (scikit-image's astronaut: a "looping still image"), guest
 * g2 a 4-picture clip played in a loop — and the recorder samples each one's picture
 * (`videoSampleMs`) for the LivenessMonitor, with the real face models in their worker. g1 is
 * flagged "frozen", g2 "loop", the streamer never. The store and the admins' route are
 * checked on both databases.
 */
import assert from "node:assert/strict";
import {
  AudioSource,
  LocalAudioTrack,
  LocalVideoTrack,
  Room,
  TrackPublishOptions,
  TrackSource,
  VideoBufferType,
  VideoFrame,
  VideoSource,
} from "@livekit/rtc-node";
import { Hono } from "hono";
import { createLogger } from "../engine/log.ts";
import { startRecorderRig } from "./helpers/recorder_rig.ts";
import { type LivenessFlag, LivenessMonitor, LivenessTracker } from "../media/vision/liveness.ts";
import { FaceModels } from "../media/vision/faces.ts";
import { LivenessStore } from "../actors/segment/liveness_store.ts";
import { AnalysisStore } from "../actors/segment/analysis_store.ts";
import { analysisRoutes } from "../edge/routes/analysis.ts";
import { MediaError } from "../media/errors.ts";
import { RecordingIndex } from "../actors/recording/recording_index.ts";
import { dbTest } from "./helpers/db.ts";
import { waitForValue } from "./helpers/wait.ts";
import { COFFEE, FACE_IMAGE } from "./helpers/face_images.ts";

const W = 320, H = 240, FPS = 10;

/** An image file as one I420 frame of W×H (ffmpeg). */
async function i420Of(path: string, vf = "null"): Promise<Uint8Array> {
  const out = await new Deno.Command("ffmpeg", {
    args: [
      ...["-v", "error", "-i", path, "-frames:v", "1"],
      ...["-vf", `scale=${W}:${H},${vf}`, "-pix_fmt", "yuv420p", "-f", "rawvideo", "pipe:1"],
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return out.stdout;
}

/** Publishes `frame(n)` as a camera at FPS (and a silent microphone); returns stop. */
async function publish(
  url: string,
  token: string,
  frame: (n: number) => Uint8Array,
): Promise<() => Promise<void>> {
  const room = new Room();
  await room.connect(url, token, { autoSubscribe: false, dynacast: false });
  const video = new VideoSource(W, H);
  const audio = new AudioSource(48_000, 1);
  await room.localParticipant!.publishTrack(
    LocalVideoTrack.createVideoTrack("camera", video),
    new TrackPublishOptions({ source: TrackSource.SOURCE_CAMERA }),
  );
  await room.localParticipant!.publishTrack(
    LocalAudioTrack.createAudioTrack("mic", audio),
    new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
  );
  let n = 0;
  const timer = setInterval(() => {
    video.captureFrame(new VideoFrame(frame(n++), W, H, VideoBufferType.I420));
  }, 1000 / FPS);
  return async () => {
    clearInterval(timer);
    await room.disconnect().catch(() => {});
    await video.close().catch(() => {});
    await audio.close().catch(() => {});
  };
}

/** A picture that never repeats: random grey blocks and a square on a random walk. */
function movingPicture(): (n: number) => Uint8Array {
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  let sx = W / 2, sy = H / 2;
  const blocks = new Uint8Array((W / 16) * (H / 16)).map(() => 60 + rand() * 120);
  return () => {
    const data = new Uint8Array((W * H * 3) / 2).fill(128);
    for (let i = 0; i < 12; i++) blocks[Math.floor(rand() * blocks.length)] = 30 + rand() * 190;
    sx = Math.min(W - 40, Math.max(0, sx + (rand() - 0.5) * 24));
    sy = Math.min(H - 40, Math.max(0, sy + (rand() - 0.5) * 24));
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const inSquare = x >= sx && x < sx + 40 && y >= sy && y < sy + 40;
        data[y * W + x] = inSquare ? 235 : blocks[(y >> 4) * (W / 16) + (x >> 4)];
      }
    }
    return data;
  };
}

Deno.test({
  name:
    "liveness: a looping still image and a looping clip published through livekit-server are flagged; moving video is not",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const log = createLogger({ test: "media_liveness" }, "error");
    const rig = await startRecorderRig({
      roomId: "roomL",
      log,
      stage: { layout: "grid", guests: ["g1", "g2"] },
      videoSampleMs: 1_000,
    });
    const { lk, manager, token } = rig;
    const faces = new FaceModels();
    const flags: LivenessFlag[] = [];
    const monitor = new LivenessMonitor({
      subscribe: (l) => manager.video.subscribe(l),
      faces,
      options: { frozenMs: 6_000, historyMs: 60_000 },
      onFlag: (f) => flags.push(f),
    });
    const stops: (() => Promise<void>)[] = [];
    try {
      const still = await i420Of(FACE_IMAGE);
      const clip = [
        await i420Of(FACE_IMAGE, "hflip"),
        await i420Of(COFFEE),
        await i420Of(FACE_IMAGE, "vflip"),
        await i420Of(COFFEE, "hflip"),
      ];
      stops.push(await publish(lk.wsUrl, await token("streamer", "host"), movingPicture()));
      stops.push(await publish(lk.wsUrl, await token("guest", "g1"), () => still));
      // each picture for 1 s: a 4 s loop
      stops.push(
        await publish(lk.wsUrl, await token("guest", "g2"), (n) => clip[Math.floor(n / FPS) % 4]),
      );
      const started = await manager.startRoom("roomL", { streamerIdentity: "host" });
      assert.equal(started.state, "recording");

      const raised = (who: string) => flags.find((f) => f.identity === who && f.state === "raised");
      const g1 = await waitForValue(
        "g1 (still image) flagged",
        () => Promise.resolve(raised("g1")),
        {
          timeoutMs: 120_000,
          stepMs: 250,
        },
      );
      assert.ok(g1.reasons.includes("frozen"), JSON.stringify(g1));
      assert.ok(g1.evidence.frozenForMs >= 6_000);
      assert.equal(g1.roomId, "roomL");
      assert.equal(g1.recordingId, started.recordingId);

      const g2 = await waitForValue(
        "g2 (looping clip) flagged",
        () => Promise.resolve(raised("g2")),
        {
          timeoutMs: 120_000,
          stepMs: 250,
        },
      );
      assert.ok(g2.reasons.includes("loop"), JSON.stringify(g2));
      assert.ok(g2.evidence.repeats >= 3);

      // the streamer's moving picture: sampled as often, never flagged
      const host = await waitForValue("the streamer's picture sampled 20 times", () => {
        const s = monitor.status().find((x) => x.key.endsWith("/host"));
        return Promise.resolve(s && s.evidence.samples >= 20 ? s : undefined);
      }, { timeoutMs: 120_000, stepMs: 250 });
      assert.equal(host.flagged, false, JSON.stringify(host));
      assert.equal(raised("host"), undefined, JSON.stringify(flags));
      assert.ok(host.evidence.motion > 5, JSON.stringify(host.evidence));
      assert.equal(host.evidence.repeats, 0);
      // the face models scored the astronaut's face on g1's samples
      const withFace = await waitForValue("g1's face scored", () => {
        const s = monitor.status().find((x) => x.key.endsWith("/g1"));
        return Promise.resolve(s && s.evidence.faceSamples > 0 ? s : undefined);
      }, { timeoutMs: 120_000, stepMs: 250 });
      assert.ok(withFace.evidence.antispoof !== null && withFace.evidence.liveness !== null);
    } finally {
      monitor.close();
      for (const stop of stops.reverse()) await stop();
      await rig.close();
      await faces.close();
    }
  },
});

Deno.test("liveness: the tracker's rules — frozen after its time, a loop after 3 repeats, clears once live", () => {
  const t = new LivenessTracker({
    frozenMs: 5_000,
    historyMs: 60_000,
    minRepeats: 3,
    sameLevel: 1.5,
    modelFloor: 0.2,
    minFaceSamples: 5,
    faceEvery: 1,
    clearAfterMs: 3_000,
  });
  const flat = (v: number) => ({
    width: 64,
    height: 48,
    data: new Uint8Array(64 * 48 * 3).fill(v),
  });
  let at = 0;
  for (let i = 0; i < 5; i++) assert.deepEqual(t.add(at += 1000, flat(100)), []);
  assert.deepEqual(t.add(at += 1000, flat(100)), ["frozen"]);
  assert.equal(t.verdict(at), "raise");
  assert.equal(t.verdict(at), null, "raised once");
  // moving again, never repeating: clears after 3 s
  for (let i = 0; i < 5; i++) t.add(at += 1000, flat(10 + i * 40));
  assert.equal(t.verdict(at - 3000), null);
  assert.equal(t.verdict(at), "clear");
  // a loop of 3 pictures
  const loop = new LivenessTracker();
  let n = 0;
  for (; n < 6; n++) loop.add(n * 1000, flat([20, 120, 220][n % 3]));
  assert.deepEqual(loop.reasons(n * 1000), ["loop"]);
  assert.equal(loop.evidence(n * 1000).loopMs, 3000);
});

dbTest("liveness: flags are stored for the room's managers and cleared", async (db) => {
  const flags = new LivenessStore(db.store);
  const evidence = {
    samples: 10,
    frozenForMs: 21_000,
    repeats: 0,
    loopMs: null,
    motion: 0.1,
    faceSamples: 0,
    antispoof: null,
    liveness: null,
  };
  const t0 = Date.UTC(2026, 0, 1);
  await flags.raise({
    roomId: "roomL",
    recordingId: "rec_l",
    identity: "g1",
    raisedAt: t0,
    reasons: ["frozen"],
    evidence,
  });
  const app = new Hono();
  app.route(
    "/",
    analysisRoutes({
      log: createLogger({ test: "media_liveness" }, "error"),
      auth: {
        identify: (c) => {
          const t = /^Bearer (\S+)$/.exec(c.req.header("authorization") ?? "")?.[1];
          if (!t) throw new MediaError("auth_required", "no token", 401);
          return Promise.resolve({ userId: t, name: t, kind: "user", roles: [] });
        },
        canStream: (who, room) => Promise.resolve(who.userId === "alice" && room === "roomL"),
      },
      store: new AnalysisStore(db.store),
      liveness: flags,
      index: new RecordingIndex(db.store),
      objects: { getText: () => Promise.resolve(undefined) } as never,
      actors: { ask: () => Promise.reject(new Error("unused")) },
      windowMs: 300_000,
    }),
  );
  const get = (who: string) =>
    app.request("/api/analysis/liveness?room=roomL", {
      headers: { authorization: `Bearer ${who}` },
    });
  const denied = await get("bob");
  assert.equal(denied.status, 403);
  const open = await (await get("alice")).json();
  assert.equal(open.flags.length, 1);
  assert.equal(open.flags[0].label, "possibly not a live camera");
  assert.equal(open.flags[0].open, true);
  assert.deepEqual(open.flags[0].reasons, ["frozen"]);
  assert.equal(open.flags[0].evidence.frozenForMs, 21_000);
  await flags.clear("rec_l", "g1", t0 + 60_000, { ...evidence, frozenForMs: 0, motion: 12 });
  const closed = (await (await get("alice")).json()).flags[0];
  assert.equal(closed.open, false);
  assert.equal(closed.clearedAt, t0 + 60_000);
  assert.equal(closed.evidence.clearedWith.motion, 12);
});
