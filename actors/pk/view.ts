/**
 * What both rooms of a PK battle show (`pk` room events, `RoomInfo.pk`, `GET /api/pk/:id`):
 * plain data, shared by the coordinator (`pk_actor.ts`) and the room's PK part.
 */
export interface PkGifter {
  userId: string;
  name: string;
  /** Integer currency units as a decimal string. */
  amount: string;
}

export interface PkSide {
  roomId: string;
  /** The room's title when it has one. */
  title?: string;
  /** The room's owner (the streamer), whose stream viewers see beside their own. */
  streamerId: string | null;
  /** Gift value during the round, read from the room's own ledger (decimal string). */
  score: string;
  top: PkGifter[];
}

export type PkStatus = "invited" | "running" | "ended";
export type PkEndReason = "time" | "ended" | "offline" | "declined" | "expired";

/** What both rooms show (`pk` room events, `RoomInfo.pk`, `GET /api/pk/:id`). */
export interface PkView {
  pkId: string;
  status: PkStatus;
  a: PkSide;
  b: PkSide;
  durationMs: number;
  invitedAt: number;
  startedAt?: number;
  endsAt?: number;
  endedAt?: number;
  /** When ended after a round: `a`, `b` or `draw`. */
  winner?: "a" | "b" | "draw";
  reason?: PkEndReason;
  /** Who ended it (`ended`), or the room that went offline. */
  by?: string;
}
