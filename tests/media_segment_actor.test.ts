/**
 * SegmentActor on a real engine, MinIO and Postgres: a good segment is probed and indexed,
 * a redelivery answers from state, a corrupt object is indexed as invalid with the reason,
 * and keys outside the recording or malformed commands are refused with stable codes.
 */
import assert from "node:assert/strict";
import {
  SEGMENT_ACTOR_TYPE,
  segmentActorId,
  type SegmentInfo,
} from "../actors/segment/messages.ts";
import { h264AacArgs, runFfmpeg, synthAvInputArgs } from "../media/ffmpeg.ts";
import { segmentKey } from "../actors/recording/storage_keys.ts";
import { startMediaStack } from "./helpers/media_stack.ts";

Deno.test({
  name: "SegmentActor: validates with ffprobe, indexes once, refuses foreign keys",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const stack = await startMediaStack({ streamers: {} });
    const dir = await Deno.makeTempDir({ prefix: "synapse-segactor-" });
    try {
      await runFfmpeg([...synthAvInputArgs(3), ...h264AacArgs(3), "-f", "mpegts", `${dir}/a.ts`]);
      const key = segmentKey("roomS", "recS", 0);
      await stack.objects.putFile(key, `${dir}/a.ts`);
      const msg = {
        kind: "segment_ready",
        recordingId: "recS",
        roomId: "roomS",
        seq: 0,
        key,
        startAt: 1_700_000_000_000,
        endAt: 1_700_000_003_000,
        durationSec: 3,
        streamerId: "sam",
      };
      const ask = (id: string, m: unknown) =>
        stack.actors.ask<SegmentInfo | null>(SEGMENT_ACTOR_TYPE, id, m);
      const info = (await ask(segmentActorId("recS", 0), msg))!;
      assert.equal(info.valid, true);
      assert.equal(info.videoCodec, "h264");
      assert.equal(info.audioCodec, "aac");
      assert.ok(Math.abs(info.durationMs - 3000) < 150);
      const [row] = await stack.index.segments("recS");
      assert.equal(row.key, key);
      assert.equal(row.streamerId, "sam");
      assert.equal((await stack.index.recording("recS"))?.roomId, "roomS");

      // Redelivery: same answer, the object is not probed again (deleted, still fine).
      await stack.objects.delete(key);
      assert.deepEqual(await ask(segmentActorId("recS", 0), msg), info);
      assert.deepEqual(await ask(segmentActorId("recS", 0), { kind: "info" }), info);

      // A corrupt object: indexed as invalid, with the reason.
      const badKey = segmentKey("roomS", "recS", 1);
      await stack.objects.put(badKey, new Uint8Array(4096).fill(7));
      const bad = (await ask(segmentActorId("recS", 1), { ...msg, seq: 1, key: badKey }))!;
      assert.equal(bad.valid, false);
      assert.ok(bad.problem && bad.problem.length > 0);
      assert.equal((await stack.index.segments("recS")).find((r) => r.seq === 1)?.valid, false);

      // Refusals with stable codes; nothing indexed.
      await assert.rejects(
        ask(segmentActorId("recS", 2), { ...msg, seq: 2, key: segmentKey("otherRoom", "recS", 2) }),
        (e: { code?: string }) => e.code === "bad_key",
      );
      await assert.rejects(
        ask(segmentActorId("recS", 3), { ...msg, seq: 4 }),
        (e: { code?: string }) => e.code === "wrong_segment",
      );
      await assert.rejects(
        ask(segmentActorId("recS", 5), { kind: "segment_ready", seq: -1 }),
        (e: { code?: string }) => e.code === "bad_command",
      );
      assert.equal((await stack.index.segments("recS")).length, 2);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await stack.close();
    }
  },
});
