/**
 * The recorder agent on a real livekit-server, writing to a local object store: what the
 * tests that record @livekit/rtc-node publishers share. `token` mints a LiveKit token for the
 * rig's room; `close()` stops the recorder, the server and removes the work folder.
 */
import type { Logger } from "../../engine/log.ts";
import { LocalObjectStore } from "../../media/local_object_store.ts";
import { livekitSettings } from "../../media/livekit/settings.ts";
import type { StageHint } from "../../media/livekit/stage_metadata.ts";
import { issueToken, type TokenRole } from "../../media/livekit/tokens.ts";
import { RecordingManager } from "../../media/recorder/manager.ts";
import { startLivekit } from "./livekit.ts";

export async function startRecorderRig(opts: {
  roomId: string;
  log: Logger;
  /** The room's stage when a recording starts. */
  stage: StageHint;
  /** Live pictures sampled per participant (RecordingManager's `videoSampleMs`). */
  videoSampleMs?: number;
}) {
  const lk = await startLivekit();
  const settings = livekitSettings(lk.wsUrl, lk.apiKey, lk.apiSecret);
  const dir = await Deno.makeTempDir({ prefix: "recorder-rig-" });
  const store = new LocalObjectStore(`${dir}/objects`, "secret");
  await store.ensureBucket();
  const manager = new RecordingManager({
    store,
    livekit: settings,
    workRoot: `${dir}/work`,
    segmentSeconds: 2,
    log: opts.log,
    guardEveryMs: 60_000,
    videoSampleMs: opts.videoSampleMs,
    stageOf: () => Promise.resolve(opts.stage),
  });
  return {
    lk,
    settings,
    store,
    manager,
    token: (role: TokenRole, identity: string) =>
      issueToken(settings, role, { roomId: opts.roomId, identity, name: identity }),
    async close(): Promise<void> {
      await manager.close().catch(() => {});
      await lk.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
