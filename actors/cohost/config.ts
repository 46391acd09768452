/**
 * The AI co-host's variables: its voice (text to speech).
 * Validated at start-up with every other part's (edge/wiring/config.ts) and listed in the
 * README's configuration table.
 */
import { z } from "zod";
import { opt, type Variables } from "../../engine/config.ts";

export const COHOST_VARIABLES = {
  /** Co-host voice: `auto` (remote if TTS_BASE_URL, else local espeak-ng), `remote`, `local`, `off`. */
  COHOST_TTS: z.enum(["auto", "remote", "local", "off"]).default("auto"),
  /** OpenAI-compatible `/audio/speech` endpoint for the co-host's voice. */
  TTS_BASE_URL: opt,
  TTS_API_KEY: opt,
  TTS_MODEL: z.string().default("tts-1"),
  TTS_VOICE: z.string().default("alloy"),
};

export type CohostConfig = Variables<typeof COHOST_VARIABLES>;
