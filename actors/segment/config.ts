/**
 * The recording analysis' variables.
 * Validated at start-up with every other part's (edge/wiring/config.ts) and listed in the
 * README's configuration table.
 */
import { bool, int, type Variables } from "../../engine/config.ts";

export const ANALYSIS_VARIABLES = {
  /** Length of a recording's analysis window (coaching tips once per window), seconds. */
  ANALYSIS_WINDOW_S: int(300, 10),
  /** Read the on-screen text of each window's key frames (PP-OCRv4) for the coaching tips. */
  ANALYSIS_OCR: bool.default(true),
  /** Find faces and expressions in each window's key frames (the face models' worker). */
  ANALYSIS_FACES: bool.default(true),
  /** Requests waiting for the face models' worker at most; live frames past it are dropped. */
  FACES_QUEUE: int(4, 1),
  /** Time the face models get per frame of a request (the first also gets 120 s to load). */
  FACES_FRAME_TIMEOUT_MS: int(20_000, 1_000),
  /**
   * Send a clip of each window's speech to the configured LLM for the emotion in the voice
   * (only for an audio or multimodal model: `LLM_MODEL` must accept `input_audio`).
   */
  VOICE_EMOTION_LLM: bool.default(false),
};

export type AnalysisConfig = Variables<typeof ANALYSIS_VARIABLES>;
