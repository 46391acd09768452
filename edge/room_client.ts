/**
 * Typed requests from the edge to room actors (`rooms.p{k}.{roomId}`), with every failure
 * turned into a `RoomRequestError` carrying a stable code: the room's own ActorError code,
 * `room_unavailable` when nobody answered (hand-over, overload), or `internal`.
 */
import type {
  Actor as RoomActorIdentity,
  HighlightSpan,
  JoinReply,
  RoomCommand,
  RoomInfo,
  SayReply,
} from "../actors/room/messages.ts";
import { ROOM_ACTOR_TYPE } from "../actors/room/room_actor.ts";
import type { AiCommand, AiOp } from "../actors/room/ai_messages.ts";
import type { z } from "zod";

/** The part of the engine's ActorClient the edge needs. */
export interface ActorAsker {
  ask<R>(type: string, id: string, msg: unknown): Promise<R>;
}

export class RoomRequestError extends Error {
  constructor(readonly code: string, message: string, readonly details?: unknown) {
    super(message);
    this.name = "RoomRequestError";
  }
}

/** Engine codes meaning "nobody could take the request right now". */
const UNAVAILABLE = new Set([
  "unavailable",
  "no_responders",
  "request_timeout",
  "timeout",
  "mailbox_full",
  "system_closed",
  "stale_activation",
]);

export class RoomClient {
  constructor(private readonly actors: ActorAsker) {}

  join(
    roomId: string,
    edgeId: string,
    actor: RoomActorIdentity,
    resumeFrom?: number,
  ): Promise<JoinReply> {
    return this.ask(roomId, { kind: "join", edgeId, actor, resumeFrom });
  }

  say(
    roomId: string,
    actor: RoomActorIdentity,
    text: string,
    clientId?: string,
  ): Promise<SayReply> {
    return this.ask(roomId, { kind: "say", actor, text, clientId });
  }

  moderate(
    roomId: string,
    cmd: Omit<Extract<RoomCommand, { kind: "moderate" }>, "kind">,
  ): Promise<unknown> {
    return this.ask(roomId, { kind: "moderate", ...cmd });
  }

  gift(
    roomId: string,
    cmd: Omit<Extract<RoomCommand, { kind: "gift" }>, "kind">,
  ): Promise<unknown> {
    return this.ask(roomId, { kind: "gift", ...cmd });
  }

  presence(roomId: string, edgeId: string, viewers: number): Promise<unknown> {
    return this.ask(roomId, { kind: "presence", edgeId, viewers });
  }

  info(roomId: string): Promise<RoomInfo> {
    return this.ask(roomId, { kind: "info" });
  }

  highlights(roomId: string): Promise<HighlightSpan[]> {
    return this.ask(roomId, { kind: "highlights" });
  }

  /** The room's AI: panel state, audit/undo, knowledge base, Q&A controls. */
  ai<R = unknown>(roomId: string, actor: RoomActorIdentity, cmd: z.input<typeof AiOp>): Promise<R> {
    return this.ask(roomId, { kind: "ai", actor, cmd } as AiCommand);
  }

  private async ask<R>(roomId: string, cmd: RoomCommand | AiCommand): Promise<R> {
    try {
      return await this.actors.ask<R>(ROOM_ACTOR_TYPE, roomId, cmd);
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
  if (UNAVAILABLE.has(code)) {
    return new RoomRequestError("room_unavailable", "the room is not reachable right now; retry");
  }
  // An unexpected failure inside the room: never echo its text to clients.
  if (code === "internal") return new RoomRequestError("internal", "the room failed to answer");
  const details = err instanceof Error && "details" in err ? err.details : undefined;
  return new RoomRequestError(code, message, details);
}
