/**
 * A guest's voice is recorded when the streamer publishes no microphone: with a real
 * livekit-server, @livekit/rtc-node publishers and the real recorder (ffmpeg). The streamer
 * publishes a camera only; a guest on stage (LiveKit role `guest`) publishes a 440 Hz tone.
 * The streamer's microphone used to pace the audio mix, so with none the recording had no
 * audio at all; now a clock paces it. A recorded segment's audio (decoded by ffmpeg) carries
 * the guest's tone: loud, and far stronger at 440 Hz than at another frequency.
 */
import assert from "node:assert/strict";
import {
  AudioFrame,
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
import { createLogger } from "../engine/log.ts";
import type { RecordingEvent, SegmentReady } from "../media/recorder/events.ts";
import { startRecorderRig } from "./helpers/recorder_rig.ts";

const W = 320, H = 240;
const RATE = 48_000;
const TONE_HZ = 440;

/** Publishes a camera (grey) and, with `toneHz`, a microphone playing that tone. */
async function publish(
  wsUrl: string,
  token: string,
  toneHz?: number,
): Promise<() => Promise<void>> {
  const room = new Room();
  await room.connect(wsUrl, token, { autoSubscribe: false, dynacast: false });
  const video = new VideoSource(W, H);
  await room.localParticipant!.publishTrack(
    LocalVideoTrack.createVideoTrack("camera", video),
    new TrackPublishOptions({ source: TrackSource.SOURCE_CAMERA }),
  );
  const data = new Uint8Array(W * H * 3 / 2).fill(128);
  const timer = setInterval(() => {
    video.captureFrame(new VideoFrame(data.slice(), W, H, VideoBufferType.I420));
  }, 100);
  let running = true;
  let loop: Promise<void> | undefined;
  const audio = toneHz ? new AudioSource(RATE, 1) : undefined;
  if (audio) {
    await room.localParticipant!.publishTrack(
      LocalAudioTrack.createAudioTrack("mic", audio),
      new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
    );
    loop = (async () => {
      let n = 0;
      while (running) {
        const frame = AudioFrame.create(RATE, 1, 480);
        for (let i = 0; i < 480; i++, n++) {
          frame.data[i] = Math.round(10_000 * Math.sin((2 * Math.PI * toneHz! * n) / RATE));
        }
        await audio.captureFrame(frame);
      }
    })();
  }
  return async () => {
    running = false;
    clearInterval(timer);
    await loop?.catch(() => {});
    await room.disconnect().catch(() => {});
    await video.close().catch(() => {});
    await audio?.close().catch(() => {});
  };
}

/** A segment's audio as 16 kHz mono samples (empty when it has no audio stream). */
async function segmentAudio(path: string): Promise<Int16Array> {
  const out = await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-i", path, "-vn", "-ac", "1", "-ar", "16000", "-f", "s16le", "pipe:1"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const bytes = out.stdout;
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
}

/** Goertzel power of `hz` in `x` (16 kHz), normalised by length. */
function power(x: Int16Array, hz: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / 16_000);
  let s1 = 0, s2 = 0;
  for (const v of x) {
    const s0 = v + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (x.length * x.length);
}

const rms = (x: Int16Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / Math.max(1, x.length));

Deno.test({
  name: "recording: a guest's voice is recorded when the streamer publishes no microphone",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const log = createLogger({ test: "guest_audio" }, "error");
    const rig = await startRecorderRig({
      roomId: "roomA",
      log,
      stage: { layout: "side_by_side", guests: ["g1"] },
    });
    const { lk, store, manager, token } = rig;
    const stops: (() => Promise<void>)[] = [];
    const segments: SegmentReady[] = [];
    manager.events.subscribe((e: RecordingEvent) => {
      if (e.type === "segment_ready") segments.push(e);
    });
    try {
      stops.push(await publish(lk.wsUrl, await token("streamer", "host")));
      stops.push(await publish(lk.wsUrl, await token("guest", "g1"), TONE_HZ));
      const started = await manager.startRoom("roomA", { streamerIdentity: "host" });
      assert.equal(started.state, "recording");

      let last = "no segment yet";
      const deadline = Date.now() + 120_000;
      let checked = 0;
      let found = false;
      while (!found && Date.now() < deadline) {
        for (; checked < segments.length && !found; checked++) {
          const pcm = await segmentAudio(`${store.root}/${segments[checked].key}`);
          // the segment's second half: the guest's frames are primed by then
          const tail = pcm.subarray(pcm.length >> 1);
          const level = rms(tail);
          const ratio = power(tail, TONE_HZ) / Math.max(1e-9, power(tail, 1_000));
          last = `segment ${checked}: ${pcm.length} samples, rms ${level.toFixed(0)}, ` +
            `440/1000 Hz power ${ratio.toFixed(1)}`;
          found = tail.length > 8_000 && level > 1_000 && ratio > 100;
        }
        if (!found) await new Promise((r) => setTimeout(r, 300));
      }
      assert.ok(found, `no recorded segment carries the guest's tone; last ${last}`);
    } finally {
      for (const stop of stops.reverse()) await stop();
      await rig.close();
    }
  },
});
