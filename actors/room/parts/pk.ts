/**
 * The PK part: the room's side of a PK battle (the coordinator is its own actor, `actors/pk`).
 * The internal `pk` command brings the battle's view: the room is claimed by one battle at a
 * time (another one's view is refused with `pk_busy` until the first has ended), shows it to
 * its viewers (`pk` events, `RoomInfo.pk`, persisted as `state.pk`), and while a battle is on
 * it watches its own stream: once offline it tells the coordinator (which checks, and ends
 * the battle). A view left running long past its end (a lost update) is dropped.
 */
import { ActorError } from "../../../engine/actor.ts";
import { PK_ACTOR_TYPE } from "../../pk/contract.ts";
import type { PkView } from "../../pk/view.ts";
import type { CommandOf, RoomInfo } from "../contract.ts";
import type { RoomApi, RoomPart } from "../part.ts";

/** How often an offline room reminds the coordinator. */
const OFFLINE_EVERY_MS = 3_000;
/** A running view this long past its end is stale. */
const STALE_MS = 60_000;

export class PkPart implements RoomPart {
  readonly name = "pk";
  readonly #state: { pk?: PkView | null; stream?: { live: boolean } };
  #toldOfflineAt = 0;

  constructor(private readonly api: RoomApi, state: object) {
    this.#state = state as { pk?: PkView | null; stream?: { live: boolean } };
  }

  readonly commands = {
    pk: async (cmd: CommandOf<"pk">) => {
      const view = cmd.view as unknown as PkView;
      const current = this.#state.pk;
      if (current && current.pkId !== view.pkId && current.status !== "ended") {
        throw new ActorError("pk_busy", "this room is in another PK");
      }
      this.#state.pk = view;
      this.api.emit({ t: "pk", pk: view, at: this.api.now() });
      await this.api.persist();
      return { ok: true };
    },
  };

  describe(info: RoomInfo): void {
    if (this.#state.pk) info.pk = this.#state.pk;
  }

  onTick(now: number): void {
    const pk = this.#state.pk;
    if (!pk || pk.status === "ended") return;
    if (pk.status === "running" && pk.endsAt !== undefined && now > pk.endsAt + STALE_MS) {
      this.#state.pk = { ...pk, status: "ended", reason: pk.reason ?? "time" };
      this.api.markDirty();
      return;
    }
    if (this.#state.stream?.live === false && now - this.#toldOfflineAt >= OFFLINE_EVERY_MS) {
      this.#toldOfflineAt = now;
      this.api.tell(PK_ACTOR_TYPE, pk.pkId, { kind: "offline", roomId: this.api.roomId });
    }
  }
}

/** Restores `pk` from persisted room state (anything damaged: none). */
export function restorePkState<S extends object>(state: S, raw: unknown): S {
  const pk = typeof raw === "object" && raw !== null ? (raw as { pk?: unknown }).pk : undefined;
  const ok = typeof pk === "object" && pk !== null &&
    typeof (pk as PkView).pkId === "string" && typeof (pk as PkView).status === "string";
  return ok ? Object.assign(state, { pk }) : state;
}
