/**
 * The stage as the media side sees it, carried in the LiveKit room's metadata so that every
 * participant of the room (the recorder agent wherever it runs) learns it from LiveKit: the
 * layout the streamer chose and who is on stage, in order (tile 0 first: the streamer is
 * not listed, it always comes first). Written by the stage enforcer
 * (`stage_enforcer.ts`) on every stage change; read by the recorder.
 */
import { TILE_LAYOUTS, type TileLayout } from "../compose/tile_layout.ts";

export interface StageHint {
  layout: TileLayout;
  /** LiveKit identities of the guests on stage, in the order they came on. */
  guests: string[];
}

export function stageMetadata(hint: StageHint): string {
  return JSON.stringify({ stage: { layout: hint.layout, guests: hint.guests } });
}

/** The hint in a room's metadata; undefined when there is none or it is damaged. */
export function stageFromMetadata(metadata: string | undefined): StageHint | undefined {
  if (!metadata) return undefined;
  try {
    const s = JSON.parse(metadata)?.stage;
    if (!s || !(TILE_LAYOUTS as readonly string[]).includes(s.layout)) return undefined;
    const guests = Array.isArray(s.guests)
      ? s.guests.filter((g: unknown): g is string => typeof g === "string")
      : [];
    return { layout: s.layout, guests };
  } catch {
    return undefined;
  }
}
