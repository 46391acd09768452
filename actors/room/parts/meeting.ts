/**
 * The meeting part: a room of kind `meeting` (`RoomSettings.kind`) where everyone admitted
 * publishes. The host (the room's owner, a room admin or a platform admin) starts the meeting
 * by joining; co-hosts named by the host share the host's controls. A signed-in account, or
 * anyone with a host-issued invite link, joins into the waiting room (or straight in when the
 * waiting room is off); the host admits one or all, denies, removes (for the rest of the
 * meeting), mutes a track, lowers hands. Only members may join the room's socket and chat
 * (`not_admitted`), and the media side issues LiveKit tokens only to members
 * (`edge/routes/media.ts`) and acts on `removed`/`muted`/`ended` events
 * (`media/livekit/meeting_enforcer.ts`). A meeting is recorded when the host starts it
 * (`POST /api/recording/start`): the recorder composes every participant and captions each
 * speaker, and the captions that name a member join the meeting's transcript.
 *
 * Invite links are signed by the room itself: an HMAC-SHA256 key made at the room's first
 * invite and kept in its state signs `room.invite.expiry`; the room keeps each invite's id
 * and expiry, so an invite can be revoked, and a forged, expired or revoked one is refused
 * (`invite_invalid`, `invite_expired`, `invite_revoked`).
 *
 * End-to-end encryption (`settings {e2ee}`, only between meetings): the media key lives in
 * the participants' browsers; the media routes refuse recording (`e2ee_on`), so nothing is
 * captioned, and a caption that still arrived would not be kept. The end writes the summary beside the mailbox (LLM when
 * configured, else local, labelled) from the speakers' caption lines and the chat.
 */
import { z } from "zod";
import { ActorError } from "../../../engine/actor.ts";
import type { LlmClient } from "../../ai/llm/client.ts";
import { type SpokenLine, summariseMeeting } from "../../ai/meeting_summary.ts";
import type { Actor, CommandOf, Danmaku, RoomInfo } from "../contract.ts";
import type {
  AttendanceRow,
  MeetingLine,
  MeetingMember,
  MeetingOp,
  MeetingPlace,
  MeetingReply,
  MeetingRoomEvent,
  MeetingSummary,
  MeetingView,
  MeetingWaiting,
} from "../meeting_contract.ts";
import type { RoomApi, RoomPart, SayContext } from "../part.ts";

/** Members of one meeting at most (the SFU's and the machine's limit, see the bench). */
export const MAX_MEETING_MEMBERS = 100;
export const MAX_WAITING = 200;
const MAX_INVITES = 50;
const MAX_ATTENDANCE = 1_000;
const CAPTIONS_SHOWN = 30;
const MAX_TRANSCRIPT = 2_000;

interface Invite {
  id: string;
  expiresAt: number;
  revoked: boolean;
}

/** Persisted with the room (`state.meeting`). */
export interface MeetingState {
  status: MeetingView["status"];
  meetingId: string | null;
  startedAt?: number;
  endedAt?: number;
  e2ee: boolean;
  waitingRoom: boolean;
  cohosts: string[];
  members: Omit<MeetingMember, "role">[];
  waiting: MeetingWaiting[];
  removed: string[];
  attendance: AttendanceRow[];
  transcript: MeetingLine[];
  invites: Invite[];
  /** The invite signing key (base64), made at the first invite. */
  inviteKey?: string;
  summary?: MeetingSummary;
  summaryPending?: boolean;
  /** Members' connections: LiveKit (`sfu`, once it reported) and the edges holding a room
   * socket of theirs. Only members with a record can go away. */
  presence?: { userId: string; sfu?: boolean; edges: string[] }[];
  /** Members with no connection left, and since when (they leave past the grace period). */
  away?: { userId: string; since: number }[];
  /** Members who left by disconnecting: the host admitted them once, so a new `join` in the
   * same meeting goes straight in. */
  dropped?: string[];
}

const fresh = (): MeetingState => ({
  status: "idle",
  meetingId: null,
  e2ee: false,
  waitingRoom: true,
  cohosts: [],
  members: [],
  waiting: [],
  removed: [],
  attendance: [],
  transcript: [],
  invites: [],
});

