/**
 * The analysis REST API on real MinIO + Postgres, no LLM (tips and summary `source: local`):
 * a recorded segment (ffmpeg test pattern + espeak speech) is indexed, `POST
 * /api/analysis/segment` runs window 0 once, a repeat answers the stored tips, `force`
 * replaces them in place (still one row); latest tips are for the streamer only; the summary
 * is regenerated on demand and served with the VOD's chapters.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { roomActorType } from "../actors/room/room_actor.ts";
import { analysisActorType } from "../actors/segment/analysis_actor.ts";
import { SharedModels } from "../media/analysis/shared_models.ts";
import { AnalysisStore } from "../actors/segment/analysis_store.ts";
import { summaryActorType } from "../actors/summary/summary_actor.ts";
import { createLogger } from "../engine/log.ts";
import { analysisRoutes } from "../edge/routes/analysis.ts";
import { MediaError } from "../media/errors.ts";
import { segmentKey } from "../actors/recording/storage_keys.ts";
import { startMediaStack } from "./helpers/media_stack.ts";
import { speechWithPauses, videoWithAudio } from "./helpers/speech.ts";
import { windowMedia } from "../media/analysis/window_media.ts";
import { waitForValue } from "./helpers/wait.ts";

Deno.test({
  name: "analysis API: one run per window, force replaces in place, summary on demand",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "ai-segment-api-" });
    const models = new SharedModels(() => Promise.resolve(null));
    let store!: AnalysisStore;
    const stack = await startMediaStack({
      streamers: { alice: ["roomS"] },
      extend: ({ objects, index, db }) => {
        store = new AnalysisStore(db.store);
        return {
          types: [
            roomActorType({ tickMs: 50 }),
            analysisActorType({ objects, index, store, models, media: windowMedia, llm: null }),
            summaryActorType({ index, store, llm: null }),
          ],
        };
      },
    });
    const server = (() => {
      const app = new Hono();
      app.route(
        "/",
        analysisRoutes({
          log: createLogger({ test: "ai_segment_api" }, "error"),
          auth: {
            identify: (c) => {
              const t = /^Bearer (\S+)$/.exec(c.req.header("authorization") ?? "")?.[1];
              if (!t) throw new MediaError("auth_required", "no token", 401);
              return Promise.resolve({ userId: t, name: t, kind: "user", roles: [] });
            },
            canStream: (who, room) => Promise.resolve(who.userId === "alice" && room === "roomS"),
          },
          store,
          index: stack.index,
          objects: stack.objects,
          actors: stack.actors,
          windowMs: 10_000,
        }),
      );
      return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
    })();
    const base = `http://127.0.0.1:${server.addr.port}`;
    const call = (path: string, who?: string, body?: unknown) =>
      fetch(`${base}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: {
          ...(who ? { authorization: `Bearer ${who}` } : {}),
          "content-type": "application/json",
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    try {
      const wav = await speechWithPauses(dir, ["hello everyone and welcome"], 0.5);
      const video = await videoWithAudio(dir, wav, 4);
      const ts = `${dir}/seg.ts`;
      await new Deno.Command("ffmpeg", {
        args: ["-v", "error", "-i", video, "-c", "copy", "-f", "mpegts", ts],
      }).output();
      const recordingId = "rec_api_1";
      const startAt = Date.now() - 20_000;
      const key = segmentKey("roomS", recordingId, 0);
      await stack.objects.putFile(key, ts, "video/mp2t");
      await stack.index.ensureRecording({
        id: recordingId,
        roomId: "roomS",
        streamerId: "alice",
        source: "livekit",
        startedAt: startAt,
      });
      await stack.actors.ask("segments", `${recordingId}_0`, {
        kind: "segment_ready",
        recordingId,
        roomId: "roomS",
        seq: 0,
        key,
        startAt,
        endAt: startAt + 4_000,
      });
      await stack.actors.ask("rooms", "roomS", {
        kind: "say",
        actor: { userId: "bob", name: "bob", kind: "user", roles: [] },
        text: "how much is it?",
      });

      const denied = await call("/api/analysis/segment", "bob", { recordingId, window: 0 });
      assert.equal(denied.status, 403);
      await denied.body?.cancel();
      const bad = await call("/api/analysis/segment", "alice", { recordingId, window: -1 });
      assert.equal((await bad.json()).error.code, "invalid_request");

      const first = await call("/api/analysis/segment", "alice", { recordingId, window: 0 });
      assert.equal(first.status, 202);
      await first.body?.cancel();
      const waitRow = (run: number) =>
        waitForValue(`tips of run ${run}`, async () => {
          const row = await store.tips(recordingId, 0);
          return row && row.run === run ? row : undefined;
        }, { timeoutMs: 20_000 });
      const row = await waitRow(1);
      assert.equal(row.source, "local");
      assert.ok(row.tips.length >= 3 && row.tips.length <= 5);
      assert.ok(row.frames >= 1);
      assert.ok(row.speechRatio > 0);
      // the voice measured locally (no audio LLM: no emotion)
      assert.equal(row.voice?.source, "local");
      assert.ok(row.voice.loudnessDb !== null && row.voice.speechSeconds > 0);
      assert.equal(row.voice.emotion, undefined);

      const again = await call("/api/analysis/segment", "alice", { recordingId, window: 0 });
      assert.equal(again.status, 200);
      const body = await again.json();
      assert.equal(body.status, "done");
      assert.equal(body.tips.run, 1);

      const forced = await call("/api/analysis/segment", "alice", {
        recordingId,
        window: 0,
        force: true,
      });
      assert.equal(forced.status, 202);
      await forced.body?.cancel();
      await waitRow(2);
      assert.equal((await store.tipsOfRecording(recordingId)).length, 1);

      const latest = await (await call("/api/analysis/tips/latest?room=roomS&limit=5", "alice"))
        .json();
      assert.deepEqual(latest.tips.map((t: { window: number }) => t.window), [0]);
      const latestDenied = await call("/api/analysis/tips/latest?room=roomS", "bob");
      assert.equal(latestDenied.status, 403);
      await latestDenied.body?.cancel();

      const sum = await call(`/api/analysis/summary/${recordingId}`, "alice", {});
      assert.equal(sum.status, 202);
      await sum.body?.cancel();
      await waitForValue(
        "the summary is stored",
        async () => (await store.summary(recordingId)) ? true : undefined,
        { timeoutMs: 10_000 },
      );
      const vod = await (await call(`/api/analysis/recordings/${recordingId}`)).json();
      assert.equal(vod.source, "local");
      assert.ok(Array.isArray(vod.chapters) && vod.chapters.length >= 1);
      assert.equal(typeof vod.summary, "string");
    } finally {
      await server.shutdown();
      await stack.close();
      await models.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
