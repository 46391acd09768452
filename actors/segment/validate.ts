/** Is a probed segment what its producer announced? */
import type { ProbedSegment } from "./ports.ts";

const VIDEO_CODECS = new Set(["h264", "hevc", "vp8", "vp9", "av1"]);
const AUDIO_CODECS = new Set(["aac", "opus", "mp3"]);

/** The problem with a segment, or null when it is fine. */
export function segmentProblem(
  probe: ProbedSegment,
  announcedSec: number | undefined,
): string | null {
  if (!probe.video && !probe.audio) return "no audio or video stream";
  if (probe.video && !VIDEO_CODECS.has(probe.video.codec)) {
    return `unexpected video codec ${probe.video.codec}`;
  }
  if (probe.audio && !AUDIO_CODECS.has(probe.audio.codec)) {
    return `unexpected audio codec ${probe.audio.codec}`;
  }
  if (!(probe.durationSec > 0)) return "zero duration";
  if (announcedSec !== undefined && announcedSec > 0) {
    const tolerance = Math.max(1, announcedSec * 0.25);
    if (Math.abs(probe.durationSec - announcedSec) > tolerance) {
      return `duration ${probe.durationSec.toFixed(2)} s, announced ${announcedSec.toFixed(2)} s`;
    }
  }
  return null;
}
