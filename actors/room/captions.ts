/**
 * The room's side of the recording analysis (internal commands, see `contract.ts`):
 * `caption` broadcasts a live caption cue in the next batch; `window` answers the room's
 * danmaku in [from, to) for a SegmentActor's analysis window.
 */
import type {
  CaptionCommand,
  CaptionRoomEvent,
  Danmaku,
  WindowQuery,
  WindowReply,
} from "./contract.ts";

/** What the handler needs from its room. */
export interface CaptionRoomPort {
  emit(event: CaptionRoomEvent): void;
  /** The danmaku the room still holds (window and next batch), oldest first. */
  recent(): Danmaku[];
}

export function handleCaption(cmd: CaptionCommand, port: CaptionRoomPort): { ok: true } {
  const { kind: _, ...c } = cmd;
  port.emit({ t: "caption", c });
  return { ok: true };
}

export function handleWindow(q: WindowQuery, port: CaptionRoomPort): WindowReply {
  const { from, to, limit } = q;
  return { danmaku: port.recent().filter((d) => d.at >= from && d.at < to).slice(-limit) };
}
