/**
 * The co-host part: the room's co-host (its own actor, `actors/cohost/`) listens to the chat
 * it chose (`cohost_listen`: native, bridged or both; persisted in `state.cohost`), and its
 * events (`cohost_events`) go into the room's batches. Accepted chat that is published goes
 * on to it without waiting.
 */
import { COHOST_ACTOR_TYPE } from "../../cohost/address.ts";
import type { CommandOf, Danmaku, RoomEvent } from "../contract.ts";
import type { RoomApi, RoomPart, SayContext } from "../part.ts";
import type { RoomState } from "../state.ts";

export class CoHostPart implements RoomPart {
  readonly name = "cohost";

  constructor(private readonly api: RoomApi, private readonly state: RoomState) {}

  readonly commands = {
    cohost_events: (cmd: CommandOf<"cohost_events">) => {
      for (const e of cmd.events) this.api.emit(e as RoomEvent);
      return { ok: true };
    },
    cohost_listen: (cmd: CommandOf<"cohost_listen">) => {
      this.state.cohost = cmd.native || cmd.bridged
        ? { native: cmd.native, bridged: cmd.bridged }
        : null;
      this.api.markDirty();
      return { ok: true };
    },
  };

  onPublish(say: SayContext, d: Danmaku): void {
    const listen = this.state.cohost;
    if (!listen || !(d.via ? listen.bridged : listen.native)) return;
    const input = {
      id: d.id,
      origin: d.via ? "bridged" : "native",
      platform: d.via?.platform,
      user: { id: d.userId, name: d.name },
      text: d.text,
      at: d.at,
      // the room's owner and room admins speak with the streamer's voice
      trusted: !d.via && this.api.access.isRoomStaff(say.actor.userId),
      language: this.api.streamLanguage(),
    };
    this.api.tell(COHOST_ACTOR_TYPE, this.api.roomId, { kind: "input", input });
  }
}
