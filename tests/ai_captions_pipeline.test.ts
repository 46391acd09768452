/**
 * Captions, coaching tips and the summary through the real recorder path: a streamer
 * publishes espeak-ng speech and a test pattern into livekit-server; the recorder agent
 * writes segments to MinIO; live captions (Silero VAD → pocketsphinx) reach the room's
 * batches and SQL; SegmentActors index segments and close analysis windows; each window's
 * AnalysisActor stores its tips once (crashed once after storing), asking the fake OpenAI
 * server with the window's key frames and danmaku; when the stream ends the SummaryActor
 * (crashed once mid-way) stores one summary with chapters and the WebVTT track is stored.
 */
import { RoomClient } from "../actors/room/client.ts";
import assert from "node:assert/strict";
import { roomActorType } from "../actors/room/room_actor.ts";
import { captionCommand, type RoomBatch } from "../actors/room/contract.ts";
import { analysisActorType } from "../actors/segment/analysis_actor.ts";
import { SharedModels } from "../media/analysis/shared_models.ts";
import { AnalysisStore } from "../actors/segment/analysis_store.ts";
import { analysisTrigger } from "../actors/segment/analysis_trigger.ts";
import { summaryActorType } from "../actors/summary/summary_actor.ts";
import { onRecordingFinished } from "../actors/summary/summary_trigger.ts";
import { PocketsphinxRecogniser } from "../media/audio/asr.ts";
import { SileroVad } from "../media/audio/vad.ts";
import { LiveCaptions } from "../media/recorder/captions.ts";
import { captionsKey } from "../actors/recording/storage_keys.ts";
import { createLogger } from "../engine/log.ts";
import { testLlm } from "./helpers/ai_llm.ts";
import {
  type ChatMessage,
  imageParts,
  promptText,
  startFakeOpenAi,
} from "./helpers/fake_openai.ts";
import { startSyntheticStreamer } from "./helpers/livekit.ts";
import { startMediaStack } from "./helpers/media_stack.ts";
import { speechWithPauses, STREAMER_PHRASES } from "./helpers/speech.ts";
import { windowMedia } from "../media/analysis/window_media.ts";

const SENTENCES = STREAMER_PHRASES.slice(0, 3);
const WINDOW_MS = 8_000;

/** 48 kHz mono s16 samples of the sentences with pauses. */
async function speech48k(dir: string): Promise<Int16Array> {
  const wav = await speechWithPauses(dir, SENTENCES, 1.2);
  const out = await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-i", wav, "-ac", "1", "-ar", "48000", "-f", "s16le", "pipe:1"],
    stdout: "piped",
  }).output();
  return new Int16Array(out.stdout.buffer, out.stdout.byteOffset, out.stdout.byteLength / 2);
}

function chatReply(messages: ChatMessage[]): string {
  const system = String(messages[0]?.content ?? "");
  if (system.includes("summary")) {
    return JSON.stringify({
      summary: "The streamer welcomed viewers and showed the new camera.",
      chapters: [{ title: "Welcome", startMs: 0 }, { title: "The camera", startMs: 5_000 }],
    });
  }
  return JSON.stringify({
    tips: [
      { text: "Answer the price question now", type: "product", tags: ["price"], score: 0.9 },
      { text: "Greet the newcomers by name", type: "welcome", tags: ["greeting"], score: 0.7 },
      { text: "Ask an either-or question", type: "interaction", tags: ["chat"], score: 0.5 },
    ],
  });
}

const words = (s: string) => new Set(s.toLowerCase().match(/[a-z]+/g) ?? []);

