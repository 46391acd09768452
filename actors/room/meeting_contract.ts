/**
 * Meeting rooms (`parts/meeting.ts`): the `meeting` command's operations and what the room
 * answers and broadcasts. Kept beside `contract.ts` (which places the command in
 * `ROOM_COMMANDS` with its trust level) so the room's contract stays readable.
 *
 * Who may do what (checked by the room, never by the client):
 * - anyone: `state` (a non-member sees only the meeting's status and its own place);
 * - a signed-in account, or anyone holding a host-issued invite (`invite`, the signed
 *   token of the link): `join` (into the waiting room, or straight in when the waiting room
 *   is off); members: `leave`, `hand`;
 * - host (the room's owner, a room admin or a platform admin) and co-hosts: `admit`,
 *   `admit_all`, `deny`, `remove`, `mute`, `lower_hand`, `settings`, `invite`, `revoke`,
 *   `end`; the host alone names co-hosts (`cohost`).
 */
import { z } from "zod";

const userId = z.string().min(1).max(64);

/** Sources a host can mute on a participant (LiveKit track sources). */
export const MeetingMuteSource = z.enum(["camera", "mic", "screen_share"]);
export type MeetingMuteSource = z.infer<typeof MeetingMuteSource>;

/** Longest lifetime of an invite link (7 days). */
export const MAX_INVITE_MINUTES = 7 * 24 * 60;

export const MeetingOp = z.discriminatedUnion("op", [
  z.object({ op: z.literal("state") }),
  z.object({ op: z.literal("join"), invite: z.string().min(1).max(512).optional() }),
  z.object({ op: z.literal("leave") }),
  z.object({ op: z.literal("hand"), up: z.boolean() }),
  z.object({ op: z.literal("admit"), userId }),
  z.object({ op: z.literal("admit_all") }),
  z.object({ op: z.literal("deny"), userId }),
  z.object({ op: z.literal("remove"), userId }),
  z.object({ op: z.literal("mute"), userId, source: MeetingMuteSource }),
  z.object({ op: z.literal("lower_hand"), userId }),
  z.object({ op: z.literal("cohost"), userId, on: z.boolean() }),
  z.object({
    op: z.literal("settings"),
    waitingRoom: z.boolean().optional(),
    e2ee: z.boolean().optional(),
  }),
  z.object({
    op: z.literal("invite"),
    minutes: z.number().int().min(1).max(MAX_INVITE_MINUTES).default(24 * 60),
  }),
  z.object({ op: z.literal("revoke"), inviteId: z.string().min(1).max(64) }),
  z.object({ op: z.literal("end") }),
]);
export type MeetingOp = z.infer<typeof MeetingOp>;

export type MeetingRole = "host" | "cohost" | "participant";

export interface MeetingMember {
  userId: string;
  name: string;
  role: MeetingRole;
  /** Joined through an invite link (may be a guest session). */
  invited?: boolean;
  /** When the hand went up (raised hands are shown oldest first). */
  handAt?: number;
}

export interface MeetingWaiting {
  userId: string;
  name: string;
  at: number;
  invited?: boolean;
}

/** One stay in the meeting: a participant who leaves and comes back has two rows. */
export interface AttendanceRow {
  userId: string;
  name: string;
  joinedAt: number;
  leftAt?: number;
}

/** One caption line with its speaker. */
export interface MeetingLine {
  userId: string;
  name: string;
  text: string;
  at: number;
  /** Written in the meeting's chat (not spoken). */
  chat?: true;
}

export interface MeetingSummary {
  /** `llm` from the configured model, `local` from the heuristics (labelled in the UI). */
  source: "llm" | "local";
  overview: string;
  decisions: { text: string; by: string }[];
  actionItems: { text: string; owner: string }[];
  at: number;
}

/** `idle`: no meeting yet; `running` from the host's first join; `ended` by the host. */
export type MeetingStatus = "idle" | "running" | "ended";

/** The meeting as its members see it. */
export interface MeetingView {
  status: MeetingStatus;
  meetingId: string | null;
  startedAt?: number;
  endedAt?: number;
  /** End-to-end encryption: no server recording, captions or analysis while on. */
  e2ee: boolean;
  waitingRoom: boolean;
  members: MeetingMember[];
  waiting: MeetingWaiting[];
  attendance: AttendanceRow[];
  /** The last caption lines with their speakers (bounded). */
  captions: MeetingLine[];
  /** After the end: decisions and action items (pending while it is written). */
  summary?: MeetingSummary;
  summaryPending?: boolean;
}

/** Where the asker stands. */
export type MeetingPlace = "host" | "cohost" | "participant" | "waiting" | "removed" | "none";

/** The answer to every `meeting` operation. `view` is partial for non-members. */
export interface MeetingReply {
  me: MeetingPlace;
  view: Pick<MeetingView, "status" | "e2ee" | "waitingRoom"> & Partial<MeetingView>;
  /** The asker may manage this meeting room (host controls, settings) even between meetings,
   * when `me` is `none`. */
  manage?: true;
  /** For `invite`: the link's token (shown once; the room keeps only its id and expiry). */
  invite?: { inviteId: string; token: string; expiresAt: number };
}

/**
 * A change in the meeting (essential). `op` says what happened to `userId`; the media side
 * acts on `removed` and `muted` (`media/livekit/meeting_enforcer.ts`); captions are their own
 * op with the speaker. `meeting` is the whole new view for members.
 */
export interface MeetingRoomEvent {
  t: "meeting";
  op:
    | "started"
    | "joined"
    | "waiting"
    | "admitted"
    | "denied"
    | "left"
    | "removed"
    | "muted"
    | "hand"
    | "cohost"
    | "settings"
    | "caption"
    | "ended"
    | "summary";
  userId?: string;
  by?: string;
  /** For `left`: `disconnected` when the member's connections went and did not come back
   * within the grace period (not the member's own `leave`). */
  reason?: "disconnected";
  source?: MeetingMuteSource;
  line?: MeetingLine;
  meeting: MeetingView;
  at: number;
}
