/**
 * ffmpeg and ffprobe as child processes (Deno.Command). Debian's `ffmpeg` package provides
 * both; `ffmpegAvailable()` says whether they are installed.
 */
import { z } from "zod";
import { MediaError } from "./errors.ts";
import type { SegmentProbe } from "../actors/segment/ports.ts";

const FFMPEG = "ffmpeg";
const FFPROBE = "ffprobe";

/** True when ffmpeg and ffprobe are on PATH. */
export async function ffmpegAvailable(): Promise<boolean> {
  try {
    const [a, b] = await Promise.all([
      new Deno.Command(FFMPEG, { args: ["-version"], stdout: "null", stderr: "null" }).output(),
      new Deno.Command(FFPROBE, { args: ["-version"], stdout: "null", stderr: "null" }).output(),
    ]);
    return a.success && b.success;
  } catch {
    return false;
  }
}

/** Run ffmpeg to completion; throws MediaError `ffmpeg_failed` with the end of stderr. */
export async function runFfmpeg(
  args: string[],
  opts: { signal?: AbortSignal } = {},
): Promise<void> {
  const out = await new Deno.Command(FFMPEG, {
    args: ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", ...args],
    stdout: "null",
    stderr: "piped",
    signal: opts.signal,
  }).output();
  if (!out.success) {
    const tail = new TextDecoder().decode(out.stderr).slice(-2000);
    throw new MediaError("ffmpeg_failed", `ffmpeg exited with ${out.code}: ${tail}`, 500);
  }
}

/** Start a long-running ffmpeg (a recorder); stdin is piped so `q` stops it cleanly. */
export function spawnFfmpeg(args: string[]): Deno.ChildProcess {
  return new Deno.Command(FFMPEG, {
    args: ["-hide_banner", "-loglevel", "error", "-y", ...args],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

const ProbeOutput = z.object({
  streams: z.array(z.object({
    codec_type: z.string(),
    codec_name: z.string().optional(),
    width: z.number().optional(),
    height: z.number().optional(),
    sample_rate: z.string().optional(),
    channels: z.number().optional(),
  })).default([]),
  format: z.object({
    format_name: z.string().optional(),
    duration: z.string().optional(),
    size: z.string().optional(),
  }).optional(),
});

export interface ProbeResult {
  /** Seconds, from the container. */
  durationSec: number;
  formatName: string;
  video?: { codec: string; width: number; height: number };
  audio?: { codec: string; sampleRate: number; channels: number };
}

/**
 * The segment actor's `SegmentProbe` port: bytes that are not media come back as
 * `{ unreadable }`, anything else (ffprobe missing, a timeout) rejects.
 */
export const probeSegment: SegmentProbe = async (url) => {
  try {
    return await probe(url);
  } catch (err) {
    if (err instanceof MediaError) return { unreadable: err.message };
    throw err;
  }
};

/** ffprobe a file or URL; throws MediaError `probe_failed` when it is not media. */
export async function probe(
  input: string,
  opts: { timeoutMs?: number } = {},
): Promise<ProbeResult> {
  const out = await new Deno.Command(FFPROBE, {
    args: [
      "-v",
      "error",
      "-print_format",
      "json",
      "-show_format",
      "-show_streams",
      ...(input.includes("://") ? ["-protocol_whitelist", "file,http,https,tcp,tls,crypto"] : []),
      input,
    ],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
  }).output();
  if (!out.success) {
    const tail = new TextDecoder().decode(out.stderr).slice(-1000);
    throw new MediaError("probe_failed", `ffprobe refused the media: ${tail.trim()}`, 422);
  }
  const parsed = ProbeOutput.safeParse(JSON.parse(new TextDecoder().decode(out.stdout)));
  if (!parsed.success) throw new MediaError("probe_failed", "unexpected ffprobe output", 422);
  const { streams, format } = parsed.data;
  const v = streams.find((s) => s.codec_type === "video");
  const a = streams.find((s) => s.codec_type === "audio");
  return {
    durationSec: Number(format?.duration ?? 0) || 0,
    formatName: format?.format_name ?? "",
    video: v
      ? { codec: v.codec_name ?? "", width: v.width ?? 0, height: v.height ?? 0 }
      : undefined,
    audio: a
      ? {
        codec: a.codec_name ?? "",
        sampleRate: Number(a.sample_rate ?? 0),
        channels: a.channels ?? 0,
      }
      : undefined,
  };
}

/**
 * Generate a synthetic test stream (colour bars with a moving clock, a sine tone) of
 * `seconds` into `output` with extra output args (e.g. HLS options). Used by tests, the
 * egress stand-in and the benchmark.
 */
export function synthAvInputArgs(
  seconds: number,
  opts: { size?: string; rate?: number; realtime?: boolean } = {},
): string[] {
  const size = opts.size ?? "320x240";
  const rate = opts.rate ?? 25;
  return [
    ...(opts.realtime ? ["-re"] : []),
    "-f",
    "lavfi",
    "-i",
    `testsrc2=size=${size}:rate=${rate}:duration=${seconds}`,
    ...(opts.realtime ? ["-re"] : []),
    "-f",
    "lavfi",
    "-i",
    `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
  ];
}

/** Encoder settings of every segment Synapse writes: H.264 + AAC, keyframe every `gopSec`. */
export function h264AacArgs(gopSec: number, rate = 25): string[] {
  return [
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-tune",
    "zerolatency",
    "-pix_fmt",
    "yuv420p",
    "-g",
    String(Math.max(1, Math.round(gopSec * rate))),
    "-force_key_frames",
    `expr:gte(t,n_forced*${gopSec})`,
    "-c:a",
    "aac",
    "-b:a",
    "96k",
    "-ar",
    "48000",
  ];
}