Deno.test({
  name: "ai captions + segment tips + summary through the recorder (crash-resumed, stored once)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "ai-captions-" });
    const fake = startFakeOpenAi();
    fake.chatReply = chatReply;
    const llm = testLlm(fake.url);
    const log = createLogger({ test: "ai_captions" }, "error");
    const models = new SharedModels(() => Promise.resolve(new PocketsphinxRecogniser()));
    const crashes: string[] = [];
    let store!: AnalysisStore;
    const stack = await startMediaStack({
      withLivekit: true,
      streamers: { alice: ["roomC"] },
      extend: ({ objects, index, db }) => {
        store = new AnalysisStore(db.store);
        return {
          types: [
            roomActorType({ tickMs: 50 }),
            analysisActorType({
              objects,
              index,
              store,
              models,
              media: windowMedia,
              llm,
              resumeAfterMs: 300,
              afterStep: (step, id, run) => {
                // Killed right after its tips were stored: the resumed run must not redo them.
                if (step === "stored" && id.endsWith("_w0") && run === 1 && !crashes.includes(id)) {
                  crashes.push(id);
                  throw new Error("injected crash after storing tips");
                }
              },
            }),
            summaryActorType({
              index,
              store,
              llm,
              resumeAfterMs: 300,
              afterStep: (step, id) => {
                if (step === "material" && !crashes.includes(id)) {
                  crashes.push(id);
                  throw new Error("injected crash after gathering material");
                }
              },
            }),
          ],
          segment: { afterIndex: analysisTrigger(index, WINDOW_MS) },
        };
      },
    });
    const batches: RoomBatch[] = [];
    const sub = stack.transport.subscribe("rooms.out.roomC", (m) => {
      batches.push(JSON.parse(new TextDecoder().decode(m.data)));
    });
    const finished = Promise.withResolvers<void>();
    const captions = new LiveCaptions({
      events: stack.manager.events,
      objects: stack.objects,
      loadVad: () => SileroVad.load(),
      recogniser: () => models.recogniser(),
      saveCue: (cue) => store.putCaption(cue),
      sendCue: async (cue) => {
        await new RoomClient(stack.actors).caption(cue.roomId, captionCommand(cue));
      },
      onFinished: (recordingId) =>
        void onRecordingFinished({
          index: stack.index,
          actors: { tell: (t, id, msg) => void stack.actors.ask(t, id, msg).catch(() => {}) },
          windowMs: WINDOW_MS,
        }, recordingId).then(finished.resolve, finished.reject),
      log,
    });
    let streamer: Awaited<ReturnType<typeof startSyntheticStreamer>> | undefined;
    try {
      const audio = await speech48k(dir);
      const tokenRes = await fetch(`${stack.baseUrl}/api/media/token?roomId=roomC&role=streamer`, {
        headers: { authorization: "Bearer alice" },
      });
      const { token, url } = await tokenRes.json();
      const bob = { userId: "bob", name: "bob", kind: "user", roles: [] };
      streamer = await startSyntheticStreamer(url, token, { audio });
      const started = await stack.manager.events.next((e) => e.type === "recording_started");
      const recordingId = started.recordingId;
      // Chat during the first window.
      for (const text of ["hi everyone, first time here", "how much is the camera?"]) {
        await stack.actors.ask("rooms", "roomC", { kind: "say", actor: bob, text });
      }
      // Two and a bit windows of media, then the streamer leaves.
      await stack.manager.events.next(
        (e) => e.type === "segment_ready" && e.endAt - started.at >= WINDOW_MS * 2 + 1_000,
        40_000,
      );
      await streamer.stop();
      await stack.manager.events.next((e) => e.type === "recording_stopped", 30_000);
      await stack.media.settled();
      await captions.settled();
      await finished.promise;

      // Summary and every window's tips, once each.
      const deadline = Date.now() + 40_000;
      const rec = (await stack.index.recording(recordingId))!;
      const segs = await stack.index.segments(recordingId);
      const lastWindow = Math.floor((segs.at(-1)!.startAt - rec.startedAt) / WINDOW_MS);
      while (Date.now() < deadline) {
        const tips = await store.tipsOfRecording(recordingId);
        const summary = await store.summary(recordingId);
        if (tips.length === lastWindow + 1 && summary) break;
        await new Promise((r) => setTimeout(r, 300));
      }
      // Captions: in the room's batches, in SQL, in the WebVTT; words overlap the speech.
      const captionEvents = batches.flatMap((b) => b.events).filter((e) => e.t === "caption");
      assert.ok(captionEvents.length >= 1, "caption events reached the room");
      const cues = await store.captions(recordingId);
      assert.equal(cues.length, captionEvents.length);
      const heard = words(cues.map((c) => c.text).join(" "));
      const spoken = words(SENTENCES.join(" "));
      const overlap = [...heard].filter((w) => spoken.has(w));
      assert.ok(overlap.length >= 3, `recognised ${[...heard].join(" ")}`);
      const vtt = await stack.objects.getText(captionsKey("roomC", recordingId));
      assert.ok(vtt?.startsWith("WEBVTT"));
      assert.ok(vtt?.includes(cues[0].text));

      // Tips: one row per window, first run only, LLM-sourced, asked once per window.
      const tips = await store.tipsOfRecording(recordingId);
      assert.deepEqual(tips.map((t) => t.window), [...Array(lastWindow + 1).keys()]);
      assert.ok(tips.every((t) => t.run === 1 && t.source === "llm" && t.tips.length === 3));
      assert.ok(crashes.includes(`${recordingId}_w0`), "window 0 was killed after storing");
      const tipRequests = fake.requests.filter((r) =>
        r.path.endsWith("/chat/completions") && promptText(r).includes("key frames attached")
      );
      assert.equal(tipRequests.length, tips.length, "one LLM call per window, none repeated");
      for (const req of tipRequests) {
        assert.equal(req.body.model, "test-model");
        const seq = Number(/Window (\d+) of the stream/.exec(promptText(req))?.[1]);
        const row = tips.find((t) => t.window === seq)!;
        assert.equal(imageParts(req), row.frames);
        assert.ok(row.frames >= 1 && row.frames <= 24);
      }
      const w0 = tipRequests.find((r) => promptText(r).includes("Window 0 "))!;
      assert.ok(promptText(w0).includes("bob: how much is the camera?"));
      assert.equal(tips[0].danmaku, 2);

      // Summary: once, after a crash mid-way.
      assert.ok(crashes.includes(recordingId));
      const summary = (await store.summary(recordingId))!;
      assert.equal(summary.run, 1);
      assert.equal(summary.source, "llm");
      assert.equal(summary.chapters[0].title, "Welcome");
      const summaryRequests = fake.requests.filter((r) =>
        String((r.body.messages as ChatMessage[])[0].content).includes("summary")
      );
      assert.equal(summaryRequests.length, 1);
    } finally {
      await streamer?.stop();
      await captions.close();
      sub.unsubscribe();
      await stack.close();
      await models.close();
      await fake.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
