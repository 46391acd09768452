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
};

export type AnalysisConfig = Variables<typeof ANALYSIS_VARIABLES>;
