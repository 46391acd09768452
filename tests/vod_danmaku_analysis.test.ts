/**
 * The coaching analysis of a busy window reads the window's chat from the danmaku archive:
 * 300 messages in one window (the room itself keeps only its last 200) all reach the
 * analysis (the stored row counts them), on real Postgres, MinIO and ffmpeg.
 */
import { RoomClient } from "../actors/room/client.ts";
import assert from "node:assert/strict";
import { DanmakuArchiveReader, DanmakuArchiveWriter } from "../actors/room/danmaku_archive.ts";
import { roomActorType } from "../actors/room/room_actor.ts";
import { analysisActorType } from "../actors/segment/analysis_actor.ts";
import { SharedModels } from "../media/analysis/shared_models.ts";
import { AnalysisStore } from "../actors/segment/analysis_store.ts";
import { h264AacArgs, runFfmpeg, synthAvInputArgs } from "../media/ffmpeg.ts";
import { segmentKey } from "../actors/recording/storage_keys.ts";
import { startMediaStack } from "./helpers/media_stack.ts";
import { segmentRow } from "./helpers/vod_fixture.ts";
import { windowMedia } from "../media/analysis/window_media.ts";
import { waitForValue } from "./helpers/wait.ts";

const ROOM = "busyroom";
const MESSAGES = 300;

Deno.test({
  name: "analysis: a busy window gets all its danmaku from the archive, not the room's 200",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "vod-danmaku-analysis-" });
    const models = new SharedModels(() => Promise.resolve(null));
    let store!: AnalysisStore;
    let writer!: DanmakuArchiveWriter;
    const stack = await startMediaStack({
      streamers: { alice: [ROOM] },
      extend: ({ objects, index, db }) => {
        store = new AnalysisStore(db.store);
        writer = new DanmakuArchiveWriter(db.store);
        return {
          types: [
            roomActorType({
              tickMs: 20,
              ai: false,
              rateLimit: { burst: 1000, refillPerSec: 1000 },
              archive: writer,
            }),
            analysisActorType({
              objects,
              index,
              store,
              models,
              media: windowMedia,
              llm: null,
              danmaku: new DanmakuArchiveReader(db.store),
            }),
          ],
        };
      },
    });
    try {
      const recordingId = "rec_busy_1";
      const startAt = Date.now() - 5_000;
      const windowMs = 120_000;
      await stack.index.ensureRecording({
        id: recordingId,
        roomId: ROOM,
        streamerId: "alice",
        source: "livekit",
        startedAt: startAt,
      });
      await runFfmpeg([...synthAvInputArgs(2), ...h264AacArgs(2), "-f", "mpegts", `${dir}/s.ts`]);
      const key = segmentKey(ROOM, recordingId, 0);
      await stack.objects.putFile(key, `${dir}/s.ts`, "video/mp2t");
      await stack.index.putSegment({
        ...segmentRow({ recordingId, seq: 0, roomId: ROOM, key, startAt, durationMs: 2_000 }),
        streamerId: "alice",
        bytes: (await Deno.stat(`${dir}/s.ts`)).size,
      });
      for (let i = 0; i < MESSAGES; i++) {
        const actor = { userId: `u${i % 40}`, name: `viewer${i % 40}`, kind: "user", roles: [] };
        await stack.actors.ask("rooms", ROOM, { kind: "say", actor, text: `question ${i} hi` });
      }
      // Every batch published and archived ...
      await waitForValue("every message archived", async () => {
        assert.ok(await writer.flush(10_000));
        return writer.stats().written >= MESSAGES ? true : undefined;
      }, { timeoutMs: 10_000, stepMs: 50 });
      assert.equal(writer.stats().written, MESSAGES);
      // ... while the room's own window holds the newest 200 only.
      const roomWindow = await new RoomClient(stack.actors).window(ROOM, {
        from: startAt,
        to: startAt + windowMs,
      });
      assert.equal(roomWindow.danmaku.length, 200);

      await stack.actors.ask("analysis", `${recordingId}_w0`, {
        kind: "analyse",
        recordingId,
        roomId: ROOM,
        window: 0,
        startAt,
        endAt: startAt + windowMs,
        recordingStartAt: startAt,
      });
      const row = await waitForValue(
        "the window was analysed",
        async () => (await store.tips(recordingId, 0)) ?? undefined,
        { timeoutMs: 30_000 },
      );
      assert.equal(row.danmaku, MESSAGES);
    } finally {
      await writer?.close();
      await stack.close();
      await models.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
