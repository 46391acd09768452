/**
 * The one typed way to talk to a room (`rooms.p{k}.{roomId}`): the edge, the media wiring,
 * the accounts routes and the recording analysis all use it, and nothing else addresses the
 * room actor type. Viewer and edge commands go out bare; internal commands (trusted server
 * code: `configure`, `caption`, `window`, `stream`, `stream_recording`) go out inside the
 * internal envelope that only the methods below build (see `contract.ts` for who may send
 * what). Every failure becomes a `RoomRequestError` with a stable code: the room's own code,
 * `room_unavailable` when nobody answered (hand-over, overload), or `internal`.
 */
import { ActorError } from "../../engine/actor.ts";
import {
  type Actor,
  type AiOp,
  type AiStateReply,
  type CaptionCommand,
  type CommandOf,
  type ConfigureReply,
  type GiftOutcome,
  type HighlightSpan,
  type InternalEnvelope,
  type InternalKind,
  type JoinReply,
  type ModerateReply,
  type OpenKind,
  type PresenceReply,
  ROOM_ACTOR_TYPE,
  type RoomCommandInput,
  type RoomInfo,
  type RoomSettings,
  type SayReply,
  type StageOp,
  type StageView,
  type StatsReply,
  type StreamReply,
  type WindowReply,
} from "./contract.ts";
import type { z } from "zod";
import type { BridgeEvent } from "../bridges/events.ts";
import type { BridgedReply } from "../bridges/room_part.ts";
import type { CoHostEvent } from "../cohost/events.ts";
import type { PkView } from "../pk/view.ts";
import type { MeetingOp, MeetingReply } from "./meeting_contract.ts";

/** The part of the engine's ActorClient (or an actor's context) the client needs. */
export interface ActorAsker {
  ask<R>(type: string, id: string, msg: unknown): Promise<R>;
  /** `ask` for a message that may travel with others to the same actor (chat). */
  askBatched?<R>(type: string, id: string, msg: unknown): Promise<R>;
}

/** A refused or failed room request; an ActorError, so actors may catch it as one. */
export class RoomRequestError extends ActorError {
  constructor(code: string, message: string, details?: unknown) {
    super(code, message, details);
    this.name = "RoomRequestError";
  }
}

/** How long a sender told `slow_down` should wait before sending again. */
const SLOW_DOWN_RETRY_MS = 1_000;

/**
 * After a room refused chat because its mailbox was full, chat for it through this client is
 * refused the same way (`slow_down`) for this long without asking the room: the room is
 * working through a full mailbox (far more than this window's work), and each refusal it had
 * to make itself cost a round trip. Not after a stale message was shed: the room then has
 * just dropped what was too old and what comes next is fresh.
 */
export const SHED_WINDOW_MS = 50;
/** Rooms remembered as shedding at most (the memory starts over past it). */
const SHED_ROOMS_MAX = 10_000;

function slowDown(reason: "full" | "stale" = "full"): RoomRequestError {
  return new RoomRequestError("slow_down", "the room is very busy; slow down and retry", {
    retryAfterMs: SLOW_DOWN_RETRY_MS,
    reason,
  });
}

/** A `slow_down` because the room's mailbox was at capacity (not a stale message shed). */
function refusedFull(err: unknown): boolean {
  if (!(err instanceof RoomRequestError) || err.code !== "slow_down") return false;
  const details = err.details as { reason?: string } | undefined;
  return details?.reason === "full";
}

/** Engine codes meaning "nobody could take the request right now". */
const UNAVAILABLE = new Set([
  "unavailable",
  "no_responders",
  "request_timeout",
  "timeout",
  "system_closed",
  "stale_activation",
]);

/** Who the recording analysis acts as when it reads a room's AI panel (no manager rights). */
export const ANALYST_ACTOR: Actor = {
  userId: "system-analysis",
  name: "analysis",
  kind: "user",
  roles: [],
};

type Open<K extends OpenKind> = Omit<RoomCommandInput<K>, "kind">;

export class RoomClient {
  /** Rooms that answered `slow_down` lately: until when (`now()`) chat is refused here. */
  readonly #shedUntil = new Map<string, number>();

