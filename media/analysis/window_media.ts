/**
 * The media of one analysis window, with ffmpeg over the window's recorded MPEG-TS segments
 * (joined byte for byte into one local file, which TS allows): its audio as 16 kHz mono
 * float samples (denoised by RNNoise when configured), and key frames
 * (one every 10 s, at most 24, at most 480 lines high) decoded with `-skip_frame nokey`,
 * so only key frames are ever decoded. `windowMedia` is the analysis actor's `WindowMedia`
 * port (actors/segment/ports.ts).
 */
import { decodeSpeech16k } from "../audio/speech_audio.ts";
import { runFfmpeg } from "../ffmpeg.ts";
import type { WindowMedia } from "../../actors/segment/ports.ts";

export interface FrameOptions {
  everySec: number;
  max: number;
  maxHeight: number;
}

export const DEFAULT_FRAMES: FrameOptions = { everySec: 10, max: 24, maxHeight: 480 };

/** Joins MPEG-TS segments (bytes, in order) into `path`. */
export async function joinSegments(path: string, segments: Uint8Array[]): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    for (const bytes of segments) {
      let off = 0;
      while (off < bytes.length) off += await file.write(bytes.subarray(off));
    }
  } finally {
    file.close();
  }
}

/** The window's audio, 16 kHz mono float, denoised when `denoiseDb` > 0. */
export function windowAudio(input: string, denoiseDb = 0): Promise<Float32Array> {
  return decodeSpeech16k(input, denoiseDb);
}

/**
 * Key frames as JPEG files in `outDir` (`frame_01.jpg`...), in time order; returns their
 * paths. Video-less windows give none.
 */
export async function keyFrames(
  input: string,
  outDir: string,
  opts: FrameOptions = DEFAULT_FRAMES,
): Promise<string[]> {
  await Deno.mkdir(outDir, { recursive: true });
  try {
    await runFfmpeg([
      "-skip_frame",
      "nokey",
      "-i",
      input,
      "-an",
      "-vf",
      // the first key frame, then each key frame at least `everySec` after the last taken
      `select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,${opts.everySec})',` +
      `scale=-2:'min(${opts.maxHeight},ih)',` +
      // each kept frame's time, for `frameOffsets` (print writes only frames with a key)
      `metadata=mode=add:key=kf:value=1,metadata=mode=print:file='${outDir}/${TIMES_FILE}'`,
      "-fps_mode",
      "vfr",
      "-frames:v",
      String(opts.max),
      "-q:v",
      "5",
      `${outDir}/frame_%02d.jpg`,
    ]);
  } catch (err) {
    // A window without video has no frames; anything else is a real failure.
    if (!/matches no streams|Output file .* does not contain any stream/i.test(String(err))) {
      throw err;
    }
  }
  const names: string[] = [];
  for await (const e of Deno.readDir(outDir)) {
    if (/^frame_\d+\.jpg$/.test(e.name)) names.push(e.name);
  }
  return names.sort().map((n) => `${outDir}/${n}`);
}

const TIMES_FILE = "frame_times.txt";

/**
 * The times of the key frames `keyFrames` wrote in `outDir`, in seconds from the start of the
 * window's file, in the frames' order (empty when it wrote none).
 */
export async function frameOffsets(outDir: string): Promise<number[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${outDir}/${TIMES_FILE}`);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  return [...text.matchAll(/pts_time:(-?[\d.]+)/g)].map((m) => Number(m[1]));
}

/** The port, with RNNoise removing at most `denoiseDb` dB of noise from the audio (0: off). */
export function windowMediaOf(opts: { denoiseDb: number }): WindowMedia {
  return {
    join: joinSegments,
    audio: (input) => windowAudio(input, opts.denoiseDb),
    keyFrames: (input, outDir) => keyFrames(input, outDir),
    frameOffsets,
  };
}

/** The port without denoising. */
export const windowMedia: WindowMedia = windowMediaOf({ denoiseDb: 0 });
