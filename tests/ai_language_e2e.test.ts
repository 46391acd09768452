/**
 * End to end on real MinIO + Postgres, ffmpeg, Silero VAD and PP-OCRv4, with the local
 * OpenAI-compatible stand-in as LLM and transcription endpoint:
 * - a Chinese stream (Chinese chat in the room, Mandarin espeak-ng speech, "限时特价 ¥59" on
 *   screen from 14 s to 26 s): its window's speech goes to the transcription endpoint as
 *   `language=zh` and comes back Chinese (the stand-in matches the phrases the test
 *   synthesised), its 3–5 tips are Chinese in the Douyin document's style, its summary and
 *   chapters Chinese; the VOD search finds 特价 on screen at the right time;
 * - an English stream stays English (tips and summary), its speech is sent as `en`.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { roomActorType } from "../actors/room/room_actor.ts";
import { analysisActorType } from "../actors/segment/analysis_actor.ts";
import { ANALYSIS_ACTOR_TYPE, analysisActorId } from "../actors/segment/analysis_messages.ts";
import { analyseCommand } from "../actors/segment/analysis_trigger.ts";
import { AnalysisStore } from "../actors/segment/analysis_store.ts";
import { summaryActorType } from "../actors/summary/summary_actor.ts";
import { SUMMARY_ACTOR_TYPE } from "../actors/summary/address.ts";
import { segmentKey } from "../actors/recording/storage_keys.ts";
import { absoluteClaims, hasCallToAction } from "../actors/ai/coaching_style.ts";
import { createLogger } from "../engine/log.ts";
import { analysisRoutes } from "../edge/routes/analysis.ts";
import { SharedModels } from "../media/analysis/shared_models.ts";
import { windowMedia } from "../media/analysis/window_media.ts";
import { createRecogniser } from "../media/audio/asr.ts";
import { decodeSpeech16k } from "../media/audio/speech_audio.ts";
import { MediaError } from "../media/errors.ts";
import { startMediaStack } from "./helpers/media_stack.ts";
import { speechWithPauses } from "./helpers/speech.ts";
import { CJK_FONT } from "./helpers/text_frame.ts";
import { startFakeOpenAi } from "./helpers/fake_openai.ts";
import { languageFollowingReply } from "./helpers/fake_llm_answers.ts";
import { PhraseMatcher } from "./helpers/phrase_matcher.ts";
import { segmentRow } from "./helpers/vod_fixture.ts";
import { testLlm } from "./helpers/ai_llm.ts";
import { waitForValue } from "./helpers/wait.ts";

const HAN = /\p{Script=Han}/u;
const WINDOW_MS = 60_000;
const SECONDS = 30;

/** A 30 s MPEG-TS recording: `text` on screen in [14 s, 26 s) over a plain background. */
async function recordingTs(dir: string, name: string, speech: string, text?: string) {
  const esc = (s: string) => s.replace(/[\\':%]/g, (c) => `\\${c}`);
  const draw = text
    ? [
      "-vf",
      `drawtext=fontfile=${CJK_FONT}:text='${esc(text)}':fontsize=40:fontcolor=white:` +
      `x=40:y=120:enable='between(t,14,26)'`,
    ]
    : [];
  const path = `${dir}/${name}.ts`;
  const out = await new Deno.Command("ffmpeg", {
    args: [
      ...["-hide_banner", "-v", "error", "-y"],
      ...["-f", "lavfi", "-i", `color=c=0x203040:s=640x360:r=10:d=${SECONDS}`],
      ...["-i", speech, "-af", "apad", "-t", String(SECONDS)],
      ...draw,
      ...["-c:v", "libx264", "-preset", "ultrafast", "-g", "20", "-pix_fmt", "yuv420p"],
      ...["-c:a", "aac", "-ar", "48000", "-f", "mpegts", path],
    ],
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return path;
}

Deno.test({
  name:
    "language e2e: a Chinese stream is coached and summarised in Chinese, an English one in English; OCR search finds 特价",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "ai-language-e2e-" });
    const fake = startFakeOpenAi();
    fake.chatReply = (messages) => languageFollowingReply(messages);
    const ear = new PhraseMatcher();
    fake.recognise = (audio) => ear.recognise(audio);
    const llm = testLlm(fake.url, { timeoutMs: 30_000 });
    const models = new SharedModels(
      () =>
        createRecogniser({
          ASR_ENGINE: "remote",
          ASR_BASE_URL: fake.url,
          ASR_MODEL: "sensevoice-small",
          ASR_API_KEY: "test",
          LLM_TIMEOUT_MS: 30_000,
        }),
      { ocr: true },
    );
    let store!: AnalysisStore;
    const stack = await startMediaStack({
      streamers: { alice: ["roomZh"], bob: ["roomEn"] },
      extend: ({ objects, index, db }) => {
        store = new AnalysisStore(db.store);
        return {
          types: [
            roomActorType({ tickMs: 50 }),
            analysisActorType({ objects, index, store, models, media: windowMedia, llm }),
            summaryActorType({ index, store, llm }),
          ],
        };
      },
    });
    const app = new Hono();
    app.route(
      "/",
      analysisRoutes({
        log: createLogger({ test: "ai_language_e2e" }, "error"),
        auth: {
          identify: () => Promise.reject(new MediaError("auth_required", "no token", 401)),
          canStream: () => Promise.resolve(false),
        },
        store,
        index: stack.index,
        objects: stack.objects,
        actors: stack.actors,
        windowMs: WINDOW_MS,
      }),
    );
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
    const base = `http://127.0.0.1:${server.addr.port}`;

    /** Records, chats, analyses window 0 and summarises one stream; returns the rows. */
    const stream = async (o: {
      roomId: string;
      recordingId: string;
      voice: string;
      phrases: string[];
      chat: string[];
      screen?: string;
    }) => {
      const sub = `${dir}/${o.recordingId}`;
      await Deno.mkdir(sub);
      const speech = await speechWithPauses(sub, o.phrases, 1.2, o.voice);
      // the stand-in knows exactly the phrases synthesised here
      for (const [i, p] of o.phrases.entries()) {
        ear.add(p, await decodeSpeech16k(`${sub}/s${i}.wav`, 0));
      }
      const ts = await recordingTs(sub, "seg", speech, o.screen);
      const startedAt = Date.now() - 40_000;
      const key = segmentKey(o.roomId, o.recordingId, 0);
      await stack.objects.putFile(key, ts, "video/mp2t");
      await stack.index.ensureRecording({
        id: o.recordingId,
        roomId: o.roomId,
        streamerId: null,
        source: "livekit",
        startedAt,
      });
      await stack.index.putSegment(segmentRow({
        recordingId: o.recordingId,
        seq: 0,
        roomId: o.roomId,
        key,
        startAt: startedAt,
        durationMs: SECONDS * 1000,
      }));
      for (const [i, text] of o.chat.entries()) {
        await stack.actors.ask("rooms", o.roomId, {
          kind: "say",
          actor: { userId: `v${i}`, name: `viewer${i}`, kind: "user", roles: [] },
          text,
        });
      }
      const rec = { id: o.recordingId, roomId: o.roomId, startedAt };
      await stack.actors.ask(
        ANALYSIS_ACTOR_TYPE,
        analysisActorId(o.recordingId, 0),
        analyseCommand(rec, 0, WINDOW_MS),
      );
      const tips = await waitForValue(`tips of ${o.recordingId}`, async () => {
        const row = await store.tips(o.recordingId, 0);
        return row ?? undefined;
      }, { timeoutMs: 240_000 });
      await stack.actors.ask(SUMMARY_ACTOR_TYPE, o.recordingId, { kind: "summarise" });
      const summary = await waitForValue(`summary of ${o.recordingId}`, async () => {
        return (await store.summary(o.recordingId)) ?? undefined;
      }, { timeoutMs: 60_000 });
      return { tips, summary };
    };

    try {
      const zhPhrases = ["今天给大家介绍这款保温杯", "现在下单有优惠"];
      const zh = await stream({
        roomId: "roomZh",
        recordingId: "rec_zh",
        voice: "cmn",
        phrases: zhPhrases,
        chat: ["主播晚上好", "第一次来", "这个多少钱？", "什么时候发货？", "颜色好看", "链接在哪"],
        screen: "限时特价 ¥59",
      });
      const zhAsr = fake.requests.filter((r) => r.path.endsWith("/audio/transcriptions"));
      assert.ok(zhAsr.length > 0, "the window's speech went to the transcription endpoint");
      assert.ok(
        zhAsr.every((r) => r.body.language === "zh"),
        JSON.stringify(zhAsr.map((r) => r.body)),
      );
      assert.ok(
        zhPhrases.some((p) => zh.tips.transcript.includes(p)),
        `Chinese speech recognised: "${zh.tips.transcript}" ${JSON.stringify(ear.log)}`,
      );
      assert.equal(zh.tips.language, "zh-CN");
      assert.equal(zh.tips.source, "llm");
      assert.ok(zh.tips.tips.length >= 3 && zh.tips.tips.length <= 5);
      for (const t of zh.tips.tips) {
        assert.ok(HAN.test(t.text), t.text);
        assert.ok(hasCallToAction(t.text, "zh-CN"), `call to action: ${t.text}`);
        assert.deepEqual(absoluteClaims(t.text), [], t.text);
      }
      assert.ok(zh.tips.screenText.some((l) => l.includes("特价")), zh.tips.screenText.join("|"));
      assert.equal(zh.summary.language, "zh-CN");
      assert.ok(HAN.test(zh.summary.summary), zh.summary.summary);
      assert.ok(zh.summary.chapters.every((c) => HAN.test(c.title)), JSON.stringify(zh.summary));

      // the VOD search: 特价 was on screen from 14 s to 26 s; key frames are 10 s apart
      const res = await fetch(
        `${base}/api/analysis/recordings/rec_zh/search?q=${encodeURIComponent("特价")}`,
      );
      assert.equal(res.status, 200);
      const found = await res.json();
      const screen = found.hits.filter((h: { kind: string }) => h.kind === "screen");
      assert.equal(screen.length, 1, JSON.stringify(found));
      assert.ok(
        screen[0].offsetMs >= 14_000 && screen[0].untilMs < 26_000,
        `seen at ${screen[0].offsetMs}-${screen[0].untilMs} ms`,
      );
      const none = await (await fetch(`${base}/api/analysis/recordings/rec_zh/search?q=nothing`))
        .json();
      assert.deepEqual(none.hits, []);
      const bad = await fetch(`${base}/api/analysis/recordings/rec_zh/search?q=`);
      assert.equal((await bad.json()).error.code, "invalid_request");

      const asked = fake.requests.length;
      const en = await stream({
        roomId: "roomEn",
        recordingId: "rec_en",
        voice: "en-us",
        phrases: ["today I show you this bottle", "it keeps drinks hot all day"],
        chat: ["hi everyone", "first time here", "how much is it?", "does it ship to Canada?"],
      });
      const enAsr = fake.requests.slice(asked).filter((r) =>
        r.path.endsWith("/audio/transcriptions")
      );
      assert.ok(enAsr.length > 0 && enAsr.every((r) => r.body.language === "en"));
      assert.ok(
        ["today I show you this bottle", "it keeps drinks hot all day"].some((p) =>
          en.tips.transcript.includes(p)
        ) && !HAN.test(en.tips.transcript),
        `English speech recognised as English: "${en.tips.transcript}"`,
      );
      assert.equal(en.tips.language, "en");
      for (const t of en.tips.tips) {
        assert.ok(!HAN.test(t.text) && hasCallToAction(t.text, "en"), t.text);
      }
      assert.equal(en.summary.language, "en");
      assert.ok(!HAN.test(en.summary.summary + en.summary.chapters.map((c) => c.title).join()));
    } finally {
      await server.shutdown();
      await models.close();
      await stack.close();
      await fake.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
