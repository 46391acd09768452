/**
 * Accounts' variables: start-up admins and the OAuth providers.
 * Validated at start-up with every other part's (edge/wiring/config.ts) and listed in the
 * README's configuration table.
 */
import { z } from "zod";
import { opt, type Variables } from "../../engine/config.ts";

export const ACCOUNTS_VARIABLES = {
  /** Usernames (comma separated) made platform admins at start-up while no active admin exists. */
  BOOTSTRAP_ADMINS: z.string().default("").transform((s) =>
    s.split(",").map((n) => n.trim()).filter(Boolean)
  ).pipe(z.array(z.string().regex(/^[A-Za-z0-9_]{3,24}$/, "usernames of 3-24 A-Z a-z 0-9 _"))),
  OAUTH_GITHUB_CLIENT_ID: opt,
  OAUTH_GITHUB_CLIENT_SECRET: opt,
  OAUTH_GOOGLE_CLIENT_ID: opt,
  OAUTH_GOOGLE_CLIENT_SECRET: opt,
};

export type AccountsConfig = Variables<typeof ACCOUNTS_VARIABLES>;