const Line = z.object({
  userId: z.string(),
  name: z.string(),
  text: z.string(),
  at: z.number(),
  chat: z.literal(true).optional(),
});
const Persisted = z.object({
  status: z.enum(["idle", "running", "ended"]),
  meetingId: z.string().nullable(),
  startedAt: z.number().optional(),
  endedAt: z.number().optional(),
  e2ee: z.boolean(),
  waitingRoom: z.boolean(),
  cohosts: z.array(z.string()),
  members: z.array(z.object({
    userId: z.string(),
    name: z.string(),
    invited: z.boolean().optional(),
    handAt: z.number().optional(),
  })),
  waiting: z.array(z.object({
    userId: z.string(),
    name: z.string(),
    at: z.number(),
    invited: z.boolean().optional(),
  })),
  removed: z.array(z.string()),
  attendance: z.array(z.object({
    userId: z.string(),
    name: z.string(),
    joinedAt: z.number(),
    leftAt: z.number().optional(),
  })),
  transcript: z.array(Line),
  invites: z.array(z.object({ id: z.string(), expiresAt: z.number(), revoked: z.boolean() })),
  inviteKey: z.string().optional(),
  summary: z.object({
    source: z.enum(["llm", "local"]),
    overview: z.string(),
    decisions: z.array(z.object({ text: z.string(), by: z.string() })),
    actionItems: z.array(z.object({ text: z.string(), owner: z.string() })),
    at: z.number(),
  }).optional(),
  summaryPending: z.boolean().optional(),
  presence: z.array(z.object({
    userId: z.string(),
    sfu: z.boolean().optional(),
    edges: z.array(z.string()),
  })).optional(),
  away: z.array(z.object({ userId: z.string(), since: z.number() })).optional(),
  dropped: z.array(z.string()).optional(),
});

/** Restores `meeting` from persisted room state (damaged: no meeting). */
export function restoreMeetingState<S extends object>(state: S, raw: unknown): S {
  const m = typeof raw === "object" && raw !== null
    ? (raw as { meeting?: unknown }).meeting
    : undefined;
  if (m === undefined) return state;
  const parsed = Persisted.safeParse(m);
  return Object.assign(state, { meeting: parsed.success ? parsed.data : fresh() });
}

type Op<K extends MeetingOp["op"]> = Extract<MeetingOp, { op: K }>;
type Change = Omit<MeetingRoomEvent, "t" | "meeting" | "at">;

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(
    /=+$/,
    "",
  );
