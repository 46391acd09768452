/**
 * What goes into the co-host (inputs from native chat, bridges and /proxy-ws) and what comes
 * out of it (`cohost` events: state, the input taken, text deltas, final sentences, turn end,
 * skips). The room puts the events in its batches; /proxy-ws translates them for
 * Open-LLM-VTuber clients.
 */
import { z } from "zod";
import type { Source } from "../ai/source.ts";
import type { SpeechClip } from "./voice/clip.ts";

export type InputOrigin = "native" | "bridged" | "proxy";

export interface CoHostInput {
  /** Unique per room (the message id, or a /proxy-ws ref). */
  id: string;
  origin: InputOrigin;
  /** The platform of a bridged input (`bilibili`, `douyin`...). */
  platform?: string;
  user: { id: string; name: string };
  text: string;
  /** Arrival time, epoch ms. */
  at: number;
  /** The streamer or a /proxy-ws client: may interrupt with a phrase. */
  trusted?: boolean;
  /** Opaque reference of the sender (a /proxy-ws client), echoed in `taken`. */
  ref?: string;
  /** The stream's language when the room handed the input over (BCP-47). */
  language?: string;
}

/** The wire form of an input (it may arrive over NATS): parsed before it is queued. */
export const CoHostInputSchema = z.object({
  id: z.string().min(1).max(100),
  origin: z.enum(["native", "bridged", "proxy"]),
  platform: z.string().max(24).optional(),
  user: z.object({ id: z.string().min(1).max(100), name: z.string().min(1).max(64) }),
  text: z.string().trim().min(1).max(500),
  at: z.number().int().nonnegative(),
  trusted: z.boolean().optional(),
  ref: z.string().max(140).optional(),
  language: z.string().regex(/^[a-z]{2}(-[A-Za-z]{2,4})?$/).optional(),
});

export type CoHostState = "idle" | "thinking" | "speaking" | "interrupted";

export type EndReason = "done" | "interrupted" | "error";

export type CoHostEvent =
  | { t: "cohost"; op: "state"; state: CoHostState; queue: number }
  | { t: "cohost"; op: "taken"; turn: number; input: CoHostInput; skipped: number }
  /** Provisional text as it streams; the turn's `sentence` events are final. */
  | { t: "cohost"; op: "delta"; turn: number; text: string }
  /**
   * A finished, moderated sentence (what is spoken and captioned). `voiced`: its speech
   * follows as an `audio` event.
   */
  | {
    t: "cohost";
    op: "sentence";
    turn: number;
    index: number;
    text: string;
    source: Source;
    voiced?: boolean;
  }
  /**
   * The speech of a voiced sentence, as it starts playing (`clip` null: synthesis failed).
   * Only on `cohost.out.{roomId}` for /proxy-ws clients, never in the viewers' batches.
   */
  | { t: "cohost"; op: "audio"; turn: number; index: number; text: string; clip: SpeechClip | null }
  /** A sentence the moderation withheld: clients drop its provisional deltas. */
  | { t: "cohost"; op: "withheld"; turn: number; index: number }
  | { t: "cohost"; op: "end"; turn: number; reason: EndReason; source: Source }
  | { t: "cohost"; op: "skipped"; count: number; reason: "stale" | "overflow" }
  /**
   * A restarted co-host (a process restart, a fail-over) took back `count` inputs its previous
   * activation had not finished; the one it was answering starts again from its beginning.
   */
  | { t: "cohost"; op: "resumed"; count: number };
