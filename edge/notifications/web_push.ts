/**
 * Web Push (RFC 8030) with VAPID (RFC 8292) and message encryption (RFC 8291, aes128gcm)
 * through the `web-push` library (web-push-libs; it only builds the request here:
 * `generateRequestDetails`), sent with fetch through the SSRF guard the outbound webhooks use:
 * a subscription's endpoint is a URL a browser handed us, so it must resolve to a public
 * address (or one in NOTIFY_PUSH_ALLOW_ADDRESSES) and the connection goes only there.
 *
 * The VAPID key pair is made by the first process to start and kept in the database
 * (`vapid_keys`), so every process of a cluster signs with the same key and browsers'
 * subscriptions survive restarts.
 *
 * `web-push` (with its jws/asn1.js/bn.js dependencies and Node's http/https) loads at its
 * first use - the first key pair made or the first push sent - not when a process starts:
 * an idle edge does not carry it (issue 18).
 */
import type WebPush from "web-push";
import type { NotificationStore, PushSubscriptionRow } from "../../actors/notifications/store.ts";
import type { Logger } from "../../engine/log.ts";
import { GuardedHttpClient } from "../../media/recorder/egress_guard.ts";
import {
  assertPublicHost,
  type HostLookup,
  isPublicAddress,
  systemLookup,
} from "../../media/recorder/public_address.ts";

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

let webPushModule: Promise<typeof WebPush> | undefined;

/** The `web-push` library, loaded once, at its first use. */
const loadWebPush = (): Promise<typeof WebPush> =>
  webPushModule ??= import("web-push").then((m) => m.default);

/** The deployment's key pair, made and stored on first use. */
export function loadVapidKeys(store: NotificationStore): Promise<VapidKeys> {
  return store.vapidKeys(async () => (await loadWebPush()).generateVAPIDKeys());
}

/** How one push went: delivered, the subscription is gone, or a failure (transient or not). */
export type PushResult =
  | { ok: true }
  | { ok: false; gone: boolean; transient: boolean; error: string };

export interface PushSenderOptions {
  keys: VapidKeys;
  subject: string;
  allowAddress?: (address: string) => boolean;
  lookup?: HostLookup;
  timeoutMs?: number;
  log: Logger;
}

export class PushSender {
  readonly #allow: (address: string) => boolean;
  readonly #lookup: HostLookup;
  readonly #http: GuardedHttpClient;

  constructor(private readonly opts: PushSenderOptions) {
    this.#allow = opts.allowAddress ?? isPublicAddress;
    this.#lookup = opts.lookup ?? systemLookup;
    this.#http = new GuardedHttpClient(
      { lookup: this.#lookup, allowAddress: this.#allow },
      opts.log,
    );
  }

  /** Whether a subscription's endpoint may be used (checked when a browser subscribes too). */
  async checkEndpoint(endpoint: string): Promise<void> {
    await assertPublicHost(new URL(endpoint), this.#lookup, this.#allow);
  }

  /** Encrypts `payload` for the subscription and posts it; `topic` replaces an undelivered one. */
  async send(
    sub: PushSubscriptionRow,
    payload: string,
    opts: { topic: string; ttlSeconds: number },
  ): Promise<PushResult> {
    try {
      await this.checkEndpoint(sub.endpoint);
      const webpush = await loadWebPush();
      const req = webpush.generateRequestDetails(
        { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } },
        payload,
        {
          vapidDetails: {
            subject: this.opts.subject,
            publicKey: this.opts.keys.publicKey,
            privateKey: this.opts.keys.privateKey,
          },
          TTL: opts.ttlSeconds,
          topic: opts.topic,
          urgency: "normal",
          contentEncoding: "aes128gcm",
        },
      );
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, String(v)]),
      );
      const res = await fetch(req.endpoint, {
        method: req.method,
        headers,
        body: req.body as Uint8Array<ArrayBuffer>,
        redirect: "manual",
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
        client: this.#http.client,
      });
      await res.body?.cancel();
      if (res.status >= 200 && res.status < 300) return { ok: true };
      return {
        ok: false,
        gone: res.status === 404 || res.status === 410,
        transient: res.status === 429 || res.status >= 500,
        error: `HTTP ${res.status}`,
      };
    } catch (err) {
      const e = err as Error & { code?: string };
      const refused = e.code === "url_forbidden";
      return {
        ok: false,
        gone: false,
        transient: !refused,
        error: (e.name === "TimeoutError" ? "timed out" : e.code ?? e.message).slice(0, 300),
      };
    }
  }

  async close(): Promise<void> {
    await this.#http.close();
  }
}
