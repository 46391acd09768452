/**
 * The room page's (and the dashboard's) view of the stage (连麦): the last stage view heard (`welcome.room.stage`,
 * `stage` batch events, `stage_ok` answers), who this viewer is, and how to send a `stage`
 * command on the room's socket. Self-contained: the page hands frames to `onStageFrame` and
 * gives `bindStage` its identity and sender once it has joined.
 */
import { computed, signal } from "@preact/signals";
import type {
  StageEntry,
  StageLayout,
  StageMedia,
  StageOp,
  StageView,
} from "../../../../../actors/room/contract.ts";
import type { PkSide, PkView } from "../../../../../actors/pk/view.ts";

export type { StageEntry, StageLayout, StageMedia, StageView };
/** A `stage` command (edge/PROTOCOL.md, "Guests on stage"), as the page sends it. */
export type StageCmd = Exclude<StageOp, { op: "state" }>;

export interface StageSelf {
  userId: string;
  /** A signed-in account (guests cannot go on stage). */
  signedIn: boolean;
  /** The room's owner or an admin: manages the stage. */
  staff: boolean;
}

export const stage = signal<StageView | null>(null);
export const stageSelf = signal<StageSelf | null>(null);
let sender: ((cmd: StageCmd) => boolean) | null = null;

/** What this viewer may publish now (undefined: not on stage). */
export const myStageMedia = computed(() => {
  const me = stageSelf.value;
  return me ? stage.value?.guests.find((g) => g.userId === me.userId)?.media : undefined;
});
export const myHandUp = computed(() => {
  const me = stageSelf.value;
  return !!me && !!stage.value?.queue.some((q) => q.userId === me.userId);
});

export function bindStage(self: StageSelf, send: (cmd: StageCmd) => boolean): void {
  stageSelf.value = self;
  sender = send;
}

/**
 * Binds from a `welcome` frame: this user, whether signed in, and staff when the room's owner,
 * a room admin or a platform admin (the room page and the dashboard both manage the stage).
 */
// deno-lint-ignore no-explicit-any
export function bindStageFromWelcome(f: any, send: (cmd: StageCmd) => boolean): void {
  bindStage({
    userId: f.you.userId,
    signedIn: f.you.kind === "user",
    staff: !!(f.self?.owner || f.self?.admin || f.you.roles?.includes("admin")),
  }, send);
}

export function sendStage(cmd: StageCmd): boolean {
  return sender?.(cmd) ?? false;
}

export type { PkSide, PkView };
export const pk = signal<PkView | null>(null);
/** This page's room (the PK panel puts it on the left). */
export const stageRoom = signal<string>("");

/** Takes what it knows from a server frame; true when the frame was a stage answer. */
// deno-lint-ignore no-explicit-any
export function onStageFrame(f: any): boolean {
  if (f?.type === "welcome" || f?.type === "restarted") {
    if (f.room?.stage) stage.value = f.room.stage;
    if (f.room?.roomId) stageRoom.value = f.room.roomId;
    if (f.room?.pk) pk.value = f.room.pk;
  } else if (f?.type === "batch") {
    for (const e of f.events ?? []) {
      if (e.t === "stage" && e.stage) stage.value = e.stage;
      else if (e.t === "pk" && e.pk) pk.value = e.pk;
    }
  } else if (f?.type === "stage_ok") {
    if (f.stage) stage.value = f.stage;
    return true;
  }
  return false;
}
