/**
 * Search inside one VOD: where a text was on screen (the OCR lines of each analysis window's
 * key frames) or said (the caption cues), as VOD offsets the player seeks to. A line shown in
 * several key frames in a row (a price banner) is one hit from its first frame to its last.
 * Matching is a case-insensitive substring (Chinese has no spaces to split words on).
 */
import { z } from "zod";
import type { AnalysisStore } from "../../actors/segment/analysis_store.ts";
import type { RecordingIndex, RecordingRow } from "../../actors/recording/recording_index.ts";
import { buildTimeline, vodOffsetOf } from "../../actors/recording/timeline.ts";

export const SearchQuery = z.object({
  q: z.string().trim().min(1).max(100),
  limit: z.coerce.number().int().min(1).max(200).default(50),
}).strict();
export type SearchQuery = z.infer<typeof SearchQuery>;

export interface SearchHit {
  /** `screen`: on-screen text (OCR); `caption`: speech. */
  kind: "screen" | "caption";
  text: string;
  /** Where to seek: VOD offset of the first frame (or the cue's start), ms. */
  offsetMs: number;
  /** The last frame it was seen in (or the cue's end), ms. */
  untilMs: number;
}

/** Frames of the same text at most this far apart are one sighting (key frames are 10 s apart). */
const SAME_SIGHTING_MS = 25_000;

export async function searchRecording(
  store: AnalysisStore,
  index: RecordingIndex,
  rec: RecordingRow,
  query: SearchQuery,
): Promise<{ recordingId: string; q: string; hits: SearchHit[] }> {
  const [rows, gaps, screen, captions] = await Promise.all([
    index.segments(rec.id),
    index.gaps(rec.id),
    store.screenText(rec.id, query.q, 2_000),
    store.captions(rec.id),
  ]);
  const timeline = buildTimeline(rec, rows, gaps);
  const hits: SearchHit[] = [];
  // the current sighting of each text (lines come in time order)
  const sighting = new Map<string, { hit: SearchHit; lastAt: number }>();
  for (const line of screen) {
    const offset = vodOffsetOf(timeline, line.at);
    const run = sighting.get(line.text);
    if (run && line.at - run.lastAt <= SAME_SIGHTING_MS) {
      run.hit.untilMs = offset;
      run.lastAt = line.at;
      continue;
    }
    const hit: SearchHit = { kind: "screen", text: line.text, offsetMs: offset, untilMs: offset };
    hits.push(hit);
    sighting.set(line.text, { hit, lastAt: line.at });
  }
  const needle = query.q.toLowerCase();
  for (const c of captions) {
    if (!c.text.toLowerCase().includes(needle)) continue;
    const offsetMs = vodOffsetOf(timeline, c.at);
    hits.push({
      kind: "caption",
      text: c.text,
      offsetMs,
      untilMs: offsetMs + Math.max(0, c.endMs - c.startMs),
    });
  }
  hits.sort((a, b) => a.offsetMs - b.offsetMs || (a.kind < b.kind ? -1 : 1));
  return { recordingId: rec.id, q: query.q, hits: hits.slice(0, query.limit) };
}
