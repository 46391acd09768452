/**
 * A streamer speaking espeak-ng phrases into livekit-server while the real recorder records
 * the room and LiveCaptions (live path, or the segment path when `live` is false) sends
 * caption cues to a real room actor. Each phrase starts right after a `segment_ready`, so it
 * sits inside one recorded segment. A wait for an event that an action causes starts before
 * the action (a wait misses an event that came before it). Everything seen (captions in the
 * room's batches, segments ready) is logged in one ordered list with arrival times. Used by
 * tests/ai_live_captions.test.ts (order and content) and tests/bench/caption_latency.ts
 * (delay from the end of a phrase to its caption, live vs segment path).
 */
import assert from "node:assert/strict";
import { RoomClient } from "../../actors/room/client.ts";
import {
  AudioFrame,
  AudioSource,
  type Room,
  VideoBufferType,
  VideoFrame,
  VideoSource,
} from "@livekit/rtc-node";
import { roomActorType } from "../../actors/room/room_actor.ts";
import { captionCommand, type RoomBatch } from "../../actors/room/contract.ts";
import { AnalysisStore, type CaptionRow } from "../../actors/segment/analysis_store.ts";
import { PocketsphinxRecogniser, type Recogniser } from "../../media/audio/asr.ts";
import { SileroVad } from "../../media/audio/vad.ts";
import { LiveCaptions } from "../../media/recorder/captions.ts";
import { captionsKey } from "../../actors/recording/storage_keys.ts";
import type { RecordingEvent, SegmentReady } from "../../media/recorder/events.ts";
import { createLogger } from "../../engine/log.ts";
import { issueToken } from "../../media/livekit/tokens.ts";
import { joinAndPublish } from "./livekit.ts";
import { startMediaStack } from "./media_stack.ts";
import { speak } from "./speech.ts";

export interface Phrase {
  text: string;
  /** Who said it: the streamer (`alice`) or a guest on stage. */
  speaker: string;
  /** Wall clock when its first / last sample left the streamer (queued audio included). */
  startAt: number;
  endAt: number;
}

export type Seen =
  | { kind: "caption"; arrivedAt: number; cue: Omit<CaptionRow, "roomId"> }
  | { kind: "segment"; arrivedAt: number; seg: SegmentReady };

export interface ScenarioResult {
  recordingId: string;
  phrases: Phrase[];
  log: Seen[];
  /** Stored rows and the WebVTT track after the recording stopped. */
  stored: CaptionRow[];
  vtt: string | undefined;
  firstSegmentAt: number;
  live: boolean;
  metrics?: ReturnType<LiveCaptions["liveMetrics"]>;
}

export async function pcm48k(wav: string): Promise<Int16Array> {
  const out = await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-i", wav, "-ac", "1", "-ar", "48000", "-f", "s16le", "pipe:1"],
    stdout: "piped",
  }).output();
  if (!out.success) throw new Error("ffmpeg could not convert the phrase");
  return new Int16Array(out.stdout.buffer, out.stdout.byteOffset, out.stdout.byteLength / 2);
}

interface Said {
  pcm: Int16Array;
  done: (p: { startAt: number; endAt: number }) => void;
}

/** Publishes silence, and a phrase when asked; knows when each phrase left. */
export class SpeakingStreamer {
  #room?: Room;
  readonly #audio = new AudioSource(48_000, 1, 100);
  readonly #video = new VideoSource(160, 120);
  #queue: Said[] = [];
  #running = true;
  #loop?: Promise<void>;
  #timer?: ReturnType<typeof setInterval>;

