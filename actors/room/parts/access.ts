/**
 * The access part: who may do what in the room. The room's settings (owner, room admins,
 * guest chat, title: from the accounts database through the `settings` port on activation,
 * and from the internal `configure` command on change), and the mute, ban and admin lists
 * (`moderation.ts`) with the `moderate` command. On the say path it refuses muted and banned
 * senders; `join` tells a viewer its standing. Other parts reach it through `RoomApi.access`.
 */
import type { LanguageSetting } from "../../ai/language_tags.ts";
import { ActorError } from "../../../engine/actor.ts";
import type {
  Actor,
  CommandOf,
  ConfigureReply,
  JoinReply,
  ModerateReply,
  RoomEvent,
  RoomInfo,
  RoomSettings,
  RoomSettingsView,
} from "../contract.ts";
import { Moderation, type MuteStatus } from "../moderation.ts";
import type { RoomAccess, RoomApi, RoomPart } from "../part.ts";
import type { RoomSettingsSource } from "../ports.ts";
import type { RoomState } from "../state.ts";

export class AccessPart implements RoomPart, RoomAccess {
  readonly name = "access";
  readonly #moderation: Moderation;

  constructor(
    private readonly api: RoomApi,
    private readonly state: RoomState,
    private readonly source: RoomSettingsSource | undefined,
    /** The settings read may hold the room's start-up at most this long. */
    private readonly settingsTimeoutMs: number,
  ) {
    this.#moderation = new Moderation(state);
  }

  readonly commands = {
    configure: (cmd: CommandOf<"configure">) => this.#configure(cmd.settings),
    moderate: (cmd: CommandOf<"moderate">) => this.#moderate(cmd),
  };

