/**
 * Native-addon stress for tests/napi_finalizers.test.ts, run as its own process:
 * `deno run -A tests/helpers/rtc_frames_stress.ts <seconds>`. Rounds of a loopback
 * livekit-server with three rooms at once, each a synthetic streamer (640x360 at 30 fps, a tone)
 * and the recorder's LiveKit source subscribed to it (every frame copied out of
 * @livekit/rtc-node, a picture sampled as RGBA every 20 ms), beside JS allocation that keeps
 * V8 collecting. Prints `round N` after each round and exits 0 when the time is up; a
 * corrupted heap ends it with a signal instead (SIGABRT from glibc, or SIGSEGV).
 */
import { createLogger } from "../../engine/log.ts";
import { livekitSettings } from "../../media/livekit/settings.ts";
import { issueToken } from "../../media/livekit/tokens.ts";
import { LivekitSource } from "../../media/recorder/livekit_source.ts";
import { startLivekit, startSyntheticStreamer } from "./livekit.ts";

const log = createLogger({ test: "rtc_frames_stress" }, "error");
const end = Date.now() + Number(Deno.args[0] ?? 60) * 1000;
let garbage: unknown[] = [];
const churn = setInterval(() => {
  for (let i = 0; i < 2000; i++) garbage.push({ bytes: new Uint8Array(64 + (i % 512)) });
  if (garbage.length > 20_000) garbage = [];
}, 5);
for (let round = 1; Date.now() < end; round++) {
  const lk = await startLivekit();
  const settings = livekitSettings(lk.wsUrl, lk.apiKey, lk.apiSecret);
  const rooms = await Promise.all([1, 2, 3].map(async (k) => {
    const roomId = `stress-${round}-${k}`;
    const token = await issueToken(settings, "streamer", { roomId, identity: `s${k}`, name: "S" });
    const streamer = await startSyntheticStreamer(settings.wsUrl, token, {
      width: 640,
      height: 360,
      fps: 30,
    });
    const source = await LivekitSource.connect({
      settings,
      roomId,
      recordingId: roomId,
      log,
      onVideoSample: () => {},
      videoSampleMs: 20,
      onAudio: () => {},
    });
    return { streamer, source };
  }));
  await new Promise((r) => setTimeout(r, 8_000));
  for (const { streamer, source } of rooms) {
    await streamer.stop();
    await source.close();
  }
  await lk.stop();
  console.log(`round ${round}`);
}
clearInterval(churn);
Deno.exit(0); // rtc-node's own threads would keep the process alive
