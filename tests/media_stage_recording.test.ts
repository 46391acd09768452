/**
 * The recording holds everyone on stage in the streamer's layout, with a real livekit-server,
 * @livekit/rtc-node publishers and the real recorder (ffmpeg): a streamer and two guests
 * (LiveKit role `guest`) publish solid pictures of distinct colours; the recorder starts with
 * the room's stage (grid; guests in order), then the layout changes through the LiveKit
 * room's metadata as the stage enforcer writes it (side by side, then picture in picture),
 * and a guest disconnects. For each step a recorded segment's last frame (decoded by ffmpeg)
 * shows each participant's colour at the centre of its cell of that layout, and after the
 * guest left, its cell holds no guest any more.
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
import { type TileLayout, tileRegions } from "../media/compose/tile_layout.ts";
import { LivekitServerApi } from "../media/livekit/server_api.ts";
import type { RecordingEvent, SegmentReady } from "../media/recorder/events.ts";
import { startRecorderRig } from "./helpers/recorder_rig.ts";

const W = 320, H = 240;
/** Y, U, V of each publisher's picture (far apart, so H.264 cannot blur one into another). */
const COLOURS: Record<string, [number, number, number]> = {
  host: [180, 60, 200],
  g1: [110, 200, 60],
  g2: [50, 160, 90],
  black: [16, 128, 128],
};

/** Publishes a solid picture (and, for the streamer, silence as its microphone). */
async function publishColour(
  wsUrl: string,
  token: string,
  yuv: [number, number, number],
  withAudio: boolean,
): Promise<() => Promise<void>> {
  const room = new Room();
  await room.connect(wsUrl, token, { autoSubscribe: false, dynacast: false });
  const video = new VideoSource(W, H);
  await room.localParticipant!.publishTrack(
    LocalVideoTrack.createVideoTrack("camera", video),
    new TrackPublishOptions({ source: TrackSource.SOURCE_CAMERA }),
  );
  const audio = withAudio ? new AudioSource(48_000, 1) : undefined;
  if (audio) {
    await room.localParticipant!.publishTrack(
      LocalAudioTrack.createAudioTrack("mic", audio),
      new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
    );
  }
  const data = new Uint8Array(W * H * 3 / 2);
  data.fill(yuv[0], 0, W * H);
  data.fill(yuv[1], W * H, W * H * 5 / 4);
  data.fill(yuv[2], W * H * 5 / 4);
  const timer = setInterval(() => {
    video.captureFrame(new VideoFrame(data.slice(), W, H, VideoBufferType.I420));
  }, 100);
  let running = true;
  const loop = audio && (async () => {
    while (running) await audio.captureFrame(AudioFrame.create(48_000, 1, 480));
  })();
  return async () => {
    running = false;
    clearInterval(timer);
    await loop?.catch(() => {});
    await room.disconnect().catch(() => {});
    await video.close().catch(() => {});
    await audio?.close().catch(() => {});
  };
}

/** The last frame of a segment file as I420 at W×H. */
async function lastFrame(path: string): Promise<Uint8Array> {
  const out = await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"],
    stdout: "piped",
  }).output();
  const size = W * H * 3 / 2;
  assert.ok(out.stdout.length >= size, `no frame decoded from ${path}`);
  return out.stdout.subarray(out.stdout.length - size);
}

/** The nearest known colour to the 8×8 average around (x, y). */
function colourAt(p: Uint8Array, x: number, y: number): string {
  let sy = 0, su = 0, sv = 0;
  for (let dy = -4; dy < 4; dy++) {
    for (let dx = -4; dx < 4; dx++) {
      const c = (W >> 1) * ((y + dy) >> 1) + ((x + dx) >> 1);
      sy += p[(y + dy) * W + x + dx];
      su += p[W * H + c];
      sv += p[W * H * 5 / 4 + c];
    }
  }
  const yuv = [sy / 64, su / 64, sv / 64];
  return Object.entries(COLOURS).map(([name, c]) => ({
    name,
    d: Math.hypot(c[0] - yuv[0], c[1] - yuv[1], c[2] - yuv[2]),
  })).sort((a, b) => a.d - b.d)[0].name;
}

/** What each cell of `layout` over `tiles` shows in the picture. */
function cellsShow(p: Uint8Array, layout: TileLayout, tiles: number): string[] {
  return tileRegions(layout, tiles, W, H).map((r) =>
    colourAt(p, r.x + (r.width >> 1), r.y + (r.height >> 1))
  );
}

Deno.test({
  name: "stage recording: guests composed in the layout; layout changes and a leave show up",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const log = createLogger({ test: "stage_recording" }, "error");
    const rig = await startRecorderRig({
      roomId: "roomS",
      log,
      stage: { layout: "grid", guests: ["g1", "g2"] },
    });
    const { lk, settings, store, manager, token } = rig;
    const api = new LivekitServerApi(settings, log);
    const stops: (() => Promise<void>)[] = [];
    const segments: SegmentReady[] = [];
    manager.events.subscribe((e: RecordingEvent) => {
      if (e.type === "segment_ready") segments.push(e);
    });
    /** Waits for a segment recorded after `after` whose last frame shows `want`. */
    const recorded = async (
      what: string,
      layout: TileLayout,
      want: string[],
      after = Date.now(),
    ) => {
      let seen: string[] = [];
      const deadline = Date.now() + 90_000;
      let checked = segments.length;
      while (Date.now() < deadline) {
        for (; checked < segments.length; checked++) {
          const seg = segments[checked];
          if (seg.startAt < after) continue;
          seen = cellsShow(await lastFrame(`${store.root}/${seg.key}`), layout, want.length);
          if (seen.join() === want.join()) return;
        }
        await new Promise((r) => setTimeout(r, 300));
      }
      assert.fail(`${what}: no segment showed ${want.join()} in ${layout}; last ${seen.join()}`);
    };
    try {
      stops.push(
        await publishColour(lk.wsUrl, await token("streamer", "host"), COLOURS.host, true),
      );
      stops.push(await publishColour(lk.wsUrl, await token("guest", "g1"), COLOURS.g1, false));
      const leaveG2 = await publishColour(lk.wsUrl, await token("guest", "g2"), COLOURS.g2, false);
      stops.push(leaveG2);
      const started = await manager.startRoom("roomS", { streamerIdentity: "host" });
      assert.equal(started.state, "recording");

      // The room's stage at start: a grid, the streamer first, then g1, g2.
      await recorded("grid at start", "grid", ["host", "g1", "g2"]);

      // The stage enforcer's metadata reaches the recorder: side by side, g2 before g1.
      assert.equal(
        await api.setStageHint("roomS", { layout: "side_by_side", guests: ["g2", "g1"] }),
        true,
      );
      await recorded("side by side", "side_by_side", ["host", "g2", "g1"]);

      await api.setStageHint("roomS", { layout: "pip", guests: ["g1", "g2"] });
      await recorded("picture in picture", "pip", ["host", "g1", "g2"]);

      // g2 disconnects without a word: out of the picture; its old inset shows the streamer.
      const left = Date.now();
      await leaveG2();
      await recorded("after g2 left", "pip", ["host", "g1"], left);
      await recorded("g2's old inset", "pip", ["host", "g1", "host"], left);
    } finally {
      for (const stop of stops.reverse()) await stop();
      await rig.close();
    }
  },
});
