/**
 * Object keys of recordings: everything of one recording lives under
 * `recordings/{roomId}/{recordingId}/` - segments, the playlist, clips.
 */
import { ID_PATTERN } from "../../engine/subject.ts";

function checkId(what: string, id: string): string {
  if (!ID_PATTERN.test(id)) {
    throw new Error(`invalid ${what} for a storage key: ${JSON.stringify(id)}`);
  }
  return id;
}

export function recordingPrefix(roomId: string, recordingId: string): string {
  return `recordings/${checkId("roomId", roomId)}/${checkId("recordingId", recordingId)}/`;
}

/** `recordings/{room}/{rec}/seg_000042.ts` - zero-padded so keys sort by sequence. */
export function segmentKey(roomId: string, recordingId: string, seq: number, ext = "ts"): string {
  if (!Number.isInteger(seq) || seq < 0) throw new Error(`invalid segment seq ${seq}`);
  return `${recordingPrefix(roomId, recordingId)}seg_${String(seq).padStart(6, "0")}.${ext}`;
}

/** The recording's live captions (WebVTT) as the live captioner writes them. */
export function captionsKey(roomId: string, recordingId: string): string {
  return `${recordingPrefix(roomId, recordingId)}captions.vtt`;
}

/** The recording's HLS playlist as written by the recorder or egress. */
export function playlistKey(roomId: string, recordingId: string): string {
  return `${recordingPrefix(roomId, recordingId)}index.m3u8`;
}

export function clipKey(roomId: string, recordingId: string, clipId: string): string {
  return `${recordingPrefix(roomId, recordingId)}clips/${checkId("clipId", clipId)}.mp4`;
}

/** The (roomId, recordingId) a key belongs to, or undefined for keys outside recordings. */
export function parseRecordingKey(
  key: string,
): { roomId: string; recordingId: string; rest: string } | undefined {
  const m = /^recordings\/([A-Za-z0-9_-]{1,64})\/([A-Za-z0-9_-]{1,64})\/(.+)$/.exec(key);
  return m ? { roomId: m[1], recordingId: m[2], rest: m[3] } : undefined;
}