  readonly mutes: RoomAccess["mutes"] = {
    mutedUntil: (userId, at) => this.#moderation.mutedUntil(userId, at),
    mute: (userId, until, by, auditId, at) => {
      if (this.#moderation.muteByAi(userId, until, by, auditId, at)) this.#mutesChanged();
    },
    lift: (userId, auditId, until) => {
      if (this.#moderation.liftAiMute(userId, auditId, until)) this.#mutesChanged();
    },
    running: (now) => this.#moderation.mutes(now),
  };

  canManage(a: Actor): boolean {
    return a.roles.includes("admin") || this.#moderation.isAdmin(a.userId) ||
      this.#moderation.owner === a.userId;
  }

  isRoomStaff(userId: string): boolean {
    return this.#moderation.owner === userId || this.#moderation.isAdmin(userId);
  }

  staffRole(actor: Actor): "owner" | "admin" | undefined {
    if (this.#moderation.owner === actor.userId) return "owner";
    return this.#moderation.isAdmin(actor.userId) || actor.roles.includes("admin")
      ? "admin"
      : undefined;
  }

  /** The streamer's language setting for the room's AI. */
  languageSetting(): LanguageSetting {
    return this.state.language;
  }

  requireGuestsAllowed(actor: Actor): void {
    if (actor.kind === "guest" && !this.state.guestChat) {
      throw new ActorError("guests_disabled", "guests cannot chat in this room; sign in to chat");
    }
  }

  requireNotBanned(actor: Actor, message: string): void {
    if (this.#moderation.isBanned(actor.userId)) throw new ActorError("banned", message);
  }

  isBanned(userId: string): boolean {
    return this.#moderation.isBanned(userId);
  }

  /**
   * Reads the settings from the port; on failure, or when the read outlasts
   * `settingsTimeoutMs` (it holds the room's start-up), the last known copy in the state stays.
   */
  async onActivate(): Promise<void> {
    const source = this.source;
    if (source === undefined) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer in ${this.settingsTimeoutMs} ms`)),
        this.settingsTimeoutMs,
      );
    });
    try {
      this.#applySettings(await Promise.race([source.load(this.api.roomId), late]));
    } catch (err) {
      this.api.log.warn("room settings unavailable; using the last known ones", { err });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Muted and banned senders are refused before their message is looked at. */
  onIntake(actor: Actor, at: number): void {
    const mute = this.#moderation.muteOf(actor.userId, at);
    if (mute !== undefined) {
      throw new ActorError("muted", mutedMessage(mute, at), {
        until: mute.until,
        source: mute.source,
      });
    }
    this.requireNotBanned(actor, "you are banned from chatting in this room");
  }

  onJoin(actor: Actor, reply: JoinReply): void {
    const user = actor.userId;
    const mute = this.#moderation.muteOf(user, this.api.now());
    const self: NonNullable<JoinReply["self"]> = {};
    if (mute !== undefined) self.muted = { until: mute.until, source: mute.source };
    if (this.#moderation.isBanned(user)) self.banned = true;
    if (this.#moderation.isAdmin(user)) self.admin = true;
    if (this.#moderation.owner === user) self.owner = true;
    if (Object.keys(self).length > 0) reply.self = self;
  }

  describe(info: RoomInfo): void {
    Object.assign(info, this.#settingsView());
  }

  onSweep(now: number): void {
    if (this.#moderation.expire(now)) {
      this.#moderation.writeTo(this.state);
      this.api.markDirty();
    }
  }

  #applySettings(settings: RoomSettings | null): void {
    this.#moderation.configure(settings);
    this.#moderation.writeTo(this.state);
    if (settings === null) {
      this.state.guestChat = true;
      this.state.title = null;
      this.state.kind = "live";
      this.state.language = "auto";
    } else {
      this.state.guestChat = settings.guestChat;
      this.state.title = settings.title ?? null;
      this.state.kind = settings.kind ?? "live";
      this.state.language = settings.language ?? "auto";
    }
  }

  async #configure(settings: RoomSettings | null): Promise<ConfigureReply> {
    this.#applySettings(settings);
    await this.api.persist();
    const view = this.#settingsView();
    this.api.emit({ t: "settings", s: view, at: this.api.now() });
    this.api.log.info("room settings applied", {
      managed: view.managed,
      guestChat: view.guestChat,
      admins: view.admins.length,
    });
    return { ok: true, settings: view };
  }

  #settingsView(): RoomSettingsView {
    const view: RoomSettingsView = {
      owner: this.#moderation.owner,
      admins: this.#moderation.admins,
      guestChat: this.state.guestChat,
      managed: this.state.managed,
      language: this.state.language,
    };
    if (this.state.title !== null) view.title = this.state.title;
    return view;
  }

  async #moderate(cmd: CommandOf<"moderate">): Promise<ModerateReply> {
    const now = this.api.now();
    const before = this.#moderation.muteOf(cmd.target, now);
    const { until } = this.#moderation.apply(cmd, now);
    this.#moderation.writeTo(this.state);
    // an admin's unmute also ends a mute by the AI room manager (its part marks it undone)
    if (cmd.action === "unmute" && before?.source === "ai") {
      await this.api.unmuted(cmd.target, before, cmd.actor.userId, now);
    }
    // a banned user's chat leaves the next batch and the history (clients drop what they show)
    if (cmd.action === "ban") this.api.unpublish((d) => d.userId === cmd.target);
    await this.api.persist();
    const event: RoomEvent = {
      t: "moderation",
      action: cmd.action,
      target: cmd.target,
      by: cmd.actor.userId,
      at: now,
    };
    if (until !== undefined) event.until = until;
    this.api.emit(event);
    this.api.log.info("moderation", { action: cmd.action, target: cmd.target, by: event.by });
    const reply: ModerateReply = { ok: true, action: cmd.action, target: cmd.target };
    if (until !== undefined) reply.until = until;
    return reply;
  }

  /** The AI muted or an undo lifted a mute: the list goes into the state (persisted soon). */
  #mutesChanged(): void {
    this.#moderation.writeMutesTo(this.state);
    this.api.markDirty();
  }
}

/** The `muted` refusal: how long is left and who muted (the web client shows the message). */
function mutedMessage(mute: MuteStatus, now: number): string {
  const left = Math.max(1, Math.ceil((mute.until - now) / 1000));
  const time = left < 120
    ? `${left} s`
    : left < 7200
    ? `${Math.ceil(left / 60)} min`
    : `${Math.ceil(left / 3600)} h`;
  const who = mute.source === "ai" ? "the room's AI moderator" : "a room admin";
  return `you are muted in this room for ${time} more (by ${who})`;
}
