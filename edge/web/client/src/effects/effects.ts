/**
 * The streamer's effects on a captured stream, following the switches (settings.ts):
 *
 *   const fx = await startEffects(cameraAndMic, { onNotice });
 *   publish(fx.stream);            // processed tracks: the same ones whatever is switched
 *   fx.stop();                     // stops the processing (the capture is the caller's)
 *
 * Without insertable streams (not Chromium) the video passes unprocessed and `onNotice` says
 * why; a device too slow for the video effects gets them turned off with a notice.
 */
import { effect, signal } from "@preact/signals";
import { t } from "../i18n/i18n.ts";
import { AudioPipeline } from "./audio_pipeline.ts";
import type { KeepUpRule, MeterStats } from "./meter.ts";
import { effectSettings, updateEffects } from "./settings.ts";
import { canProcessVideo, VideoPipeline } from "./video_pipeline.ts";

export interface RunningEffects {
  stream: MediaStream;
  video?: VideoPipeline;
  audio?: AudioPipeline;
  stop(): void;
}

/** The running effects the panel shows figures of (one capture at a time per page). */
export const running = signal<RunningEffects | undefined>(undefined);

export async function startEffects(
  input: MediaStream,
  opts: { onNotice?: (text: string) => void; rule?: Partial<KeepUpRule> } = {},
): Promise<RunningEffects> {
  const say = opts.onNotice ?? (() => {});
  const camera = input.getVideoTracks()[0];
  const mic = input.getAudioTracks()[0];
  let video: VideoPipeline | undefined;
  if (camera && canProcessVideo()) {
    video = new VideoPipeline(camera, {
      rule: opts.rule,
      onTooSlow: (s: MeterStats) => {
        // the switches follow: the streamer sees them off and may try again
        const fx = effectSettings.value;
        updateEffects({ ...fx, blur: false, background: false, beauty: false, sticker: "none" });
        say(t("effects.tooSlow", { fps: s.fps, modelFps: s.modelFps }));
      },
      onModelError: (_m, err) => say(t("effects.modelError", { message: err.message })),
    });
  } else if (camera) say(t("effects.unsupported"));
  let audio: AudioPipeline | undefined;
  if (mic) {
    try {
      audio = await AudioPipeline.create(mic);
    } catch (err) {
      say(t("effects.modelError", { message: (err as Error).message }));
    }
  }
  const follow = effect(() => {
    const fx = effectSettings.value;
    video?.set(fx);
    audio?.set(fx.noise);
  });
  const tracks = [video?.track ?? camera, audio?.track ?? mic].filter((x): x is MediaStreamTrack =>
    x !== undefined
  );
  const fx: RunningEffects = {
    stream: new MediaStream(tracks),
    video,
    audio,
    stop() {
      follow();
      video?.stop();
      audio?.stop();
      if (running.value === fx) running.value = undefined;
    },
  };
  running.value = fx;
  return fx;
}
