/**
 * What people are told about, and where. A kind is one of the platform's events seen from
 * the recipient's side (`live`: a streamer you follow went live, from `stream.started`;
 * `withdrawal_paid` and `recording_ready`: your own, from `withdrawal.paid` and
 * `recording.ready`). A channel is where it is shown: the inbox in the web client
 * (`in_app`), Web Push to the browsers you allowed (`push`), and e-mail to your verified
 * address (`email`). Integrators hear the same events as outbound webhooks (actors/webhooks).
 */

export const NOTIFY_KINDS = ["live", "withdrawal_paid", "recording_ready"] as const;
export type NotifyKind = typeof NOTIFY_KINDS[number];

export const NOTIFY_CHANNELS = ["in_app", "push", "email"] as const;
export type NotifyChannel = typeof NOTIFY_CHANNELS[number];

/** The channels that leave the server (one send row each). */
export const OUTBOUND_CHANNELS = ["push", "email"] as const;
export type OutboundChannel = typeof OUTBOUND_CHANNELS[number];

/**
 * Every channel is on unless the user turned it off: push reaches only browsers whose user
 * allowed it, and e-mail only an address its owner verified, which is the opt-in.
 */
export const DEFAULT_ENABLED = true;

export type Preferences = Record<NotifyKind, Record<NotifyChannel, boolean>>;

export function defaultPreferences(): Preferences {
  const out = {} as Preferences;
  for (const k of NOTIFY_KINDS) {
    out[k] = { in_app: DEFAULT_ENABLED, push: DEFAULT_ENABLED, email: DEFAULT_ENABLED };
  }
  return out;
}

export const isKind = (s: string): s is NotifyKind =>
  (NOTIFY_KINDS as readonly string[]).includes(s);
export const isChannel = (s: string): s is NotifyChannel =>
  (NOTIFY_CHANNELS as readonly string[]).includes(s);