  constructor(
    private readonly actors: ActorAsker,
    /** The room actor type (tests may host rooms under another name). */
    private readonly type: string = ROOM_ACTOR_TYPE,
    /** Monotonic milliseconds (tests inject a clock). */
    private readonly now: () => number = () => performance.now(),
  ) {}

  // --- edge (built by the edge from its own state)

  join(roomId: string, edgeId: string, actor: Actor, resumeFrom?: number): Promise<JoinReply> {
    return this.#open(roomId, "join", { edgeId, actor, resumeFrom });
  }

  presence(roomId: string, edgeId: string, viewers: number): Promise<PresenceReply> {
    return this.#open(roomId, "presence", { edgeId, viewers });
  }

  // --- viewer (the actor is the verified identity)

  say(roomId: string, actor: Actor, text: string, clientId?: string): Promise<SayReply> {
    const until = this.#shedUntil.get(roomId);
    if (until !== undefined) {
      if (this.now() < until) return Promise.reject(slowDown());
      this.#shedUntil.delete(roomId);
    }
    const say: RoomCommandInput<"say"> = { actor, text, clientId, kind: "say" };
    return this.#ask<SayReply>(roomId, say, true).catch((err) => {
      if (refusedFull(err)) {
        if (this.#shedUntil.size >= SHED_ROOMS_MAX) this.#shedUntil.clear();
        this.#shedUntil.set(roomId, this.now() + SHED_WINDOW_MS);
      }
      throw err;
    });
  }

  moderate(roomId: string, cmd: Open<"moderate">): Promise<ModerateReply> {
    return this.#open(roomId, "moderate", cmd);
  }

  /** Resolves with the gift's outcome: committed, or refused by the ledger (`ok: false`). */
  gift(roomId: string, cmd: Open<"gift">): Promise<GiftOutcome> {
    return this.#open(roomId, "gift", cmd);
  }

  info(roomId: string): Promise<RoomInfo> {
    return this.#open(roomId, "info", {});
  }

  highlights(roomId: string): Promise<HighlightSpan[]> {
    return this.#open(roomId, "highlights", {});
  }

  /** The room's time series since activation: viewers, chat and gifts per bucket. */
  stats(roomId: string): Promise<StatsReply> {
    return this.#open(roomId, "stats", {});
  }

  /** The room's AI: panel state, audit/undo, knowledge base, Q&A controls. */
  ai<R = unknown>(roomId: string, actor: Actor, cmd: z.input<typeof AiOp>): Promise<R> {
    return this.#open(roomId, "ai", { actor, cmd });
  }

  /** Guests on stage: raise/lower/leave (own), accept/decline/remove/mute/layout (staff). */
  stage(roomId: string, actor: Actor, cmd: z.input<typeof StageOp>): Promise<StageView> {
    return this.#open(roomId, "stage", { actor, cmd });
  }

  /** LiveKit saw a guest's connection go (`connected: false`) or come back. */
  stagePresence(roomId: string, userId: string, connected: boolean): Promise<{ ok: true }> {
    return this.#internal(roomId, { kind: "stage_presence", userId, connected });
  }

  /** A meeting member's LiveKit connection (`sfu`) or last socket on an edge went or came back. */
  meetingPresence(
    roomId: string,
    p: { userId: string; connected: boolean; via: "sfu" | "socket"; edgeId?: string },
  ): Promise<{ ok: true }> {
    return this.#internal(roomId, { kind: "meeting_presence", ...p });
  }

  /** A meeting room's operation (`meeting_contract.ts` says who may do what). */
  meeting(roomId: string, actor: Actor, cmd: z.input<typeof MeetingOp>): Promise<MeetingReply> {
    return this.#open(roomId, "meeting", { actor, cmd });
  }

  /** The AI panel's state (`op: "state"`). */
  aiState(roomId: string, actor: Actor): Promise<AiStateReply> {
    return this.ai<AiStateReply>(roomId, actor, { op: "state" });
  }

  // --- internal (trusted server code only; sent inside the internal envelope)

  /** The room's settings changed in the accounts database (`null`: no longer registered). */
  configure(roomId: string, settings: RoomSettings | null): Promise<ConfigureReply> {
    return this.#internal(roomId, { kind: "configure", settings });
  }

  /** A live caption cue for the room's viewers. */
  caption(roomId: string, cue: CommandOf<"caption">): Promise<{ ok: true }> {
    return this.#internal(roomId, cue satisfies CaptionCommand);
  }

  /** The room's danmaku in [from, to) (a recording's analysis window). */
  window(roomId: string, q: Omit<RoomCommandInput<"window">, "kind">): Promise<WindowReply> {
    return this.#internal(roomId, { kind: "window", ...q });
  }

  /** Live or offline, from a verified LiveKit webhook. */
  stream(roomId: string, cmd: Omit<CommandOf<"stream">, "kind">): Promise<StreamReply> {
    return this.#internal(roomId, { kind: "stream", ...cmd });
  }

  /** The reconciler resumed the stream's recording (compare-and-set on `replaces`). */
  streamRecording(
    roomId: string,
    cmd: Omit<CommandOf<"stream_recording">, "kind">,
  ): Promise<StreamReply> {
    return this.#internal(roomId, { kind: "stream_recording", ...cmd });
  }

  /** Events of a bridged outside room (`actors/bridges`). */
  bridged(roomId: string, linkId: string, events: BridgeEvent[]): Promise<BridgedReply> {
    return this.#internal(roomId, { kind: "bridged", linkId, events });
  }

  /** The co-host's events for the room's batches. */
  cohostEvents(roomId: string, events: CoHostEvent[]): Promise<{ ok: true }> {
    return this.#internal(roomId, { kind: "cohost_events", events });
  }

  /** Which chat the room forwards to its co-host. */
  cohostListen(
    roomId: string,
    listen: { native: boolean; bridged: boolean },
  ): Promise<{ ok: true }> {
    return this.#internal(roomId, { kind: "cohost_listen", ...listen });
  }

  /** The room's moderation on a sentence its co-host is about to say. */
  screenSpeech(roomId: string, text: string): Promise<{ allowed: boolean; reasons: string[] }> {
    return this.#internal(roomId, { kind: "speech_screen", text });
  }

  /** A PK battle's view for the room (the coordinator; `pk_busy` while in another battle). */
  pk(roomId: string, view: PkView): Promise<{ ok: true }> {
    return this.#internal(roomId, { kind: "pk", view: view as unknown as CommandOf<"pk">["view"] });
  }

  #open<K extends OpenKind, R>(roomId: string, kind: K, fields: Open<K>): Promise<R> {
    return this.#ask(roomId, { ...fields, kind });
  }

  #internal<R>(roomId: string, cmd: RoomCommandInput<InternalKind>): Promise<R> {
    const envelope: InternalEnvelope = { kind: "internal", cmd };
    return this.#ask(roomId, envelope);
  }

  /** `batched`: the message may share a request with others to the room (chat). */
  async #ask<R>(roomId: string, msg: unknown, batched = false): Promise<R> {
    try {
      return batched && this.actors.askBatched
        ? await this.actors.askBatched<R>(this.type, roomId, msg)
        : await this.actors.ask<R>(this.type, roomId, msg);
    } catch (err) {
      throw toRoomRequestError(err);
    }
  }
}

function toRoomRequestError(err: unknown): RoomRequestError {
  if (err instanceof RoomRequestError) return err;
  const code = err instanceof Error && "code" in err && typeof err.code === "string"
    ? err.code
    : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (code === undefined) return new RoomRequestError("internal", "room request failed");
  if (code === "mailbox_full") {
    // The room's intake is past its capacity: it sheds chat first and says so.
    const details = err instanceof Error && "details" in err ? err.details : undefined;
    return slowDown(
      (details as { reason?: string } | undefined)?.reason === "stale" ? "stale" : "full",
    );
  }
  if (UNAVAILABLE.has(code)) {
    return new RoomRequestError("room_unavailable", "the room is not reachable right now; retry");
  }
  // An unexpected failure inside the room: never echo its text to clients.
  if (code === "internal") return new RoomRequestError("internal", "the room failed to answer");
  const details = err instanceof Error && "details" in err ? err.details : undefined;
  return new RoomRequestError(code, message, details);
}
