/**
 * The outbound webhooks' variables. Validated at start-up with every other part's
 * (edge/wiring/config.ts) and listed in the README's configuration table.
 */
import { z } from "zod";
import { bool, int, type Variables } from "../../engine/config.ts";

/** Seconds between attempts: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, 8 h (~ a day). */
export const DEFAULT_RETRY_SCHEDULE = [5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 28800];

const schedule = z.string().regex(
  /^\s*\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*\s*$/,
  "seconds, comma-separated",
)
  .transform((s) => s.split(",").map((x) => Number(x.trim())))
  .optional();

const addresses = z.string().transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))
  .optional();

export const WEBHOOK_VARIABLES = {
  /** Deliver outbound webhooks from this process (the worker; events are written anyway). */
  WEBHOOKS: bool.default(true),
  /** Seconds to wait before each retry, comma-separated (its length is the number of retries). */
  WEBHOOK_RETRY_SCHEDULE: schedule,
  /** One attempt's time limit (connect, send, answer). */
  WEBHOOK_TIMEOUT_MS: int(10_000, 100),
  /** Requests in flight per endpoint (one endpoint's lane). */
  WEBHOOK_ENDPOINT_CONCURRENCY: int(4, 1),
  /** Addresses allowed besides public ones (tests and development: `127.0.0.1`). */
  WEBHOOK_ALLOW_ADDRESSES: addresses,
};

export type WebhookVariables = Variables<typeof WEBHOOK_VARIABLES>;
