/** HLS media playlists (RFC 8216): the subset Synapse writes and reads. */

export interface PlaylistSegment {
  uri: string;
  durationSec: number;
  /** EXT-X-PROGRAM-DATE-TIME of the segment, ms since the epoch. */
  programDateTime?: number;
  /** A discontinuity (a gap, a restarted encoder) precedes this segment. */
  discontinuity?: boolean;
}

export interface MediaPlaylist {
  targetDurationSec: number;
  mediaSequence: number;
  segments: PlaylistSegment[];
  /** EXT-X-ENDLIST seen: no more segments will come. */
  ended: boolean;
}

export function parseMediaPlaylist(text: string): MediaPlaylist {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines[0] !== "#EXTM3U") throw new Error("not an HLS playlist (no #EXTM3U)");
  const out: MediaPlaylist = { targetDurationSec: 0, mediaSequence: 0, segments: [], ended: false };
  let pending: Partial<PlaylistSegment> = {};
  for (const line of lines.slice(1)) {
    if (line.startsWith("#EXT-X-TARGETDURATION:")) out.targetDurationSec = Number(line.slice(22));
    else if (line.startsWith("#EXT-X-MEDIA-SEQUENCE:")) out.mediaSequence = Number(line.slice(22));
    else if (line.startsWith("#EXTINF:")) pending.durationSec = Number.parseFloat(line.slice(8));
    else if (line.startsWith("#EXT-X-PROGRAM-DATE-TIME:")) {
      pending.programDateTime = Date.parse(line.slice(25));
    } else if (line === "#EXT-X-DISCONTINUITY") pending.discontinuity = true;
    else if (line === "#EXT-X-ENDLIST") out.ended = true;
    else if (!line.startsWith("#")) {
      if (pending.durationSec === undefined || !Number.isFinite(pending.durationSec)) {
        throw new Error(`segment ${line} has no valid #EXTINF`);
      }
      out.segments.push({ ...pending, uri: line } as PlaylistSegment);
      pending = {};
    }
  }
  return out;
}

/** A playlist of `segments`; `EVENT` while recording, `VOD` (with ENDLIST) when finished. */
export function buildMediaPlaylist(
  segments: PlaylistSegment[],
  opts: { ended: boolean; mediaSequence?: number },
): string {
  const target = Math.max(1, ...segments.map((s) => Math.ceil(s.durationSec)));
  const lines = [
    "#EXTM3U",
    "#EXT-X-VERSION:3",
    `#EXT-X-PLAYLIST-TYPE:${opts.ended ? "VOD" : "EVENT"}`,
    `#EXT-X-TARGETDURATION:${target}`,
    `#EXT-X-MEDIA-SEQUENCE:${opts.mediaSequence ?? 0}`,
  ];
  for (const s of segments) {
    if (s.discontinuity) lines.push("#EXT-X-DISCONTINUITY");
    if (s.programDateTime !== undefined) {
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(s.programDateTime).toISOString()}`);
    }
    lines.push(`#EXTINF:${s.durationSec.toFixed(3)},`, s.uri);
  }
  if (opts.ended) lines.push("#EXT-X-ENDLIST");
  return lines.join("\n") + "\n";
}
