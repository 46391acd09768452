/**
 * The stage part: guests on stage (连麦). A signed-in viewer raises a hand (`raise`, for
 * camera, microphone or both) and may lower it or leave the stage; the room's owner, a room
 * admin or a platform admin sees the queue and accepts (up to `maxGuests` guests), declines,
 * removes, mutes a guest's camera or microphone, and picks the layout viewers see. Every
 * change is a `stage` event carrying the whole view (essential, never dropped).
 *
 * The room never talks to LiveKit: the media side watches the batches for `stage` events and
 * grants or takes publish rights there (`media/livekit/stage_enforcer.ts`), as it enforces
 * bans; a guest whose LiveKit connection restarts gets a token with the same rights from
 * `GET /api/media/token`, which asks this part (`state`) who is on stage. A banned guest or
 * raised hand is dropped at the next tick (`banned`). The stage (layout, guests, queue) is
 * persisted with the room (`state.stage`), so a fail-over keeps it.
 *
 * A guest whose LiveKit connection goes without `leave` (a closed tab, a lost network: the
 * `stage_presence` command, from LiveKit's `participant_left` webhook) keeps the spot for
 * `graceMs`; back in time (`participant_joined`), nothing happened; else they leave the stage
 * (`left`, reason `disconnected`) at the next tick.
 */
import { z } from "zod";
import { ActorError } from "../../../engine/actor.ts";
import {
  type Actor,
  type CommandOf,
  type RoomInfo,
  type StageEntry,
  StageLayout,
  StageMedia,
  type StageOp,
  type StageRoomEvent,
  type StageView,
} from "../contract.ts";
import type { RoomApi, RoomPart } from "../part.ts";

/** Raised hands kept at most (a full queue refuses `raise` with `limit_reached`). */
export const MAX_STAGE_QUEUE = 50;
/** Guests on stage by default besides the streamer (`STAGE_MAX_GUESTS`). */
export const DEFAULT_MAX_GUESTS = 3;
/** How long a disconnected guest keeps the spot by default (`STAGE_DISCONNECT_GRACE_MS`). */
export const DEFAULT_DISCONNECT_GRACE_MS = 15_000;

/** Persisted with the room (`state.stage`). */
export interface StageState {
  layout: StageLayout;
  guests: StageEntry[];
  queue: StageEntry[];
  /** Guests whose LiveKit connection went, and since when. */
  away?: { userId: string; since: number }[];
}

const Entry = z.object({
  userId: z.string(),
  name: z.string(),
  media: StageMedia,
  at: z.number(),
});
const PersistedStage = z.object({
  layout: StageLayout.catch("grid"),
  guests: z.array(Entry).catch([]),
  queue: z.array(Entry).catch([]),
  away: z.array(z.object({ userId: z.string(), since: z.number() })).catch([]).optional(),
});

/** Restores `stage` from persisted room state (damaged: an empty stage). */
export function restoreStageState<S extends object>(state: S, raw: unknown): S {
  const s = typeof raw === "object" && raw !== null
    ? (raw as { stage?: unknown }).stage
    : undefined;
  if (s === undefined) return state;
  const parsed = PersistedStage.safeParse(s);
  return Object.assign(state, {
    stage: parsed.success ? parsed.data : { layout: "grid", guests: [], queue: [] },
  });
}

type Op<K extends StageOp["op"]> = Extract<StageOp, { op: K }>;

export class StagePart implements RoomPart {
  readonly name = "stage";
  readonly #state: { stage?: StageState };

  constructor(
    private readonly api: RoomApi,
    /** The room's persisted state; this part owns its `stage` field. */
    state: object,
    private readonly maxGuests: number,
    private readonly graceMs: number = DEFAULT_DISCONNECT_GRACE_MS,
  ) {
    this.#state = state as { stage?: StageState };
  }

  readonly commands = {
    stage: (cmd: CommandOf<"stage">) => this.#handle(cmd.actor, cmd.cmd),
    stage_presence: (cmd: CommandOf<"stage_presence">) => this.#presence(cmd),
  };

