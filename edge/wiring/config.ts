/**
 * The process's configuration: every part's variables joined into one schema, validated at
 * start-up (an invalid value stops the process with a message naming it). Each part owns its
 * variables in its own `config.ts`; the README's configuration table lists them all (a test
 * keeps the two in step).
 */
import { z } from "zod";
import { AI_VARIABLES } from "../../actors/ai/config.ts";
import { BRIDGE_VARIABLES } from "../../actors/bridges/config.ts";
import { COHOST_VARIABLES } from "../../actors/cohost/config.ts";
import { ECONOMY_VARIABLES } from "../../actors/economy/config.ts";
import { ROOM_VARIABLES } from "../../actors/room/config.ts";
import { ANALYSIS_VARIABLES } from "../../actors/segment/config.ts";
import { assertDisjoint, ENGINE_VARIABLES, parseVariables } from "../../engine/config.ts";
import { MEDIA_VARIABLES } from "../../media/config.ts";
import { PLATFORM_VARIABLES } from "../../media/platforms/config.ts";
import { ACCOUNTS_VARIABLES } from "../accounts/config.ts";
import { EDGE_VARIABLES } from "../config.ts";
import { WEBHOOK_VARIABLES } from "../webhooks/config.ts";
import { NOTIFY_VARIABLES } from "../notifications/config.ts";

const PARTS = {
  "engine/config.ts": ENGINE_VARIABLES,
  "edge/config.ts": EDGE_VARIABLES,
  "edge/accounts/config.ts": ACCOUNTS_VARIABLES,
  "actors/room/config.ts": ROOM_VARIABLES,
  "actors/economy/config.ts": ECONOMY_VARIABLES,
  "actors/ai/config.ts": AI_VARIABLES,
  "actors/segment/config.ts": ANALYSIS_VARIABLES,
  "actors/bridges/config.ts": BRIDGE_VARIABLES,
  "actors/cohost/config.ts": COHOST_VARIABLES,
  "media/config.ts": MEDIA_VARIABLES,
  "media/platforms/config.ts": PLATFORM_VARIABLES,
  "edge/webhooks/config.ts": WEBHOOK_VARIABLES,
  "edge/notifications/config.ts": NOTIFY_VARIABLES,
};
assertDisjoint(PARTS);

export const ConfigSchema = z.object({
  ...ENGINE_VARIABLES,
  ...EDGE_VARIABLES,
  ...ACCOUNTS_VARIABLES,
  ...ROOM_VARIABLES,
  ...ECONOMY_VARIABLES,
  ...AI_VARIABLES,
  ...ANALYSIS_VARIABLES,
  ...BRIDGE_VARIABLES,
  ...COHOST_VARIABLES,
  ...MEDIA_VARIABLES,
  ...PLATFORM_VARIABLES,
  ...WEBHOOK_VARIABLES,
  ...NOTIFY_VARIABLES,
});

export type Config = z.infer<typeof ConfigSchema>;

/** Parse a set of variables; throws one error naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  return parseVariables(ConfigSchema, env);
}

/** The process's configuration from its environment. */
export function loadConfig(): Config {
  return parseConfig(Deno.env.toObject());
}
