/**
 * The economy's variables: commission, top-ups, withdrawals (integer units).
 * Validated at start-up with every other part's (edge/wiring/config.ts) and listed in the
 * README's configuration table.
 */
import { z } from "zod";
import { bool, int, type Variables } from "../../engine/config.ts";

export const ECONOMY_VARIABLES = {
  /** Platform commission on gifts, basis points (1/100 of a percent). */
  GIFT_COMMISSION_BPS: int(3000, 0).pipe(z.number().max(10_000)),
  /** Allow the dev payment provider (instant top-ups) for everyone. */
  DEV_TOPUP: bool.default(true),
  /** The smallest withdrawal a streamer may request (integer units). */
  WITHDRAWAL_MIN_AMOUNT: int(100, 1).pipe(z.number().max(1_000_000_000)),
  /** Pending withdrawal requests one streamer may have at once (0: no limit). */
  WITHDRAWAL_MAX_PENDING: int(3, 0),
};

export type EconomyConfig = Variables<typeof ECONOMY_VARIABLES>;
