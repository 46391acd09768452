/**
 * Live captions from the recorder's live audio (media/audio/live_captioner.ts,
 * media/recorder/captions.ts): the 48 → 16 kHz resampler; a slow recogniser never grows the
 * queue (merges and drops counted, every utterance accounted for); a monologue without
 * pauses is cut at the maximum length; and end to end through livekit-server and the real
 * recorder: espeak-ng phrases reach the room as `caption` events, each before the recorded
 * segment holding the end of its phrase is reported ready (the segment path cannot: it
 * needs that segment), with the words heard, and the WebVTT track still stored.
 */
import assert from "node:assert/strict";
import type { Recogniser, Transcript } from "../media/audio/asr.ts";
import { LiveCaptioner, type LiveCue } from "../media/audio/live_captioner.ts";
import { To16k } from "../media/audio/resample.ts";
import { SileroVad } from "../media/audio/vad.ts";
import { matchPhrases, runCaptionScenario } from "./helpers/live_caption_scenario.ts";
import { speechWithPauses, STREAMER_PHRASES } from "./helpers/speech.ts";

const words = (s: string) => new Set(s.toLowerCase().match(/[a-z]+/g) ?? []);

async function speech48k(dir: string, sentences: string[], pause: number): Promise<Int16Array> {
  const wav = await speechWithPauses(dir, sentences, pause);
  const out = await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-i", wav, "-ac", "1", "-ar", "48000", "-f", "s16le", "pipe:1"],
    stdout: "piped",
  }).output();
  return new Int16Array(out.stdout.buffer, out.stdout.byteOffset, out.stdout.byteLength / 2);
}

function tone(hz: number, seconds: number, rate = 48_000): Int16Array {
  return Int16Array.from(
    { length: seconds * rate },
    (_, i) => Math.round(10_000 * Math.sin((2 * Math.PI * hz * i) / rate)),
  );
}

const rms = (x: Float32Array, from = 0) =>
  Math.sqrt(x.subarray(from).reduce((a, v) => a + v * v, 0) / (x.length - from));

Deno.test("resampler: 48 kHz frames → 16 kHz, same as one buffer, no aliasing", () => {
  const low = tone(1_000, 1);
  const whole = new To16k(48_000).push(low);
  const rs = new To16k(48_000);
  const parts: number[] = [];
  for (let i = 0; i < low.length; i += 480) parts.push(...rs.push(low.subarray(i, i + 480)));
  assert.equal(whole.length, 16_000);
  assert.equal(parts.length, whole.length);
  for (let i = 0; i < whole.length; i++) assert.ok(Math.abs(parts[i] - whole[i]) < 1e-5);
  // A 1 kHz tone passes (RMS of a 10000/32768 sine ≈ 0.216), a 12 kHz one is filtered out.
  assert.ok(Math.abs(rms(whole, 200) - 0.216) < 0.01, `pass band ${rms(whole, 200)}`);
  const high = new To16k(48_000).push(tone(12_000, 1));
  assert.ok(rms(high, 200) < 0.01, `stop band ${rms(high, 200)}`);
  // A rate that is not a multiple of 16 kHz still gives 16 kHz.
  assert.ok(Math.abs(new To16k(44_100).push(tone(1_000, 1, 44_100)).length - 16_000) <= 1);
});

/** A recogniser that answers only when the test lets it: as slow as the test wants. */
class GatedRecogniser implements Recogniser {
  readonly engine = "openai" as const;
  calls = 0;
  inFlight = 0;
  maxInFlight = 0;
  #open = Promise.withResolvers<void>();

  release(): void {
    this.#open.resolve();
  }

  async transcribe(pcm: Float32Array): Promise<Transcript> {
    this.calls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await this.#open.promise;
    this.inFlight--;
    return {
      text: `utterance of ${pcm.length} samples`,
      words: [],
      engine: "openai",
      source: "llm",
    };
  }
}

/** Pushes 10 ms frames; `baseMs`: the recording offset (and t0 + it the wall clock) of pcm[0]. */
function feed(c: LiveCaptioner, pcm: Int16Array, t0: number, baseMs = 0, recorded = true) {
  for (let i = 0; i < pcm.length; i += 480) {
    const ms = baseMs + (i / 48_000) * 1000;
    const ret: unknown = c.push(pcm.subarray(i, i + 480), 48_000, 1, {
      at: t0 + ms,
      vodMs: recorded ? ms : null,
    });
    assert.equal(ret, undefined, "frame intake returns at once");
  }
}

