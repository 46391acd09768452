/**
 * The captions part (internal commands, see `contract.ts`): `caption` broadcasts a live
 * caption cue in the next batch (and every part's `onCaption` hears it: the AI completes a
 * highlight's speech); `window` answers the room's danmaku in [from, to) for a recording's
 * analysis window. The room keeps its last 200 messages of 10 minutes: older ones are gone.
 */
import type { CommandOf, WindowReply } from "../contract.ts";
import type { RoomApi, RoomPart } from "../part.ts";

export class CaptionsPart implements RoomPart {
  readonly name = "captions";

  constructor(private readonly api: RoomApi) {}

  readonly commands = {
    caption: (cmd: CommandOf<"caption">): { ok: true } => {
      const { kind: _, ...c } = cmd;
      this.api.caption(c);
      return { ok: true };
    },
    window: ({ from, to, limit }: CommandOf<"window">): WindowReply => ({
      danmaku: this.api.recentChat().filter((d) => d.at >= from && d.at < to).slice(-limit),
    }),
  };
}
