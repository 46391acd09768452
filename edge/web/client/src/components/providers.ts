/** Whether this server has accounts, and the OAuth providers it offers (asked once a page). */
import { api } from "../api.ts";

/** null until asked; "none" without accounts. */
export const providers = {
  list: null as string[] | null | "none",
  asked: null as Promise<void> | null,
};

export function askProviders(): Promise<void> {
  // refused without accounts: an answer ("none"), not an error to say
  providers.asked ??= api<{ providers: string[] }>("/auth/providers", { quiet: true }).then(
    (r) => void (providers.list = r.providers),
    () => void (providers.list = "none"),
  );
  return providers.asked;
}

/** The providers' buttons to show (none while unknown or without accounts). */
export function oauthProviders(): string[] {
  return Array.isArray(providers.list) ? providers.list : [];
}
