/**
 * The PK coordinator's contract (PK battles between two live rooms): its commands with their
 * schemas, the view both rooms show, and the result recorded when a round ends. One
 * coordinator actor per battle (`pk`, id `pk_...`) owns the round, so both rooms see the same
 * state, and a fail-over re-activates it from its persisted state and durable alarms.
 *
 * Every command but `state` and `offline` carries the acting user (`actor`, the verified
 * identity the edge resolved); the coordinator checks with each room who its streamer and
 * admins are. `offline` comes from a room whose stream ended; the coordinator checks the
 * room's stream itself before ending the round.
 */
import { z } from "zod";
import { Actor } from "../room/contract.ts";

export const PK_ACTOR_TYPE = "pk";

/** A round lasts 30 s to 30 minutes (default 5 minutes). */
export const PK_DURATION = { minSec: 30, maxSec: 1800, defaultSec: 300 } as const;
/** An invitation not accepted within this long expires. */
export const PK_INVITE_TTL_MS = 60_000;
/** Top gifters shown per side. */
export const PK_TOP = 3;

const roomId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const PkCommand = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("invite"),
    actor: Actor,
    from: roomId,
    to: roomId,
    durationSec: z.number().int().min(PK_DURATION.minSec).max(PK_DURATION.maxSec)
      .default(PK_DURATION.defaultSec),
  }),
  z.object({ kind: z.literal("accept"), actor: Actor }),
  z.object({ kind: z.literal("decline"), actor: Actor }),
  z.object({ kind: z.literal("end"), actor: Actor }),
  z.object({ kind: z.literal("state") }),
  z.object({ kind: z.literal("offline"), roomId }),
]);
export type PkCommand = z.infer<typeof PkCommand>;
export type PkCommandInput = z.input<typeof PkCommand>;

export type { PkEndReason, PkGifter, PkSide, PkStatus, PkView } from "./view.ts";