Deno.test({
  name: "live captioner: a stalled recogniser keeps the queue bounded, merges/drops counted",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "live-cap-" });
    const vad = await SileroVad.load();
    try {
      const sentences = [
        "one two three four",
        "the quick brown fox",
        "jumps over the lazy dog",
        "hello everyone welcome",
        "please ask your questions",
        "today we look at cameras",
        "thank you for watching",
        "see you next time",
      ];
      const pcm = await speech48k(dir, sentences, 0.8);
      const asr = new GatedRecogniser();
      const cues: LiveCue[] = [];
      const c = new LiveCaptioner({
        vad,
        recogniser: asr,
        maxUtteranceMs: 4_000,
        maxQueue: 2,
        onCue: (cue) => cues.push(cue),
      });
      const t0 = Date.now();
      // Fed in 1 s slices; the VAD keeps up, the recogniser is stuck on the first utterance.
      for (let i = 0; i < pcm.length; i += 48_000) {
        feed(c, pcm.subarray(i, i + 48_000), t0, i / 48);
        await c.vadIdle();
        const m = c.metrics();
        assert.ok(m.queue <= 2, `queue ${m.queue}`);
      }
      const m = c.metrics();
      assert.ok(m.utterances >= 6, `utterances ${m.utterances}`);
      assert.ok(m.queueHigh <= 2);
      assert.ok(m.merged + m.dropped >= 2, JSON.stringify(m));
      assert.ok(m.dropped >= 1, `dropped ${m.dropped}`);
      assert.equal(m.backlogDroppedMs, 0);
      assert.equal(cues.length, 0, "nothing recognised while the recogniser is stuck");
      asr.release();
      await c.end();
      const done = c.metrics();
      assert.equal(asr.maxInFlight, 1, "one recognition at a time");
      assert.equal(done.queue, 0);
      assert.equal(
        done.utterances,
        done.recognised + done.empty + done.failed + done.dropped,
        JSON.stringify(done),
      );
      assert.equal(cues.length, asr.calls);
      // Cue times come from the frames: ordered, inside the audio.
      for (const cue of cues) {
        assert.ok(cue.startMs !== null && cue.endMs !== null && cue.startMs < cue.endMs);
        assert.ok(cue.endMs! <= (pcm.length / 48) + 100);
        assert.ok(cue.startAt >= t0 && cue.startAt < cue.endAt);
      }
    } finally {
      await vad.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "live captioner: a monologue with no pauses is cut at the maximum utterance length",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "live-cap-" });
    const vad = await SileroVad.load();
    try {
      const pcm = await speech48k(dir, [
        "so here is the thing about this camera it has a very large sensor and a fast lens " +
        "and it focuses quickly even in low light which matters a lot for streaming at night",
      ], 0.3);
      const lengths: number[] = [];
      const c = new LiveCaptioner({
        vad,
        recogniser: {
          engine: "openai",
          transcribe: (p) => {
            lengths.push((p.length / 16_000) * 1000);
            return Promise.resolve({ text: "x", words: [], engine: "openai", source: "llm" });
          },
        },
        maxUtteranceMs: 2_000,
        maxQueue: 50,
        onCue: () => {},
      });
      feed(c, pcm, Date.now());
      await c.end();
      const m = c.metrics();
      assert.ok(pcm.length / 48_000 > 6, "the monologue is long");
      assert.ok(m.cutAtMax >= 2, JSON.stringify(m));
      assert.ok(lengths.every((l) => l <= 2_000 + 200), lengths.join(","));
    } finally {
      await vad.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "live captioner: its VAD released while the VAD loop runs is no unhandled rejection",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "live-cap-" });
    const vad = await SileroVad.load();
    // As a Deno process does, an unhandled rejection fails the test (and any other way out).
    const unhandled: unknown[] = [];
    const onUnhandled = (e: PromiseRejectionEvent) => {
      unhandled.push(e.reason);
      e.preventDefault();
    };
    globalThis.addEventListener("unhandledrejection", onUnhandled);
    try {
      const pcm = await speech48k(dir, ["hello everyone welcome to the stream tonight"], 0.3);
      const opts = {
        recogniser: {
          engine: "openai" as const,
          transcribe: () =>
            Promise.resolve({
              text: "x",
              words: [],
              engine: "openai" as const,
              source: "llm" as const,
            }),
        },
        maxUtteranceMs: 4_000,
        onCue: () => {},
      };
      // Closed, then its VAD released at once, while the loop is inside a chunk of seconds:
      // the loop's next inference finds the session disposed.
      const c = new LiveCaptioner({ vad, ...opts });
      feed(c, pcm, Date.now());
      c.close();
      await vad.close();
      await c.vadIdle();
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(unhandled.map(String), [], "no unhandled rejection");
      assert.equal(c.metrics().vadFailed, 0, "a failure after close() is not counted");
      // A VAD that fails while the captioner is open: the chunk is counted as lost.
      const broken = await SileroVad.load();
      await broken.close();
      const d = new LiveCaptioner({ vad: broken, ...opts });
      feed(d, pcm.subarray(0, 48_000), Date.now());
      await d.vadIdle();
      assert.deepEqual(unhandled.map(String), [], "no unhandled rejection");
      assert.equal(d.metrics().vadFailed, 1);
      d.close();
    } finally {
      globalThis.removeEventListener("unhandledrejection", onUnhandled);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const PHRASES = STREAMER_PHRASES.slice(0, 3);

Deno.test({
  name: "live captions through livekit + recorder: each caption before its segment is ready",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // 10 s segments: a phrase ends about 3 s into its segment, so its caption has about 7 s
    // (the segment path needs the whole segment, and usually the next one).
    const r = await runCaptionScenario({
      phrases: PHRASES,
      live: true,
      segmentSeconds: 10,
      tailSegments: 1,
    });
    const matched = matchPhrases(r);
    const captions = r.log.filter((s) => s.kind === "caption");
    assert.ok(captions.length >= PHRASES.length, `captions: ${captions.length}`);
    for (const m of matched) {
      assert.ok(m.caption !== undefined, `no caption for "${m.phrase.text}"`);
      assert.ok(m.segment !== undefined, `no segment holds the end of "${m.phrase.text}"`);
      assert.ok(
        m.caption! < m.segment!,
        `caption of "${m.phrase.text}" came after the segment holding its end`,
      );
    }
    // The words heard overlap the words spoken.
    const heard = words(captions.map((s) => s.kind === "caption" ? s.cue.text : "").join(" "));
    const spoken = words(PHRASES.join(" "));
    const overlap = [...heard].filter((w) => spoken.has(w));
    assert.ok(overlap.length >= 4, `recognised ${[...heard].join(" ")}`);
    // Stored once each, and the WebVTT track beside the recording has them.
    assert.equal(r.stored.length, captions.length);
    assert.ok(r.vtt?.startsWith("WEBVTT"));
    for (const row of r.stored) assert.ok(r.vtt!.includes(row.text));
    // Cue offsets are recording offsets: the segment holding a phrase's start (by wall
    // clock) also holds its cue's start (by summed segment durations).
    const segs = r.log.flatMap((s) => s.kind === "segment" ? [s.seg] : []);
    let offset = 0;
    const spans = segs.map((s) => {
      const span = { from: offset, to: offset + s.durationSec * 1000, seg: s };
      offset = span.to;
      return span;
    });
    for (const m of matched) {
      const cue = (r.log[m.caption!] as { cue: { startMs: number } }).cue;
      const span = spans.find((s) => s.from <= cue.startMs && cue.startMs < s.to);
      assert.ok(span, `cue at ${cue.startMs} ms lies in the recording`);
      assert.ok(
        span.seg.startAt - 1_500 <= m.phrase.startAt && m.phrase.startAt <= span.seg.endAt + 1_500,
        `cue of "${m.phrase.text}" at ${cue.startMs} ms is in segment ${span.seg.seq}`,
      );
    }
    assert.ok(r.metrics && r.metrics.utterances >= PHRASES.length);
    assert.equal(r.metrics.dropped, 0);
  },
});
