/**
 * The fake camera and microphone of the effects tests and bench, made with ffmpeg from a photo
 * that ships in `@vladmandic/human` (assets/samples.jpg: a woman facing the camera): 1280x720
 * at 15 fps, the person in the middle and a fine checkerboard left and right (background with
 * much high-frequency energy), a red box moving along the bottom so frames differ; and 48 kHz
 * white noise at -20 dBFS. Chromium plays them as its camera and microphone in a loop.
 *
 *   const cam = await makeEffectsCamera();   // { video, audio, args, cleanup }
 *   await launchChromium(cam.args);
 */
import { fileURLToPath } from "node:url";

const SAMPLES = fileURLToPath(
  new URL("../../node_modules/@vladmandic/human/assets/samples.jpg", import.meta.url),
);

/** The regions measured in the frames (pixels of 1280x720). */
export const REGIONS = {
  /** Checkerboard only: background everywhere. */
  background: { x: 20, y: 40, w: 260, h: 600 },
  /** The person's face (in the photo). */
  face: { x: 540, y: 60, w: 200, h: 260 },
  /** Where the photo is (the person and the photo's own background). */
  photo: { x: 315, y: 0, w: 650, h: 720 },
} as const;

export interface EffectsCamera {
  video: string;
  audio: string;
  /** Chromium flags: fake devices playing these files, no permission prompt. */
  args: string[];
  cleanup(): Promise<void>;
}

async function ffmpeg(args: string[]): Promise<void> {
  const out = await new Deno.Command("ffmpeg", { args: ["-v", "error", "-y", ...args] }).output();
  if (!out.success) throw new Error(`ffmpeg: ${new TextDecoder().decode(out.stderr)}`);
}

export async function makeEffectsCamera(seconds = 2): Promise<EffectsCamera> {
  const dir = await Deno.makeTempDir({ prefix: "synapse-effects-cam-" });
  const video = `${dir}/camera.y4m`, audio = `${dir}/noise.wav`;
  const checker = "255*mod(floor(X/8)+floor(Y/8),2)";
  await ffmpeg([
    "-i",
    SAMPLES,
    "-filter_complex",
    `[0:v]crop=140:155:168:2,scale=650:720[p];` +
    `color=c=white:s=1280x720:r=15:d=${seconds},format=rgb24,` +
    `geq=r='${checker}':g='${checker}':b='${checker}'[bg];` +
    `[bg][p]overlay=315:0,drawbox=x='mod(t*400,1200)':y=690:w=60:h=30:c=red:t=fill,format=yuv420p`,
    "-frames:v",
    String(seconds * 15),
    video,
  ]);
  await ffmpeg([
    "-f",
    "lavfi",
    "-i",
    `anoisesrc=color=white:amplitude=0.1:sample_rate=48000:duration=${seconds * 2}`,
    "-ac",
    "1",
    audio,
  ]);
  return {
    video,
    audio,
    args: [
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-video-capture=${video}`,
      `--use-file-for-fake-audio-capture=${audio}`,
      "--autoplay-policy=no-user-gesture-required",
    ],
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}
