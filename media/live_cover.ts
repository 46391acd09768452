/**
 * A live stream's cover for the home page: the first key frame of the newest recorded segment,
 * as a JPEG at most 360 lines high (ffmpeg decodes key frames only). One is made per segment
 * and kept (per recording, the newest only); concurrent asks for the same segment share one
 * ffmpeg run.
 */
import { runFfmpeg } from "./ffmpeg.ts";

/** The newest stored segment of a recording: its sequence and its bytes, or null. */
export type LatestSegment = (
  recordingId: string,
) => Promise<{ seq: number; bytes: Uint8Array } | null>;

const MAX_KEPT = 64;

export class LiveCovers {
  #made = new Map<string, { seq: number; jpeg: Promise<Uint8Array | null> }>();

  constructor(private readonly latest: LatestSegment) {}

  /** The cover of `recordingId` now, or null when nothing with video is recorded yet. */
  async cover(recordingId: string): Promise<Uint8Array | null> {
    const seg = await this.latest(recordingId);
    if (!seg) return null;
    const kept = this.#made.get(recordingId);
    if (kept && kept.seq === seg.seq) return await kept.jpeg;
    const jpeg = keyFrameJpeg(seg.bytes).catch(() => null);
    this.#made.delete(recordingId);
    this.#made.set(recordingId, { seq: seg.seq, jpeg });
    // Bounded: the oldest recordings' covers go first (a Map keeps insertion order).
    while (this.#made.size > MAX_KEPT) this.#made.delete(this.#made.keys().next().value!);
    return await jpeg;
  }
}

/** The first key frame of an MPEG-TS segment as a JPEG, or null when it has no video. */
export async function keyFrameJpeg(segment: Uint8Array): Promise<Uint8Array | null> {
  const dir = await Deno.makeTempDir({ prefix: "synapse-cover-" });
  try {
    await Deno.writeFile(`${dir}/in.ts`, segment);
    await runFfmpeg([
      "-skip_frame",
      "nokey",
      "-i",
      `${dir}/in.ts`,
      "-an",
      "-frames:v",
      "1",
      "-vf",
      "scale=-2:'min(360,ih)'",
      "-q:v",
      "5",
      `${dir}/cover.jpg`,
    ]);
    return await Deno.readFile(`${dir}/cover.jpg`).catch(() => null);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