const fromB64url = (s: string): Uint8Array<ArrayBuffer> | undefined => {
  try {
    const bin = atob(s.replaceAll("-", "+").replaceAll("_", "/"));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
};
const randomId = (bytes = 12) => b64url(crypto.getRandomValues(new Uint8Array(bytes)));

export class MeetingPart implements RoomPart {
  readonly name = "meeting";
  readonly #state: { meeting?: MeetingState; kind: "live" | "meeting" };

  constructor(
    private readonly api: RoomApi,
    state: { kind: "live" | "meeting" },
    private readonly llm: LlmClient | null,
    /** How long a member with no connection stays a member (`MEETING_DISCONNECT_GRACE_MS`). */
    private readonly graceMs = 15_000,
  ) {
    this.#state = state as { meeting?: MeetingState; kind: "live" | "meeting" };
  }

  readonly commands = {
    meeting: (cmd: CommandOf<"meeting">) => this.#handle(cmd.actor, cmd.cmd),
    meeting_presence: (cmd: CommandOf<"meeting_presence">) => this.#presence(cmd),
  };

  get #isMeeting(): boolean {
    return this.#state.kind === "meeting";
  }

  get #m(): MeetingState {
    return this.#state.meeting ??= fresh();
  }

  describe(info: RoomInfo): void {
    if (!this.#isMeeting) return;
    const m = this.#m;
    info.meeting = { status: m.status, e2ee: m.e2ee, waitingRoom: m.waitingRoom };
  }

  /** Only members and hosts join a meeting room's socket (its batches carry the meeting). */
  onJoin(actor: Actor, _reply: unknown, edgeId: string): void {
    if (!this.#isMeeting) return;
    if (this.#member(actor.userId)) {
      this.#connection(actor.userId, (p) => {
        if (!p.edges.includes(edgeId)) p.edges.push(edgeId);
      });
      return;
    }
    if (this.#isManager(actor)) return;
    if (this.#m.status === "running" && this.#m.removed.includes(actor.userId)) {
      throw new ActorError("meeting_removed", "the host removed you from this meeting");
    }
    throw new ActorError("not_admitted", "wait until the host admits you to the meeting");
  }

  /** Only members chat in a meeting. */
  onIntake(actor: Actor): void {
    if (!this.#isMeeting || this.#isManager(actor) || this.#member(actor.userId)) return;
    throw new ActorError("not_admitted", "only admitted participants chat in this meeting");
  }

  /** The meeting's chat goes into its transcript for the summary. */
  onPublish(_say: SayContext, d: Danmaku): void {
    if (!this.#isMeeting || this.#m.status !== "running") return;
    this.#transcribe({ userId: d.userId, name: d.name, text: d.text, at: d.at, chat: true });
  }

  onSelf(msg: unknown): void {
    const done = msg as { meetingId: string; summary: MeetingSummary };
    const m = this.#m;
    if (m.meetingId !== done.meetingId || m.status !== "ended") return;
    m.summary = done.summary;
    m.summaryPending = false;
    this.#emit({ op: "summary" });
    this.api.markDirty();
  }

  // --- presence

  /** A member's LiveKit connection or an edge's last socket of theirs went or came back. */
  async #presence(cmd: CommandOf<"meeting_presence">): Promise<{ ok: true }> {
    if (!this.#isMeeting || !this.#member(cmd.userId)) return { ok: true };
    this.#connection(cmd.userId, (p) => {
      if (cmd.via === "sfu") p.sfu = cmd.connected;
      else if (cmd.edgeId !== undefined) {
        p.edges = p.edges.filter((e) => e !== cmd.edgeId);
        if (cmd.connected) p.edges.push(cmd.edgeId);
      }
    });
    await this.api.persist();
    return { ok: true };
  }

  /** Changes a member's connection record; away from when the last connection went. */
  #connection(
    userId: string,
    change: (p: { sfu?: boolean; edges: string[] }) => void,
    since = this.api.now(),
  ): void {
    const m = this.#m;
    const presence = m.presence ??= [];
    let p = presence.find((e) => e.userId === userId);
    if (!p) presence.push(p = { userId, edges: [] });
    change(p);
    const connected = p.sfu === true || p.edges.length > 0;
    const away = (m.away ??= []).find((a) => a.userId === userId);
    if (connected && away) m.away = m.away.filter((a) => a !== away);
    if (!connected && !away) {
      m.away.push({ userId, since });
      this.api.wake();
    }
    this.api.markDirty();
  }

  /** Members away past the grace period leave; their stay ends when they went. */
  onTick(now: number): void {
    const m = this.#state.meeting;
    if (m?.status === "running" && m.presence?.length) this.#expireEdges(m.presence);
    if (!m?.away?.length || m.status !== "running") return;
    for (const a of m.away.filter((a) => now - a.since >= this.graceMs)) {
      if (!this.#depart(a.userId, a.since)) continue;
      m.cohosts = m.cohosts.filter((id) => id !== a.userId);
      (m.dropped ??= []).push(a.userId);
      this.#emit({ op: "left", userId: a.userId, reason: "disconnected" });
      this.api.markDirty();
    }
  }

  /**
   * A crashed edge never reports the last socket of a member closing: its entries go when
   * the edge's presence reports stop for the room's presence TTL (the member is away from
   * when that edge was last heard from, if nothing else holds them).
   */
  #expireEdges(presence: NonNullable<MeetingState["presence"]>): void {
    for (const p of [...presence]) {
      let lastHeard: number | undefined;
      const live = p.edges.filter((e) => {
        const stale = this.api.edgeStaleSince(e);
        if (stale !== null) lastHeard = Math.max(lastHeard ?? stale, stale);
        return stale === null;
      });
      if (lastHeard === undefined) continue;
      this.api.log.info("meeting: edge gone, its sockets no longer count", {
        userId: p.userId,
        edges: p.edges.filter((e) => !live.includes(e)),
      });
      this.#connection(p.userId, (c) => {
        c.edges = live;
      }, lastHeard);
    }
  }

  busy(): boolean {
    const m = this.#state.meeting;
    if ((m?.away?.length ?? 0) > 0) return true;
    // members' sockets on edges that may stop reporting: keep ticking to notice
    return m?.status === "running" && (m.presence ?? []).some((p) => p.edges.length > 0);
  }

  // --- views

  view(): MeetingView {
    const m = this.#m;
    return {
      status: m.status,
      meetingId: m.meetingId,
      ...(m.startedAt !== undefined ? { startedAt: m.startedAt } : {}),
      ...(m.endedAt !== undefined ? { endedAt: m.endedAt } : {}),
      e2ee: m.e2ee,
      waitingRoom: m.waitingRoom,
      members: m.members.map((e) => ({ ...e, role: this.#roleOf(e.userId) })),
      waiting: m.waiting.map((e) => ({ ...e })),
      attendance: m.attendance.map((e) => ({ ...e })),
      captions: m.transcript.filter((l) => !l.chat).slice(-CAPTIONS_SHOWN),
      ...(m.summary ? { summary: m.summary } : {}),
      ...(m.summaryPending ? { summaryPending: true } : {}),
    };
  }

  #reply(actor: Actor, extra?: Partial<MeetingReply>): MeetingReply {
    const m = this.#m;
    const me = this.#place(actor);
    const full = me === "host" || me === "cohost" || me === "participant" ||
      // the attendance and the summary stay readable for those who attended
      (m.status === "ended" && m.attendance.some((a) => a.userId === actor.userId));
    const view = full
      ? this.view()
      : { status: m.status, e2ee: m.e2ee, waitingRoom: m.waitingRoom };
    const manage = this.#isManager(actor) ? { manage: true as const } : {};
    return { me, view, ...manage, ...extra };
  }

  #place(actor: Actor): MeetingPlace {
    const m = this.#m;
    if (this.#member(actor.userId) || (this.#isManager(actor) && m.status === "running")) {
      return this.#roleOf(actor.userId);
    }
    if (m.removed.includes(actor.userId)) return "removed";
    if (m.waiting.some((w) => w.userId === actor.userId)) return "waiting";
    return "none";
  }

  /** The owner hosts; room admins and those the host names are co-hosts. */
  #roleOf(userId: string): MeetingMember["role"] {
    if (this.api.access.staffRole(this.#asUser(userId)) === "owner") return "host";
    if (this.api.access.isRoomStaff(userId)) return "cohost";
    return this.#m.cohosts.includes(userId) ? "cohost" : "participant";
  }

  #asUser(userId: string): Actor {
    return { userId, name: userId, kind: "user", roles: [] };
  }

  #member(userId: string) {
    return this.#m.status === "running"
      ? this.#m.members.find((e) => e.userId === userId)
      : undefined;
  }

  /** The room's staff (host) or a co-host of the running meeting. */
  #isManager(actor: Actor): boolean {
    if (actor.kind === "user" && this.api.access.canManage(actor)) return true;
    return this.#m.status === "running" && this.#m.cohosts.includes(actor.userId) &&
      this.#member(actor.userId) !== undefined;
  }

  // --- commands

  #handle(actor: Actor, cmd: MeetingOp): MeetingReply | Promise<MeetingReply> {
    if (!this.#isMeeting) {
      throw new ActorError("not_a_meeting", "this room is not a meeting room");
    }
    switch (cmd.op) {
      case "state":
        return this.#reply(actor);
      case "join":
        return this.#join(actor, cmd);
      case "leave":
        return this.#leave(actor);
      case "hand":
        return this.#hand(actor, cmd.up);
      default:
        return this.#manage(actor, cmd);
    }
  }

  async #join(actor: Actor, cmd: Op<"join">): Promise<MeetingReply> {
    this.api.access.requireNotBanned(actor, "you are banned from this room");
    const m = this.#m;
    if (m.status === "running" && m.removed.includes(actor.userId)) {
      throw new ActorError("meeting_removed", "the host removed you from this meeting");
    }
    const invited = cmd.invite !== undefined;
    if (invited) await this.#checkInvite(cmd.invite!);
    else if (actor.kind !== "user") {
      throw new ActorError("login_required", "sign in or use an invite link to join");
    }
    const now = this.api.now();
    if (this.#isManager(actor) && actor.kind === "user") {
      if (m.status !== "running") this.#start(now);
      if (!this.#member(actor.userId)) {
        this.#admitMember({ userId: actor.userId, name: actor.name, at: now });
        return await this.#changed(actor, { op: "joined", userId: actor.userId });
      }
      return this.#reply(actor);
    }
    if (this.#member(actor.userId)) return this.#reply(actor);
    const waiting = m.waiting.find((w) => w.userId === actor.userId);
    const back = m.status === "running" && (m.dropped?.includes(actor.userId) ?? false);
    if (back) m.dropped = m.dropped!.filter((id) => id !== actor.userId);
    if (m.status === "running" && (!m.waitingRoom || back)) {
      if (waiting) m.waiting = m.waiting.filter((w) => w !== waiting);
      this.#admitMember({ userId: actor.userId, name: actor.name, at: now, invited });
      return await this.#changed(actor, { op: "joined", userId: actor.userId });
    }
    if (waiting) return this.#reply(actor);
    if (m.waiting.length >= MAX_WAITING) {
      throw new ActorError("limit_reached", `at most ${MAX_WAITING} people wait at once`);
    }
    m.waiting.push({
      userId: actor.userId,
      name: actor.name,
      at: now,
      ...(invited ? { invited } : {}),
    });
    return await this.#changed(actor, { op: "waiting", userId: actor.userId });
  }

  #start(now: number): void {
    const m = this.#m;
    Object.assign(m, {
      status: "running",
      meetingId: this.api.nextId(),
      startedAt: now,
      endedAt: undefined,
      cohosts: [],
      members: [],
      removed: [],
      attendance: [],
      transcript: [],
      summary: undefined,
      summaryPending: undefined,
      presence: undefined,
      away: undefined,
      dropped: undefined,
    });
    this.#emit({ op: "started" });
  }

  #admitMember(w: MeetingWaiting): void {
    const m = this.#m;
    if (m.members.length >= MAX_MEETING_MEMBERS) {
      throw new ActorError("meeting_full", `at most ${MAX_MEETING_MEMBERS} in one meeting`);
    }
    m.members.push({ userId: w.userId, name: w.name, ...(w.invited ? { invited: true } : {}) });
    if (m.attendance.length >= MAX_ATTENDANCE) m.attendance.shift();
    m.attendance.push({ userId: w.userId, name: w.name, joinedAt: this.api.now() });
  }

  /** Closes the member's open attendance row and takes them out of the meeting. */
  #depart(userId: string, now: number): boolean {
    const m = this.#m;
    const before = m.members.length;
    m.members = m.members.filter((e) => e.userId !== userId);
    for (const a of m.attendance) if (a.userId === userId && a.leftAt === undefined) a.leftAt = now;
    if (m.presence) m.presence = m.presence.filter((p) => p.userId !== userId);
    if (m.away) m.away = m.away.filter((a) => a.userId !== userId);
    return m.members.length !== before;
  }

  #leave(actor: Actor): MeetingReply | Promise<MeetingReply> {
    const m = this.#m;
    if (this.#depart(actor.userId, this.api.now())) {
      m.cohosts = m.cohosts.filter((id) => id !== actor.userId);
      return this.#changed(actor, { op: "left", userId: actor.userId });
    }
    const w = m.waiting.length;
    m.waiting = m.waiting.filter((e) => e.userId !== actor.userId);
    return m.waiting.length !== w
      ? this.#changed(actor, { op: "left", userId: actor.userId })
      : this.#reply(actor);
  }

  #hand(actor: Actor, up: boolean): MeetingReply | Promise<MeetingReply> {
    const me = this.#member(actor.userId) ??
      this.#fail("not_admitted", "only participants raise a hand");
    if (up === (me.handAt !== undefined)) return this.#reply(actor);
    if (up) me.handAt = this.api.now();
    else delete me.handAt;
    return this.#changed(actor, { op: "hand", userId: actor.userId });
  }

  #manage(
    actor: Actor,
    cmd: Exclude<MeetingOp, { op: "state" | "join" | "leave" | "hand" }>,
  ): MeetingReply | Promise<MeetingReply> {
    if (!this.#isManager(actor)) {
      throw new ActorError("forbidden", "only the host or a co-host does this");
    }
    const m = this.#m;
    const by = actor.userId;
    const now = this.api.now();
    switch (cmd.op) {
      case "settings": {
        if (cmd.e2ee !== undefined && cmd.e2ee !== m.e2ee && m.status === "running") {
          throw new ActorError(
            "meeting_running",
            "end-to-end encryption is switched between meetings, not during one",
          );
        }
        if (cmd.e2ee !== undefined) m.e2ee = cmd.e2ee;
        if (cmd.waitingRoom !== undefined) m.waitingRoom = cmd.waitingRoom;
        return this.#changed(actor, { op: "settings", by });
      }
      case "invite":
        return this.#invite(actor, cmd.minutes);
      case "revoke": {
        const inv = m.invites.find((i) => i.id === cmd.inviteId) ??
          this.#fail("invite_not_found", "no such invite");
        inv.revoked = true;
        return this.api.persist().then(() => this.#reply(actor));
      }
    }
    this.#requireRunning();
    switch (cmd.op) {
      case "admit": {
        const w = m.waiting.find((e) => e.userId === cmd.userId) ??
          this.#fail("not_waiting", `${cmd.userId} is not in the waiting room`);
        this.#admitMember(w);
        m.waiting = m.waiting.filter((e) => e !== w);
        return this.#changed(actor, { op: "admitted", userId: w.userId, by });
      }
      case "admit_all": {
        const all = [...m.waiting];
        for (const w of all) {
          this.#admitMember(w);
          m.waiting = m.waiting.filter((e) => e !== w);
        }
        if (all.length === 0) return this.#reply(actor);
        return this.#changed(actor, { op: "admitted", by });
      }
      case "deny": {
        const before = m.waiting.length;
        m.waiting = m.waiting.filter((e) => e.userId !== cmd.userId);
        if (before === m.waiting.length) this.#fail("not_waiting", `${cmd.userId} is not waiting`);
        return this.#changed(actor, { op: "denied", userId: cmd.userId, by });
      }
      case "remove": {
        if (this.api.access.isRoomStaff(cmd.userId)) {
          this.#fail("forbidden", "the host cannot be removed");
        }
        const wasWaiting = m.waiting.some((e) => e.userId === cmd.userId);
        m.waiting = m.waiting.filter((e) => e.userId !== cmd.userId);
        if (!this.#depart(cmd.userId, now) && !wasWaiting) {
          this.#fail("not_member", `${cmd.userId} is not in this meeting`);
        }
        m.cohosts = m.cohosts.filter((id) => id !== cmd.userId);
        if (!m.removed.includes(cmd.userId)) m.removed.push(cmd.userId);
        return this.#changed(actor, { op: "removed", userId: cmd.userId, by });
      }
      case "mute":
        this.#member(cmd.userId) ?? this.#fail("not_member", `${cmd.userId} is not here`);
        return this.#changed(actor, {
          op: "muted",
          userId: cmd.userId,
          source: cmd.source,
          by,
        });
      case "lower_hand": {
        const who = this.#member(cmd.userId) ??
          this.#fail("not_member", `${cmd.userId} is not here`);
        if (who.handAt === undefined) return this.#reply(actor);
        delete who.handAt;
        return this.#changed(actor, { op: "hand", userId: cmd.userId, by });
      }
      case "cohost": {
        if (!this.api.access.canManage(actor)) {
          this.#fail("forbidden", "only the host names co-hosts");
        }
        this.#member(cmd.userId) ?? this.#fail("not_member", `${cmd.userId} is not here`);
        m.cohosts = m.cohosts.filter((id) => id !== cmd.userId);
        if (cmd.on) m.cohosts.push(cmd.userId);
        return this.#changed(actor, { op: "cohost", userId: cmd.userId, by });
      }
      case "end":
        return this.#end(actor, now);
    }
  }

  #requireRunning(): void {
    if (this.#m.status !== "running") {
      throw new ActorError("meeting_not_running", "the meeting has not started or has ended");
    }
  }

  async #end(actor: Actor, now: number): Promise<MeetingReply> {
    const m = this.#m;
    for (const e of [...m.members]) this.#depart(e.userId, now);
    m.status = "ended";
    m.endedAt = now;
    m.waiting = [];
    m.summaryPending = true;
    const meetingId = m.meetingId!;
    const lines: SpokenLine[] = m.transcript.map((l) => ({
      name: l.name,
      text: l.text,
      at: l.at,
    }));
    const reply = await this.#changed(actor, { op: "ended", by: actor.userId });
    // beside the mailbox: the model may take seconds; the result comes back as a message
    void summariseMeeting(meetingId, lines, this.llm).then(
      (s) => this.api.self({ meetingId, summary: { ...s, at: this.api.now() } }),
      (err) => this.api.log.warn("meeting summary failed", { meetingId, error: err as Error }),
    );
    return reply;
  }

  // --- captions

  /**
   * A caption of one speaker (the recorder's per-speaker captioner, `SpeakerCaptions`, over
   * the meeting's recording) joins the transcript when its speaker is a member. Under E2EE
   * the server records nothing, so no caption arrives; one that did is not kept.
   */
  onCaption(cue: { at: number; text: string; speaker?: { id: string; name: string } }): void {
    if (!this.#isMeeting || this.#m.status !== "running" || this.#m.e2ee || !cue.speaker) return;
    const who = this.#member(cue.speaker.id);
    if (!who) return;
    const line = { userId: who.userId, name: who.name, text: cue.text, at: cue.at };
    this.#transcribe(line);
    this.#emit({ op: "caption", userId: who.userId, line });
    this.api.markDirty();
  }

  #transcribe(line: MeetingLine): void {
    const t = this.#m.transcript;
    if (t.length >= MAX_TRANSCRIPT) t.shift();
    t.push(line);
  }

  // --- invites

  async #key(): Promise<CryptoKey> {
    const m = this.#m;
    m.inviteKey ??= b64url(crypto.getRandomValues(new Uint8Array(32)));
    return await crypto.subtle.importKey(
      "raw",
      fromB64url(m.inviteKey)!,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
  }

  #signed(id: string, expiresAt: number): Uint8Array<ArrayBuffer> {
    return new TextEncoder().encode(`${this.api.roomId}.${id}.${expiresAt}`);
  }

  async #invite(actor: Actor, minutes: number): Promise<MeetingReply> {
    const m = this.#m;
    const now = this.api.now();
    m.invites = m.invites.filter((i) => i.expiresAt > now && !i.revoked);
    if (m.invites.length >= MAX_INVITES) {
      throw new ActorError("limit_reached", `at most ${MAX_INVITES} live invites; revoke some`);
    }
    const id = randomId();
    const expiresAt = now + minutes * 60_000;
    const sig = await crypto.subtle.sign("HMAC", await this.#key(), this.#signed(id, expiresAt));
    m.invites.push({ id, expiresAt, revoked: false });
    await this.api.persist();
    const token = `${id}.${expiresAt}.${b64url(new Uint8Array(sig))}`;
    return this.#reply(actor, { invite: { inviteId: id, token, expiresAt } });
  }

  async #checkInvite(token: string): Promise<void> {
    const [id, exp, sig, extra] = token.split(".");
    const expiresAt = Number(exp);
    const sigBytes = sig ? fromB64url(sig) : undefined;
    const m = this.#m;
    const valid = extra === undefined && id && Number.isSafeInteger(expiresAt) && sigBytes &&
      m.inviteKey !== undefined &&
      await crypto.subtle.verify("HMAC", await this.#key(), sigBytes, this.#signed(id, expiresAt));
    if (!valid) throw new ActorError("invite_invalid", "this invite link is not valid here");
    if (expiresAt <= this.api.now()) {
      throw new ActorError("invite_expired", "this invite link has expired");
    }
    const inv = m.invites.find((i) => i.id === id);
    if (!inv || inv.revoked) throw new ActorError("invite_revoked", "this invite was revoked");
  }

  // --- events

  #fail(code: string, message: string): never {
    throw new ActorError(code, message);
  }

  #emit(change: Change): void {
    this.api.emit({ t: "meeting", ...change, meeting: this.view(), at: this.api.now() });
  }

  /** Broadcast the change; persisted before the sender hears back. */
  async #changed(actor: Actor, change: Change): Promise<MeetingReply> {
    this.#emit(change);
    await this.api.persist();
    return this.#reply(actor);
  }
}
