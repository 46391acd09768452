/**
 * Who may moderate a room and the room's mute/ban/admin lists.
 *
 * - mute, unmute, ban, unban: room admins, the owner, platform admins (`roles` has
 *   `admin`). The owner can only be targeted by a platform admin; a room admin can only be
 *   targeted by the owner or a platform admin.
 * - admin_add, admin_remove: the owner or a platform admin. The first admin added to a
 *   room without an owner becomes its owner. A room whose settings come from the accounts
 *   database (`managed`) refuses both with `settings_managed`: its owner and admins are set
 *   there and arrive through `configure`.
 *
 * The mute list is the room's one answer to "is this user muted, until when, by whom": mutes
 * by room admins (`source: "admin"`) and by the AI room manager (`source: "ai"`, with the
 * audit entry that made it) live in the same map, so intake, `join` and the admins' listing
 * all read the same thing. A user has at most one running mute: an admin's mute replaces
 * whatever runs; the AI's never shortens a running mute; `unmute` ends either kind; undoing
 * the AI's audit entry ends only the mute that entry made.
 *
 * Lists are Maps in memory (fast lookups on the chat path, no prototype pitfalls with user
 * ids like `__proto__`) and written back to the persisted state after each change.
 */
import { ActorError } from "../../engine/actor.ts";
import type { CommandOf } from "./contract.ts";
import type { MuteRecord, MuteSource, RoomState } from "./state.ts";

export type { MuteSource };

/** A running mute: until when, by whom (`by`: the admin's user id, or `ai:local`/`ai:llm`). */
export interface MuteStatus {
  until: number;
  by: string;
  source: MuteSource;
  /** For an AI mute: the audit entry that made it (undo ends the mute). */
  auditId?: string;
}

export type ModerateCommand = CommandOf<"moderate">;

export const DEFAULT_MUTE_SECONDS = 600;
/** Bans kept per room (bounds the persisted state). */
export const MAX_BANS = 10_000;
export const MAX_MUTES = 10_000;
export const MAX_ADMINS = 100;

export class Moderation {
  #owner: string | null;
  #managed: boolean;
  readonly #admins: Set<string>;
  readonly #mutes = new Map<string, MuteStatus>();
  readonly #bans = new Map<string, { at: number; by: string }>();

  constructor(state: RoomState) {
    this.#owner = state.owner;
    this.#managed = state.managed;
    this.#admins = new Set(state.admins);
    for (const m of state.mutes) this.#mutes.set(m.userId, muteStatus(m));
    for (const b of state.bans) this.#bans.set(b.userId, { at: b.at, by: b.by });
  }

  /** End of `user`'s mute (admin or AI) if it is still running at `now`. */
  mutedUntil(user: string, now: number): number | undefined {
    return this.muteOf(user, now)?.until;
  }

