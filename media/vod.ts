/**
 * VOD from the index: a room's recordings, a recording's segment timeline
 * (actors/recording/timeline.ts), a playable HLS playlist of presigned segment URLs, and clips
 * cut with ffmpeg and stored beside the recording.
 */
import type { ClipRow, RecordingIndex, RecordingRow } from "../actors/recording/recording_index.ts";
import { MediaError } from "./errors.ts";
import { h264AacArgs, runFfmpeg } from "./ffmpeg.ts";
import { buildMediaPlaylist } from "./hls.ts";
import type { ObjectStore } from "./object_store.ts";
import { clipKey } from "../actors/recording/storage_keys.ts";
import { buildTimeline, type Timeline, type VodSpan } from "../actors/recording/timeline.ts";

export class VodService {
  constructor(private readonly index: RecordingIndex, private readonly objects: ObjectStore) {}

  listRecordings(roomId: string): Promise<RecordingRow[]> {
    return this.index.recordingsOfRoom(roomId);
  }

  clips(recordingId: string): Promise<ClipRow[]> {
    return this.index.clips(recordingId);
  }

  /** Clips with a presigned download URL each. */
  async clipsWithUrls(
    recordingId: string,
    expiresSec = 3600,
  ): Promise<(ClipRow & { url: string })[]> {
    const clips = await this.index.clips(recordingId);
    return await Promise.all(
      clips.map(async (c) => ({
        ...c,
        url: await this.objects.presignGet(c.key, expiresSec, { forPlayer: true }),
      })),
    );
  }

  async timeline(recordingId: string): Promise<Timeline> {
    const recording = await this.index.recording(recordingId);
    if (!recording) throw new MediaError("recording_not_found", `no recording ${recordingId}`, 404);
    const [rows, gaps] = await Promise.all([
      this.index.segments(recordingId),
      this.index.gaps(recordingId),
    ]);
    return buildTimeline(recording, rows, gaps);
  }

  /** The newest stored segment of a recording (its bytes), or null before the first. */
  async latestSegment(recordingId: string): Promise<{ seq: number; bytes: Uint8Array } | null> {
    const rows = await this.index.segments(recordingId);
    const last = rows.at(-1);
    if (!last) return null;
    const bytes = await this.objects.get(last.key);
    return bytes ? { seq: last.seq, bytes } : null;
  }

  /** An HLS playlist whose segment URIs are presigned GETs (valid `expiresSec`). */
  async playlist(recordingId: string, expiresSec = 3600): Promise<string> {
    const t = await this.timeline(recordingId);
    if (t.segments.length === 0) {
      throw new MediaError("recording_empty", "no segments recorded yet", 404);
    }
    const uris = await Promise.all(
      t.segments.map((s) => this.objects.presignGet(s.key, expiresSec, { forPlayer: true })),
    );
    const ended = t.recording.state === "stopped" || t.recording.state === "failed";
    return buildMediaPlaylist(
      t.segments.map((s, i) => ({
        uri: uris[i],
        durationSec: s.durationMs / 1000,
        programDateTime: s.startAt,
        discontinuity: s.discontinuity,
      })),
      { ended, mediaSequence: t.segments[0].seq },
    );
  }

  /**
   * Cut `span` (VOD offsets) into an MP4 stored at `recordings/{room}/{rec}/clips/{id}.mp4`
   * and indexed. Only the segments the span touches are fetched.
   */
  async cutClip(
    recordingId: string,
    span: VodSpan,
    opts: { padMs?: number } = {},
  ): Promise<ClipRow> {
    const t = await this.timeline(recordingId);
    const pad = opts.padMs ?? 0;
    const from = Math.max(0, span.startOffsetMs - pad);
    const to = Math.min(t.durationMs, span.endOffsetMs + pad);
    if (!(to > from)) throw new MediaError("clip_empty", "the span is outside the recording");
    const needed = t.segments.filter((s) => s.offsetMs + s.durationMs > from && s.offsetMs < to);
    const dir = await Deno.makeTempDir({ prefix: "synapse-clip-" });
    try {
      const list: string[] = [];
      for (const s of needed) {
        const bytes = await this.objects.get(s.key);
        if (!bytes) {
          throw new MediaError("segment_missing", `segment ${s.key} is missing from storage`, 500);
        }
        const path = `${dir}/${s.seq}.ts`;
        await Deno.writeFile(path, bytes);
        list.push(`file '${path}'`);
      }
      await Deno.writeTextFile(`${dir}/list.txt`, list.join("\n") + "\n");
      const out = `${dir}/clip.mp4`;
      await runFfmpeg([
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        `${dir}/list.txt`,
        "-ss",
        ((from - needed[0].offsetMs) / 1000).toFixed(3),
        "-t",
        ((to - from) / 1000).toFixed(3),
        ...h264AacArgs(2),
        "-movflags",
        "+faststart",
        out,
      ]);
      const key = clipKey(t.recording.roomId, recordingId, span.id);
      await this.objects.putFile(key, out, "video/mp4");
      const clip: ClipRow = {
        id: `${recordingId}_${span.id}`.slice(0, 128),
        recordingId,
        highlightId: span.id,
        startOffsetMs: from,
        endOffsetMs: to,
        key,
        score: span.score ?? null,
      };
      await this.index.putClip(clip);
      return clip;
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
}
