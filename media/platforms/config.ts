/**
 * The live platforms' variables (platform page URLs recorded through media/platforms/).
 * Bilibili's room API is the bridges' `BILIBILI_LIVE_API` (actors/bridges/config.ts).
 * Validated at start-up with every other part's (edge/wiring/config.ts) and listed in the
 * README's configuration table.
 */
import { z } from "zod";
import { opt, type Variables } from "../../engine/config.ts";

export const PLATFORM_VARIABLES = {
  /** Where Douyin live pages are fetched from (`live.douyin.com/<id>` keeps its id). */
  DOUYIN_BASE_URL: z.string().url().default("https://live.douyin.com"),
  /** Cookie sent with Douyin page requests (e.g. `ttwid=...`); never logged. */
  DOUYIN_COOKIE: opt,
};

export type PlatformConfig = Variables<typeof PLATFORM_VARIABLES>;