  /** `user`'s running mute at `now` (admin or AI), or undefined. */
  muteOf(user: string, now: number): MuteStatus | undefined {
    if (this.#mutes.size === 0) return undefined;
    const m = this.#mutes.get(user);
    return m !== undefined && m.until > now ? m : undefined;
  }

  /** Running mutes at `now`, the soonest to end first (for room admins). */
  mutes(now: number): ({ userId: string } & MuteStatus)[] {
    const out: ({ userId: string } & MuteStatus)[] = [];
    for (const [userId, m] of this.#mutes) if (m.until > now) out.push({ userId, ...m });
    return out.sort((a, b) => a.until - b.until);
  }

  /**
   * The AI room manager mutes `user` until `until` (audit entry `auditId`). A running mute
   * that ends later (an admin's, or an earlier AI one) is kept. At the mute limit, ended
   * mutes are forgotten first, then the AI mute that ends soonest gives way; admins' mutes
   * never do. Returns false when nothing changed.
   */
  muteByAi(user: string, until: number, by: string, auditId: string, now: number): boolean {
    const running = this.muteOf(user, now);
    if (running !== undefined && running.until >= until) return false;
    if (running === undefined && this.#mutes.size >= MAX_MUTES) {
      this.expire(now);
      if (this.#mutes.size >= MAX_MUTES) {
        let soonest: string | undefined;
        let soonestUntil = Infinity;
        for (const [id, m] of this.#mutes) {
          if (m.source === "ai" && m.until < soonestUntil) [soonest, soonestUntil] = [id, m.until];
        }
        if (soonest === undefined) return false;
        this.#mutes.delete(soonest);
      }
    }
    this.#mutes.set(user, { until, by, source: "ai", auditId });
    return true;
  }

  /**
   * Undo of the AI's audit entry `auditId` (a mute until `until`): ends `user`'s mute if it is
   * still the one that entry made. Returns true when a mute ended.
   */
  liftAiMute(user: string, auditId: string, until: number | undefined): boolean {
    const m = this.#mutes.get(user);
    if (m === undefined || m.source !== "ai") return false;
    // mutes carried over from snapshots before the shared list have no audit id: match the end
    if (m.auditId !== undefined ? m.auditId !== auditId : m.until !== until) return false;
    this.#mutes.delete(user);
    return true;
  }

  isBanned(user: string): boolean {
    return this.#bans.size > 0 && this.#bans.has(user);
  }

  isAdmin(user: string): boolean {
    return this.#admins.has(user);
  }

  get owner(): string | null {
    return this.#owner;
  }

  get admins(): string[] {
    return [...this.#admins];
  }

  /**
   * Replaces owner and admins with the room's settings (`null`: the room is no longer
   * registered; it keeps its admins and takes `admin_add` again).
   */
  configure(settings: { ownerId: string; admins: string[] } | null): void {
    this.#managed = settings !== null;
    if (settings === null) return;
    this.#owner = settings.ownerId;
    this.#admins.clear();
    for (const id of settings.admins.slice(0, MAX_ADMINS)) {
      if (id !== settings.ownerId) this.#admins.add(id);
    }
  }

  /**
   * Checks permission and applies `cmd` at `now`. Throws ActorError `forbidden` or
   * `limit_reached` (nothing changed). Returns the mute's end for `mute`.
   */
  apply(cmd: ModerateCommand, now: number): { until?: number } {
    const by = cmd.actor.userId;
    const platformAdmin = cmd.actor.roles.includes("admin");
    const owner = this.#owner !== null && by === this.#owner;
    const roomAdmin = this.#admins.has(by);
    const target = cmd.target;

    if (cmd.action === "admin_add" || cmd.action === "admin_remove") {
      if (this.#managed) {
        throw new ActorError(
          "settings_managed",
          "this room's admins are set in its settings (the streamer console)",
        );
      }
      if (!platformAdmin && !owner) {
        throw forbidden("only the room owner or a platform admin manages admins");
      }
      if (cmd.action === "admin_add") {
        if (!this.#admins.has(target) && this.#admins.size >= MAX_ADMINS) {
          throw limit(`a room has at most ${MAX_ADMINS} admins`);
        }
        this.#admins.add(target);
        this.#owner ??= target;
      } else {
        // The owner may step down; the next admin (if any) then owns the room.
        this.#admins.delete(target);
        if (target === this.#owner) this.#owner = this.#admins.values().next().value ?? null;
      }
      return {};
    }

    if (!platformAdmin && !owner && !roomAdmin) {
      throw forbidden("only room admins may moderate this room");
    }
    if (!platformAdmin && target === this.#owner) {
      throw forbidden("the room owner cannot be moderated by room admins");
    }
    if (!platformAdmin && !owner && this.#admins.has(target)) {
      throw forbidden("only the owner moderates other room admins");
    }
    switch (cmd.action) {
      case "mute": {
        if (!this.#mutes.has(target) && this.#mutes.size >= MAX_MUTES) this.expire(now);
        if (!this.#mutes.has(target) && this.#mutes.size >= MAX_MUTES) {
          throw limit(`a room has at most ${MAX_MUTES} running mutes`);
        }
        const until = now + (cmd.seconds ?? DEFAULT_MUTE_SECONDS) * 1000;
        this.#mutes.set(target, { until, by, source: "admin" });
        return { until };
      }
      case "unmute":
        this.#mutes.delete(target);
        return {};
      case "ban":
        if (!this.#bans.has(target) && this.#bans.size >= MAX_BANS) {
          throw limit(`a room has at most ${MAX_BANS} bans`);
        }
        this.#bans.set(target, { at: now, by });
        return {};
      case "unban":
        this.#bans.delete(target);
        return {};
    }
  }

  /** Forgets mutes that ended before `now`; true when something changed. */
  expire(now: number): boolean {
    let changed = false;
    for (const [user, m] of this.#mutes) {
      if (m.until <= now) {
        this.#mutes.delete(user);
        changed = true;
      }
    }
    return changed;
  }

  /** Writes the lists back into the persisted state. */
  writeTo(state: RoomState): void {
    state.owner = this.#owner;
    state.managed = this.#managed;
    state.admins = [...this.#admins];
    this.writeMutesTo(state);
    state.bans = [...this.#bans].map(([userId, b]) => ({ userId, at: b.at, by: b.by }));
  }

  /** Writes only the mute list back (the AI's mutes on the chat path). */
  writeMutesTo(state: RoomState): void {
    state.mutes = [...this.#mutes].map(([userId, m]) => muteRecord(userId, m));
  }
}

function muteStatus(m: MuteRecord): MuteStatus {
  const s: MuteStatus = { until: m.until, by: m.by, source: m.source };
  if (m.auditId !== undefined) s.auditId = m.auditId;
  return s;
}

function muteRecord(userId: string, m: MuteStatus): MuteRecord {
  const r: MuteRecord = { userId, until: m.until, by: m.by, source: m.source };
  if (m.auditId !== undefined) r.auditId = m.auditId;
  return r;
}

function forbidden(message: string): ActorError {
  return new ActorError("forbidden", message);
}

function limit(message: string): ActorError {
  return new ActorError("limit_reached", message);
}
