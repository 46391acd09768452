/**
 * The bridges part: outside rooms bridged into this one (`actors/bridges/room_part.ts` does
 * the work). Their chat runs the room's own say path (`RoomApi.say`, tagged `via`); their
 * gifts, super chats and memberships become bridged events; their audiences are reported
 * apart from the room's own viewers (`info.bridgedViewers`).
 */
import { BridgedPart } from "../../bridges/room_part.ts";
import type { CommandOf, RoomInfo } from "../contract.ts";
import type { RoomApi, RoomPart } from "../part.ts";

export class BridgesPart implements RoomPart {
  readonly name = "bridges";
  readonly #bridged: BridgedPart;

  constructor(private readonly api: RoomApi) {
    this.#bridged = new BridgedPart({
      intake: (actor, text, via) => api.say(actor, text, via),
      enqueue: (e) => api.emit(e),
    });
  }

  readonly commands = {
    bridged: (cmd: CommandOf<"bridged">) => this.#bridged.apply(cmd.linkId, cmd.events),
  };

  describe(info: RoomInfo): void {
    info.bridgedViewers = this.#bridged.audience(this.api.now());
  }
}
