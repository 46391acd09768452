/**
 * A part of the room: a plug-in with lifecycle hooks, in the spirit of PartyServer's
 * `onStart`/`onConnect`/`onMessage`/`onAlarm`. The room actor (`room_actor.ts`) keeps the
 * core (the mailbox, intake of chat, batching, presence, status) and calls every part's hooks
 * in the order of `roomParts` (`parts.ts`); a part handles the contract's commands it
 * declares in `commands`, and talks to its room only through the `RoomApi` it is given. A new
 * feature (bridges, co-host, guests on stage, PK) is a new part in that list, not an edit to
 * the room actor.
 */
import type { LanguageSetting, LanguageTag } from "../ai/language_tags.ts";
import type { Logger } from "../../engine/log.ts";
import type { MuteStore } from "../ai/moderation/room_manager.ts";
import type { ChatLine } from "./chat_line.ts";
import type {
  Actor,
  CaptionRoomEvent,
  CommandOf,
  Danmaku,
  HighlightSpan,
  JoinReply,
  RoomCommandKind,
  RoomEvent,
  RoomInfo,
  RoomStatus,
  RunningMute,
  SayReply,
  SayWarning,
} from "./contract.ts";
import type { Via } from "../bridges/room_part.ts";

/** The room as its parts see it. */
export interface RoomApi {
  readonly roomId: string;
  readonly log: Logger;
  now(): number;
  /** Queue an event for the room's next batch. */
  emit(event: RoomEvent): void;
  /** Take matching chat out of the next batch and the history. */
  unpublish(match: (d: Danmaku) => boolean): void;
  /** The last `n` messages shown (history and next batch), oldest first (all when omitted). */
  recentChat(n?: number): Danmaku[];
  /** Who may do what (the access part: settings, mutes, bans, admins). */
  readonly access: RoomAccess;
  /** The stream's language AI output uses now (the setting, else detection). */
  streamLanguage(): LanguageTag;
  /** Publish a live caption cue: every part's `onCaption` hears it first. */
  caption(cue: CaptionRoomEvent["c"]): void;
  /** Publish a new highlight: every part's `onHighlight` sees it first (enrichment). */
  highlight(span: HighlightSpan): void;
  /** An admin ended a running mute: every part's `onUnmuted` hears of it. */
  unmuted(
    userId: string,
    mute: { until: number; auditId?: string },
    by: string,
    at: number,
  ): Promise<void>;
  /** Persist the room's state now (before replying to a command that changed it). */
  persist(): Promise<void>;
  /** The state changed; persisted soon. */
  markDirty(): void;
  /** Keep the room ticking (housekeeping) and publish pending events soon. */
  wake(): void;
  /** Publish the room's status now (the directory shows the change at once). */
  statusChanged(): void;
  /**
   * Runs a message through the room's say path as if said in the room (bridged chat, tagged
   * `via`): the same intake, screening, counting and batch; throws the same refusals.
   */
  say(actor: Actor, text: string, via?: Via): SayReply | Promise<SayReply>;
  /** Tell another actor without waiting. */
  tell(type: string, id: string, msg: unknown): void;
  /** A new id, unique in this room, for an event. */
  nextId(): string;
  /**
   * When an edge was last heard from (a presence report or a join), if longer ago than the
   * room's presence TTL (`presenceTtlMs`): that edge crashed or lost the room. Null while
   * it reports.
   */
  edgeStaleSince(edgeId: string): number | null;
  /** A repeating timer delivered to this part's `onTimer`; `keepAlive` keeps the room active. */
  setInterval(name: string, everyMs: number, opts?: { keepAlive?: boolean }): void;
  clearTimer(name: string): void;
  /**
   * A message for this part's own `onSelf`, queued behind the room's mailbox, in process:
   * how work done beside the mailbox (I/O, models, the ledger) comes back to be applied in
   * order. False when the room has stopped meanwhile.
   */
  self(msg: unknown): boolean;
}

/** What other parts ask the access part (`parts/access.ts`). */
export interface RoomAccess {
  /** Room owner, room admin or platform admin. */
  canManage(actor: Actor): boolean;
  /** The room's owner or one of its room admins (platform admins are not). */
  isRoomStaff(userId: string): boolean;
  /** `owner` or `admin` (room or platform) for the room's staff, else undefined. */
  staffRole(actor: Actor): "owner" | "admin" | undefined;
  /** The streamer's language setting for the room's AI (`auto`: follow detection). */
  languageSetting(): LanguageSetting;
  /** Guests are refused (`guests_disabled`) when the room's settings turned guest chat off. */
  requireGuestsAllowed(actor: Actor): void;
  /** `banned` for a banned user. */
  requireNotBanned(actor: Actor, message: string): void;
  isBanned(userId: string): boolean;
  /** The room's one mute list (admins' and the AI's mutes) and its running mutes. */
  readonly mutes: MuteStore & { running(now: number): RunningMute[] };
}

/** One accepted chat message, as the parts see it on the say path. */
export interface SayContext {
  actor: Actor;
  /** The message's id (`Danmaku.id`). */
  id: string;
  line: ChatLine;
  at: number;
}

/** What a part offers; every hook is optional. */
export interface RoomPart {
  readonly name: string;
  /** The contract's commands this part handles (one part per command). */
  readonly commands?: { [K in RoomCommandKind]?: (cmd: CommandOf<K>) => unknown };
  /** After activation, before the first message. */
  onActivate?(): void | Promise<void>;
  /** A viewer joins (through `edgeId`): add this part's view of the viewer or the room to
   * the reply. */
  onJoin?(actor: Actor, reply: JoinReply, edgeId: string): void;
  /** Before a message is accepted: throw an ActorError to refuse it (mute, ban...). */
  onIntake?(actor: Actor, at: number): void;
  /**
   * An accepted message before it is published: throw to hide it; a warning goes back to
   * its sender with the ack. Never waits.
   */
  onScreen?(say: SayContext): SayWarning | undefined;
  /** A message was accepted (published, or flood-suppressed but counted). */
  onSay?(say: SayContext, d: Danmaku): void;
  /** An accepted message goes out in the next batch (not flood-suppressed). */
  onPublish?(say: SayContext, d: Danmaku): void;
  /** A new highlight, before it is published (parts may enrich it). */
  onHighlight?(span: HighlightSpan): void;
  /** A live caption cue reached the room. */
  onCaption?(
    cue: {
      at: number;
      startMs: number;
      endMs: number;
      text: string;
      speaker?: { id: string; name: string };
    },
  ): void;
  /** An admin ended `userId`'s running mute (`mute`: the one that ran). */
  onUnmuted?(
    userId: string,
    mute: { until: number; auditId?: string },
    by: string,
    at: number,
  ): void | Promise<void>;
  /** The room's info (`info`, `join`) and status: add this part's fields. */
  describe?(info: RoomInfo): void;
  describeStatus?(status: RoomStatus): void;
  /** Housekeeping, at most about a second apart while the room is active. */
  onTick?(now: number): void;
  /** Every few seconds: expire what is old. */
  onSweep?(now: number): void;
  /** Copy in-memory state into the persisted room state (before a write). */
  onSync?(): void;
  /** A timer this part set fired. */
  onTimer?(name: string): void | Promise<void>;
  /** This part's own message came back (`RoomApi.self`). */
  onSelf?(msg: unknown): void | Promise<void>;
  /** Before passivation: finish what is in flight, close what is open. */
  onPassivate?(now: number): void | Promise<void>;
  /** True while this part has work that needs the room to keep ticking. */
  busy?(): boolean;
}