  async start(url: string, token: string): Promise<void> {
    this.#room = await joinAndPublish(url, token, this.#video, this.#audio);
    let n = 0;
    this.#timer = setInterval(() => {
      const data = new Uint8Array(160 * 120 * 3 / 2).fill((n++ * 7) & 0xff, 0, 160 * 120);
      data.fill(128, 160 * 120);
      this.#video.captureFrame(new VideoFrame(data, 160, 120, VideoBufferType.I420));
    }, 100);
    this.#loop = this.#pump();
  }

  async #pump(): Promise<void> {
    const samples = 480;
    let cur: Said | undefined;
    let pos = 0;
    let startAt = 0;
    while (this.#running) {
      if (!cur && this.#queue.length > 0) {
        cur = this.#queue.shift()!;
        pos = 0;
        startAt = Date.now() + this.#audio.queuedDuration;
      }
      const frame = AudioFrame.create(48_000, 1, samples);
      if (cur) {
        frame.data.set(cur.pcm.subarray(pos, pos + samples));
        pos += samples;
      }
      await this.#audio.captureFrame(frame);
      if (cur && pos >= cur.pcm.length) {
        cur.done({ startAt, endAt: Date.now() + this.#audio.queuedDuration });
        cur = undefined;
      }
    }
  }

  say(pcm: Int16Array): Promise<{ startAt: number; endAt: number }> {
    return new Promise((done) => this.#queue.push({ pcm, done }));
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    clearInterval(this.#timer);
    await this.#loop?.catch(() => {});
    await this.#room?.disconnect().catch(() => {});
    await this.#audio.close().catch(() => {});
    await this.#video.close().catch(() => {});
  }
}

export async function runCaptionScenario(opts: {
  phrases: string[];
  /** Per phrase, who says it: `alice` (the streamer, default) or a guest's identity, who
   * joins with a LiveKit guest token (as accepted on stage) named after it, capitalised. */
  speakers?: string[];
  /** Live path (recorder audio) or the segment path. */
  live: boolean;
  segmentSeconds?: number;
  recogniser?: () => Promise<Recogniser | null>;
  maxUtteranceMs?: number;
  /** Segments recorded after the last phrase (default 2: the segment path needs one more). */
  tailSegments?: number;
}): Promise<ScenarioResult> {
  const dir = await Deno.makeTempDir({ prefix: "live-captions-" });
  const log = createLogger({ test: "live_captions" }, "error");
  let store!: AnalysisStore;
  const stack = await startMediaStack({
    withLivekit: true,
    streamers: { alice: ["roomL"] },
    manager: { segmentSeconds: opts.segmentSeconds ?? 6 },
    extend: ({ db }) => {
      store = new AnalysisStore(db.store);
      return { types: [roomActorType({ tickMs: 50 })] };
    },
  });
  const seen: Seen[] = [];
  const sub = stack.transport.subscribe("rooms.out.roomL", (m) => {
    const batch: RoomBatch = JSON.parse(new TextDecoder().decode(m.data));
    const arrivedAt = Date.now();
    for (const e of batch.events) {
      if (e.t === "caption") seen.push({ kind: "caption", arrivedAt, cue: e.c });
    }
  });
  const t0 = Date.now();
  const timeline: string[] = [];
  const offSeg = stack.manager.events.subscribe((e) => {
    timeline.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${e.type}`);
    if (e.type === "segment_ready") seen.push({ kind: "segment", arrivedAt: Date.now(), seg: e });
  });
  /** The next recording event `pred` matches; a timeout says what was awaited and what came. */
  const next = async <E extends RecordingEvent>(
    what: string,
    pred: (e: RecordingEvent) => e is E,
    ms = 30_000,
  ): Promise<E> => {
    try {
      return await stack.manager.events.next(pred, ms);
    } catch (err) {
      throw new Error(
        `${what}: ${(err as Error).message} (at ${((Date.now() - t0) / 1000).toFixed(1)}s; ` +
          `events so far: ${timeline.join(", ") || "none"})`,
      );
    }
  };
  const asr = new PocketsphinxRecogniser();
  const captions = new LiveCaptions({
    events: stack.manager.events,
    audio: opts.live ? stack.manager.audio : undefined,
    maxUtteranceMs: opts.maxUtteranceMs ?? 4_000,
    objects: stack.objects,
    loadVad: () => SileroVad.load(),
    recogniser: opts.recogniser ?? (() => Promise.resolve(asr)),
    saveCue: (cue) => store.putCaption(cue),
    sendCue: async (cue) => {
      await new RoomClient(stack.actors).caption(cue.roomId, captionCommand(cue));
    },
    log,
  });
  const streamer = new SpeakingStreamer();
  const guests = new Map<string, SpeakingStreamer>();
  try {
    const pcms: Int16Array[] = [];
    for (const [i, text] of opts.phrases.entries()) {
      pcms.push(await pcm48k(await speak(dir, `p${i}`, text)));
    }
    const tokenRes = await fetch(`${stack.baseUrl}/api/media/token?roomId=roomL&role=streamer`, {
      headers: { authorization: "Bearer alice" },
    });
    const { token, url } = await tokenRes.json();
    // Waited for from before anyone publishes: the recording starts on the streamer's first
    // track, which on a loaded machine came before the guest below had joined, and an event
    // that has gone by is not seen by a wait that starts later (ai_speaker_captions failed so).
    const startedSoon = next(
      "recording_started",
      (e): e is Extract<RecordingEvent, { type: "recording_started" }> =>
        e.type === "recording_started",
      60_000,
    );
    startedSoon.catch(() => {}); // awaited below; not unhandled if something fails first
    await streamer.start(url, token);
    for (const id of new Set(opts.speakers ?? [])) {
      if (id === "alice") continue;
      const guest = new SpeakingStreamer();
      guests.set(id, guest);
      const name = id[0].toUpperCase() + id.slice(1);
      await guest.start(
        url,
        await issueToken(stack.settings, "guest", { roomId: "roomL", identity: id, name }),
      );
    }
    const started = await startedSoon;
    const recordingId = started.recordingId;
    const isSeg = (e: { type: string }): e is SegmentReady => e.type === "segment_ready";
    const first = await next("the first segment_ready", isSeg);
    const phrases: Phrase[] = [];
    for (const [i, text] of opts.phrases.entries()) {
      // Right after a segment boundary: the phrase ends well inside the next segment.
      if (i > 0) await next(`segment_ready before phrase ${i + 1}`, isSeg);
      const speaker = opts.speakers?.[i] ?? "alice";
      const voice = guests.get(speaker) ?? streamer;
      phrases.push({ text, speaker, ...await voice.say(pcms[i]) });
    }
    // More segments, so the segment path has had the audio after the last phrase.
    for (let i = 0; i < (opts.tailSegments ?? 2); i++) {
      await next(`tail segment_ready ${i + 1}`, isSeg);
    }
    const metrics = captions.liveMetrics(recordingId);
    const stopped = next(
      "recording_stopped",
      (e): e is Extract<RecordingEvent, { type: "recording_stopped" }> =>
        e.type === "recording_stopped",
      60_000,
    );
    stopped.catch(() => {});
    let stoppedEarly = false;
    void stopped.then(() => stoppedEarly = true, () => {});
    for (const g of guests.values()) await g.stop();
    if (guests.size > 0) {
      // Guests leaving LiveKit do not end the streamer's recording: it goes on recording.
      for (let i = 0; i < 2; i++) await next(`segment_ready ${i + 1} after the guests left`, isSeg);
      assert.ok(!stoppedEarly, "the recording stopped when a guest left");
    }
    await streamer.stop();
    await stopped;
    await captions.settled();
    // Let the room's last tick flush its batch.
    await new Promise((r) => setTimeout(r, 300));
    return {
      recordingId,
      phrases,
      log: seen,
      stored: await store.captions(recordingId),
      vtt: await stack.objects.getText(captionsKey("roomL", recordingId)),
      firstSegmentAt: first.startAt,
      live: opts.live,
      metrics,
    };
  } finally {
    for (const g of guests.values()) await g.stop();
    await streamer.stop();
    await captions.close();
    await asr.close();
    offSeg();
    sub.unsubscribe();
    await stack.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Per phrase: its first caption (by `at` inside the phrase, with slack) and the segment
 * holding its end, as indexes into the log. */
export function matchPhrases(r: ScenarioResult): {
  phrase: Phrase;
  caption?: number;
  segment?: number;
}[] {
  return r.phrases.map((phrase) => {
    const caption = r.log.findIndex((s) =>
      s.kind === "caption" && s.cue.at >= phrase.startAt - 1_000 &&
      s.cue.at <= phrase.endAt + 500
    );
    const segment = r.log.findIndex((s) =>
      s.kind === "segment" && s.seg.startAt <= phrase.endAt && phrase.endAt < s.seg.endAt
    );
    return {
      phrase,
      caption: caption < 0 ? undefined : caption,
      segment: segment < 0 ? undefined : segment,
    };
  });
}