  /** A guest's LiveKit connection went or came back (persisted: the grace survives a move). */
  async #presence(cmd: CommandOf<"stage_presence">): Promise<{ ok: true }> {
    const s = this.#state.stage;
    if (!s?.guests.some((e) => e.userId === cmd.userId)) return { ok: true };
    const was = (s.away ?? []).find((a) => a.userId === cmd.userId);
    const away = (s.away ?? []).filter((a) => a !== was);
    // a second `left` keeps the first time (the grace runs from when they went)
    if (!cmd.connected) away.push(was ?? { userId: cmd.userId, since: this.api.now() });
    s.away = away;
    if (!was !== cmd.connected) {
      await this.#changed({ op: cmd.connected ? "back" : "away", userId: cmd.userId });
    } else await this.api.persist();
    return { ok: true };
  }

  get #s(): StageState {
    return this.#state.stage ??= { layout: "grid", guests: [], queue: [] };
  }

  view(): StageView {
    const s = this.#state.stage;
    return {
      layout: s?.layout ?? "grid",
      maxGuests: this.maxGuests,
      guests: s ? s.guests.map((e) => ({ ...e })) : [],
      queue: s ? s.queue.map((e) => ({ ...e })) : [],
      ...(s?.away?.length ? { away: s.away.map((a) => a.userId) } : {}),
    };
  }

  describe(info: RoomInfo): void {
    info.stage = this.view();
  }

  /**
   * A banned guest leaves the stage, a banned viewer's hand goes down; a guest away past the
   * grace period leaves the stage.
   */
  onTick(): void {
    const s = this.#state.stage;
    if (!s || (s.guests.length === 0 && s.queue.length === 0)) return;
    if (s.away?.length) this.#dropAway(s);
    for (const e of [...s.guests, ...s.queue]) {
      if (!this.api.access.isBanned(e.userId)) continue;
      this.#drop(e.userId);
      this.#emit({ op: "banned", userId: e.userId });
      this.api.markDirty();
    }
  }

  #handle(actor: Actor, cmd: StageOp): StageView | Promise<StageView> {
    switch (cmd.op) {
      case "state":
        return this.view();
      case "raise":
        return this.#raise(actor, cmd);
      case "lower":
        return this.#selfOut(actor, "queue", "lowered");
      case "leave":
        return this.#selfOut(actor, "guests", "left");
      default:
        return this.#manage(actor, cmd);
    }
  }

  #raise(actor: Actor, cmd: Op<"raise">): StageView | Promise<StageView> {
    if (actor.kind !== "user") {
      throw new ActorError("login_required", "sign in to go on stage");
    }
    this.api.access.requireNotBanned(actor, "you are banned from this room");
    const s = this.#s;
    if (s.guests.some((e) => e.userId === actor.userId)) return this.view();
    const queued = s.queue.find((e) => e.userId === actor.userId);
    if (queued) {
      if (queued.media === cmd.media) return this.view();
      queued.media = cmd.media;
    } else {
      if (s.queue.length >= MAX_STAGE_QUEUE) {
        throw new ActorError("limit_reached", `at most ${MAX_STAGE_QUEUE} raised hands`);
      }
      s.queue.push({
        userId: actor.userId,
        name: actor.name,
        media: cmd.media,
        at: this.api.now(),
      });
    }
    return this.#changed({ op: "raised", userId: actor.userId, media: cmd.media });
  }

  /** The sender lowers their own hand (`queue`) or leaves the stage (`guests`). */
  #selfOut(
    actor: Actor,
    from: "queue" | "guests",
    op: "lowered" | "left",
  ): StageView | Promise<StageView> {
    const s = this.#s;
    // leaving also lowers a raised hand: one button for "get me off"
    if (op === "left" && !s.guests.some((e) => e.userId === actor.userId)) {
      return this.#selfOut(actor, "queue", "lowered");
    }
    const i = s[from].findIndex((e) => e.userId === actor.userId);
    if (i < 0) return this.view();
    s[from].splice(i, 1);
    return this.#changed({ op, userId: actor.userId });
  }

  #manage(
    actor: Actor,
    cmd: Op<"accept" | "decline" | "remove" | "mute" | "layout">,
  ): StageView | Promise<StageView> {
    if (!this.api.access.canManage(actor)) {
      throw new ActorError("forbidden", "only the streamer or a room admin manages the stage");
    }
    const s = this.#s;
    const by = actor.userId;
    switch (cmd.op) {
      case "layout":
        if (s.layout === cmd.layout) return this.view();
        s.layout = cmd.layout;
        return this.#changed({ op: "layout", by });
      case "accept": {
        if (s.guests.some((e) => e.userId === cmd.userId)) return this.view();
        const i = this.#find("queue", cmd.userId);
        if (s.guests.length >= this.maxGuests) {
          throw new ActorError("stage_full", `at most ${this.maxGuests} guests on stage`);
        }
        const [entry] = s.queue.splice(i, 1);
        s.away = s.away?.filter((a) => a.userId !== cmd.userId);
        const media = cmd.media ?? entry.media;
        s.guests.push({ ...entry, media, at: this.api.now() });
        return this.#changed({ op: "accepted", userId: cmd.userId, media, by });
      }
      case "decline":
        s.queue.splice(this.#find("queue", cmd.userId), 1);
        return this.#changed({ op: "declined", userId: cmd.userId, by });
      case "remove":
        s.guests.splice(this.#find("guests", cmd.userId), 1);
        return this.#changed({ op: "removed", userId: cmd.userId, by });
      case "mute":
        this.#find("guests", cmd.userId);
        return this.#changed({ op: "muted", userId: cmd.userId, source: cmd.source, by });
    }
  }

  #find(list: "queue" | "guests", userId: string): number {
    const i = this.#s[list].findIndex((e) => e.userId === userId);
    if (i < 0) {
      throw new ActorError(
        "stage_not_found",
        list === "queue" ? `${userId} has not raised a hand` : `${userId} is not on stage`,
      );
    }
    return i;
  }

  #dropAway(s: StageState): void {
    const now = this.api.now();
    for (const a of s.away!.filter((a) => now - a.since >= this.graceMs)) {
      const still = s.guests.some((e) => e.userId === a.userId);
      this.#drop(a.userId);
      if (still) this.#emit({ op: "left", userId: a.userId, reason: "disconnected" });
      this.api.markDirty();
    }
  }

  #drop(userId: string): void {
    const s = this.#s;
    s.guests = s.guests.filter((e) => e.userId !== userId);
    s.queue = s.queue.filter((e) => e.userId !== userId);
    if (s.away) s.away = s.away.filter((a) => a.userId !== userId);
  }

  /** Broadcast the change with the new view. */
  #emit(change: Omit<StageRoomEvent, "t" | "stage" | "at">): StageView {
    const stage = this.view();
    this.api.emit({ t: "stage", ...change, stage, at: this.api.now() });
    return stage;
  }

  /** Broadcast the change; persisted before the sender hears back. */
  async #changed(change: Omit<StageRoomEvent, "t" | "stage" | "at">): Promise<StageView> {
    const stage = this.#emit(change);
    await this.api.persist();
    return stage;
  }
}
