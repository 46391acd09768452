/**
 * The co-host's persona and policies, set by the streamer: who it is (name, style, language),
 * what it must never say, which phrases interrupt it, and how it treats a long queue.
 */
import { z } from "zod";

export const StalePolicy = z.object({
  /** Inputs that waited longer than this are skipped (default 60 s). */
  maxWaitMs: z.number().int().min(1_000).max(3_600_000).default(60_000),
  /** At most this many inputs wait; the oldest beyond it are skipped (default 20). */
  maxQueue: z.number().int().min(1).max(500).default(20),
}).strict();
export type StalePolicy = z.infer<typeof StalePolicy>;

export const Persona = z.object({
  enabled: z.boolean().default(false),
  name: z.string().trim().min(1).max(32).default("Aki"),
  /** How it talks, in the streamer's words ("cheerful, short answers, a little teasing"). */
  style: z.string().max(400).default("friendly and brief"),
  /**
   * BCP-47-ish tag; `zh` and `en` have local templates and espeak-ng voices. `auto` follows
   * the stream's language (the room's setting, else what it detects), Chinese until known.
   */
  language: z.string().regex(/^(auto|[a-z]{2}(-[A-Za-z]{2,4})?)$/).default("auto"),
  /** Words or phrases the co-host must never say (a sentence holding one is withheld). */
  mustNotSay: z.array(z.string().trim().min(1).max(60)).max(100).default([]),
  /** A trusted input (the streamer, a /proxy-ws client) holding one of these interrupts. */
  interruptPhrases: z.array(z.string().trim().min(1).max(40)).max(20).default([
    "闭嘴",
    "停一下",
    "stop talking",
  ]),
  stale: StalePolicy.default({ maxWaitMs: 60_000, maxQueue: 20 }),
  /** Which inputs it answers: native room chat, bridged chat, /proxy-ws inputs. */
  listen: z.object({
    native: z.boolean().default(true),
    bridged: z.boolean().default(true),
    proxy: z.boolean().default(true),
  }).strict().default({ native: true, bridged: true, proxy: true }),
  voice: z.boolean().default(true),
}).strict();
export type Persona = z.infer<typeof Persona>;

export const DEFAULT_PERSONA: Persona = Persona.parse({});
