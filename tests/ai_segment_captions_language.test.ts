/**
 * Captions made from recorded segments (URL and egress recordings: no live PCM) name the
 * room's language to the transcription endpoint, as live captions do: a Chinese room's
 * utterances are sent with `language=zh`, an English room's with `language=en`. The segments
 * are real MPEG-TS files of espeak-ng speech in MinIO; the endpoint is the local
 * OpenAI-compatible stand-in, which records each request's fields.
 */
import assert from "node:assert/strict";
import { segmentKey } from "../actors/recording/storage_keys.ts";
import type { CaptionRow } from "../actors/segment/analysis_store.ts";
import { createLogger } from "../engine/log.ts";
import { createRecogniser } from "../media/audio/asr.ts";
import { SileroVad } from "../media/audio/vad.ts";
import { LiveCaptions } from "../media/recorder/captions.ts";
import { RecordingEventHub } from "../media/recorder/events.ts";
import { S3ObjectStore } from "../media/s3.ts";
import { startFakeOpenAi } from "./helpers/fake_openai.ts";
import { startMinio } from "./helpers/minio.ts";
import { speechWithPauses } from "./helpers/speech.ts";

async function tsOf(dir: string, wav: string): Promise<string> {
  const path = `${dir}/seg.ts`;
  const out = await new Deno.Command("ffmpeg", {
    args: ["-y", "-v", "error", "-i", wav, "-c:a", "aac", "-ar", "48000", "-f", "mpegts", path],
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return path;
}

Deno.test({
  name: "segment captions: a recording's segments are transcribed in its room's language",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "segment-captions-language-" });
    const fake = startFakeOpenAi();
    fake.recognise = (_audio, fields) => fields.language === "zh" ? "现在下单有优惠" : "hello";
    const minio = await startMinio();
    const objects = new S3ObjectStore({
      endpoint: minio.endpoint,
      region: minio.region,
      bucket: "segment-captions",
      accessKeyId: minio.accessKey,
      secretAccessKey: minio.secretKey,
    });
    const events = new RecordingEventHub();
    const rows: CaptionRow[] = [];
    const finished = new Map<string, () => void>();
    const languages: Record<string, string> = { roomZh: "zh-CN", roomEn: "en" };
    const captions = new LiveCaptions({
      events,
      objects,
      loadVad: () => SileroVad.load(),
      recogniser: () =>
        createRecogniser({
          ASR_ENGINE: "remote",
          ASR_BASE_URL: fake.url,
          ASR_MODEL: "sensevoice-small",
          ASR_API_KEY: "test",
          LLM_TIMEOUT_MS: 30_000,
        }),
      saveCue: (row) => Promise.resolve(void rows.push(row)),
      sendCue: () => Promise.resolve(),
      streamLanguage: (roomId) => Promise.resolve(languages[roomId]),
      onFinished: (recordingId) => finished.get(recordingId)?.(),
      log: createLogger({ test: "ai_segment_captions_language" }, "error"),
    });
    try {
      await objects.ensureBucket();
      const record = async (roomId: string, recordingId: string, voice: string, text: string) => {
        const sub = `${dir}/${recordingId}`;
        await Deno.mkdir(sub);
        const ts = await tsOf(sub, await speechWithPauses(sub, [text], 1.0, voice));
        const key = segmentKey(roomId, recordingId, 0);
        const bytes = await objects.putFile(key, ts, "video/mp2t");
        const done = new Promise<void>((r) => finished.set(recordingId, r));
        const startAt = Date.now() - 10_000;
        events.emit({
          type: "segment_ready",
          recordingId,
          roomId,
          seq: 0,
          key,
          startAt,
          endAt: startAt + 4_000,
          durationSec: 4,
          bytes,
        });
        events.emit({
          type: "recording_stopped",
          recordingId,
          roomId,
          at: Date.now(),
          reason: "stream_ended",
          segments: 1,
        });
        await done;
      };
      await record("roomZh", "rec_zh", "cmn", "今天给大家介绍这款保温杯");
      const zhAsr = fake.requests.filter((r) => r.path.endsWith("/audio/transcriptions"));
      assert.ok(zhAsr.length > 0, "the segment's speech went to the transcription endpoint");
      assert.ok(
        zhAsr.every((r) => r.body.language === "zh"),
        JSON.stringify(zhAsr.map((r) => r.body)),
      );
      assert.ok(rows.some((r) => r.recordingId === "rec_zh" && r.text === "现在下单有优惠"));

      await record("roomEn", "rec_en", "en-us", "thank you for the gifts");
      const enAsr = fake.requests.filter((r) => r.path.endsWith("/audio/transcriptions"))
        .slice(zhAsr.length);
      assert.ok(enAsr.length > 0);
      assert.ok(
        enAsr.every((r) => r.body.language === "en"),
        JSON.stringify(enAsr.map((r) => r.body)),
      );
    } finally {
      await captions.close();
      objects.close();
      await fake.close();
      await minio.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
