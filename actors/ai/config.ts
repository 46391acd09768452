/**
 * The LLM client's variables (any OpenAI-compatible endpoint; unset: local heuristics).
 * Validated at start-up with every other part's (edge/wiring/config.ts) and listed in the
 * README's configuration table.
 */
import { int, opt, type Variables } from "../../engine/config.ts";

export const AI_VARIABLES = {
  LLM_BASE_URL: opt,
  LLM_API_KEY: opt,
  LLM_MODEL: opt,
  EMBEDDING_MODEL: opt,
  /** Timeout of one LLM request (each retry gets its own). */
  LLM_TIMEOUT_MS: int(20_000, 100),
  /** LLM price of one million prompt / completion tokens, integer micro-units (cost metrics). */
  LLM_PRICE_INPUT_MICROS_PER_MTOK: int(0, 0),
  LLM_PRICE_OUTPUT_MICROS_PER_MTOK: int(0, 0),
};

export type AiConfig = Variables<typeof AI_VARIABLES>;
