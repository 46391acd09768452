/**
 * The room's side of the recording analysis (trusted server commands, see `messages.ts`):
 * `caption` broadcasts a live caption cue in the next batch; `window` answers the room's
 * danmaku in [from, to) for a SegmentActor's analysis window. Routed here from the room
 * actor by `isCaptionCommandKind` before its own command parsing.
 */
import { ActorError } from "../../engine/actor.ts";
import { CaptionCommand, type CaptionRoomEvent, type Danmaku, WindowQuery } from "./messages.ts";

/** What the handler needs from its room. */
export interface CaptionRoomPort {
  emit(event: CaptionRoomEvent): void;
  /** The danmaku the room still holds (window and next batch), oldest first. */
  recent(): Danmaku[];
}

/** The room keeps its last 200 messages of 10 minutes: older ones of a window are gone. */
export interface WindowReply {
  danmaku: Danmaku[];
}

/** Cheap routing check before the full parse. */
export function isCaptionCommandKind(raw: unknown): boolean {
  if (typeof raw !== "object" || raw === null) return false;
  const kind = (raw as { kind?: unknown }).kind;
  return kind === "caption" || kind === "window";
}

export function handleCaptionCommand(
  raw: unknown,
  port: CaptionRoomPort,
): { ok: true } | WindowReply {
  const kind = (raw as { kind: string }).kind;
  if (kind === "caption") {
    const cue = CaptionCommand.safeParse(raw);
    if (!cue.success) throw new ActorError("bad_command", cue.error.issues[0]?.message ?? "bad");
    const { kind: _, ...c } = cue.data;
    port.emit({ t: "caption", c });
    return { ok: true };
  }
  const q = WindowQuery.safeParse(raw);
  if (!q.success) throw new ActorError("bad_command", q.error.issues[0]?.message ?? "bad");
  const { from, to, limit } = q.data;
  return { danmaku: port.recent().filter((d) => d.at >= from && d.at < to).slice(-limit) };
}
