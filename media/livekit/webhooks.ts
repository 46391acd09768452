/**
 * LiveKit webhooks: verify (signature over the body's sha256, signed by our API key),
 * refuse stale and replayed events, and turn the rest into `StreamEvent`s for the room
 * actor and the recording controller. An event id counts as received only once it was
 * delivered (`WebhookDelivery`): a delivery that failed lets go of the id, so LiveKit's
 * retry of it (LiveKit retries a 5xx answer) is accepted rather than refused as a replay. Also signs events the way LiveKit does, for the
 * egress stand-in in tests and for tools that replay events.
 */
import { AccessToken, WebhookEvent, WebhookReceiver } from "livekit-server-sdk";
import type { Logger } from "../../engine/log.ts";
import type { LivekitSettings } from "./settings.ts";
import { roleFromMetadata } from "./tokens.ts";

export type WebhookRefusal =
  | "webhook_bad_signature"
  | "webhook_malformed"
  | "webhook_stale"
  | "webhook_replayed"
  | "webhook_in_flight";

/**
 * A verified event held for delivery. Call `delivered()` once the room (and the recording
 * controller) took it — from then on the id is refused as replayed — or `failed()` to let
 * go of it, so that LiveKit's retry of the same event is accepted.
 */
export interface WebhookDelivery {
  delivered(): Promise<void>;
  failed(): Promise<void>;
}

export type WebhookResult =
  | { ok: true; event: StreamEvent; delivery: WebhookDelivery }
  | { ok: false; code: WebhookRefusal; message: string };

export type ClaimResult =
  /** Ours to deliver until `leaseMs` runs out (then another delivery may take it over). */
  | { state: "claimed"; token: string }
  /** Delivered already: a replay. */
  | { state: "done" }
  /** Another delivery of the same id is under way right now. */
  | { state: "in_flight" };

/**
 * Remembers event ids in two steps, so an event is only "seen" once it was delivered:
 * `claim` takes an id for one delivery (a lease), `complete` records it as delivered for
 * `ttlMs`, `release` forgets a claim whose delivery failed. A claim whose holder died
 * (crashed edge) can be taken over once its lease has run out.
 */
export interface ReplayGuard {
  claim(eventId: string, leaseMs: number): Promise<ClaimResult>;
  complete(eventId: string, token: string, ttlMs: number): Promise<void>;
  release(eventId: string, token: string): Promise<void>;
}

/** One process's replay memory (a cluster of edges shares a SQL-backed guard instead). */
export class MemoryReplayGuard implements ReplayGuard {
  readonly #seen = new Map<string, { until: number; token?: string }>();
  constructor(private readonly clock: () => number = Date.now) {}

  claim(eventId: string, leaseMs: number): Promise<ClaimResult> {
    const now = this.clock();
    if (this.#seen.size > 10_000) {
      for (const [id, e] of this.#seen) if (e.until <= now) this.#seen.delete(id);
    }
    const entry = this.#seen.get(eventId);
    if (entry !== undefined && entry.until > now) {
      return Promise.resolve(entry.token ? { state: "in_flight" } : { state: "done" });
    }
    const token = crypto.randomUUID();
    this.#seen.set(eventId, { until: now + leaseMs, token });
    return Promise.resolve({ state: "claimed", token });
  }

  complete(eventId: string, token: string, ttlMs: number): Promise<void> {
    const entry = this.#seen.get(eventId);
    if (entry?.token === token) this.#seen.set(eventId, { until: this.clock() + ttlMs });
    return Promise.resolve();
  }

  release(eventId: string, token: string): Promise<void> {
    if (this.#seen.get(eventId)?.token === token) this.#seen.delete(eventId);
    return Promise.resolve();
  }
}

/** A LiveKit event reduced to what Synapse acts on. */
export interface StreamEvent {
  eventId: string;
  kind:
    | "room_started"
    | "room_finished"
    | "participant_joined"
    | "participant_left"
    | "track_published"
    | "track_unpublished"
    | "ingress_started"
    | "ingress_ended"
    | "egress_started"
    | "egress_updated"
    | "egress_ended";
  /** Synapse room id (= LiveKit room name). */
  roomId: string;
  /** Event time, ms since the epoch. */
  at: number;
  participant?: { identity: string; name: string; role?: string };
  track?: { sid: string; type: "audio" | "video" | "data"; source: string };
  ingress?: { ingressId: string; status: string };
  egress?: {
    egressId: string;
    status: string;
    playlistLocation?: string;
    segmentCount?: number;
    error?: string;
  };
}

const KINDS = new Set<string>([
  "room_started",
  "room_finished",
  "participant_joined",
  "participant_left",
  "track_published",
  "track_unpublished",
  "ingress_started",
  "ingress_ended",
  "egress_started",
  "egress_updated",
  "egress_ended",
]);

export interface WebhookVerifierOptions {
  settings: Pick<LivekitSettings, "apiKey" | "apiSecret">;
  replay: ReplayGuard;
  log: Logger;
  /** Events older than this are refused (default 5 min). */
  maxAgeMs?: number;
  /**
   * How long one delivery holds an event id before another delivery may take it over
   * (default 20 s: longer than one delivery with the room's own retries, about 11 s, see
   * edge/wiring/media.ts; short enough that LiveKit's retries, 4 at Retry-After 8 s, outlive the
   * claim of an edge that died mid-delivery). A takeover while the first delivery still
   * runs is harmless: the room applies each event id once.
   */
  leaseMs?: number;
  clock?: () => number;
}

export class LivekitWebhookVerifier {
  readonly #receiver: WebhookReceiver;
  readonly #maxAgeMs: number;
  readonly #clock: () => number;
  readonly #leaseMs: number;

  constructor(private readonly opts: WebhookVerifierOptions) {
    this.#receiver = new WebhookReceiver(opts.settings.apiKey, opts.settings.apiSecret);
    this.#maxAgeMs = opts.maxAgeMs ?? 5 * 60_000;
    this.#leaseMs = opts.leaseMs ?? 20_000;
    this.#clock = opts.clock ?? Date.now;
  }

  /**
   * Verify one delivery. A refusal is logged (without the body) and changes nothing; an
   * accepted event holds its id until the caller reports `delivered()` or `failed()`.
   */
  async verify(body: string, authorization: string | undefined | null): Promise<WebhookResult> {
    const result = await this.#check(body, authorization ?? undefined);
    if (!result.ok) {
      this.opts.log.warn("livekit webhook refused", { code: result.code, reason: result.message });
    }
    return result;
  }

  async #check(body: string, authorization: string | undefined): Promise<WebhookResult> {
    let event: WebhookEvent;
    try {
      event = await this.#receiver.receive(body, authorization);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const malformed = err instanceof SyntaxError || /json|cannot decode|invalid/i.test(message) &&
          !/signature|token|jwt|checksum/i.test(message);
      return malformed
        ? { ok: false, code: "webhook_malformed", message: "webhook body is not a LiveKit event" }
        : { ok: false, code: "webhook_bad_signature", message: `signature refused: ${message}` };
    }
    if (!event.id || !event.event) {
      return { ok: false, code: "webhook_malformed", message: "webhook event without id or type" };
    }
    const at = Number(event.createdAt) * 1000;
    const age = this.#clock() - at;
    if (!Number.isFinite(at) || at <= 0 || age > this.#maxAgeMs) {
      return {
        ok: false,
        code: "webhook_stale",
        message: `event ${event.id} is ${Math.round(age / 1000)} s old`,
      };
    }
    const streamEvent = toStreamEvent(event, at);
    if (!streamEvent) {
      return { ok: false, code: "webhook_malformed", message: `event ${event.event} has no room` };
    }
    const eventId = event.id;
    const claim = await this.opts.replay.claim(eventId, this.#leaseMs);
    if (claim.state === "done") {
      return {
        ok: false,
        code: "webhook_replayed",
        message: `event ${eventId} was already received`,
      };
    }
    if (claim.state === "in_flight") {
      return {
        ok: false,
        code: "webhook_in_flight",
        message: `event ${eventId} is being delivered by another request; try again`,
      };
    }
    const { replay } = this.opts;
    // Remembered past the age limit: a replay after that is refused as stale anyway.
    const ttlMs = this.#maxAgeMs * 2;
    let settled = false;
    const once = (fn: () => Promise<void>) => () => {
      if (settled) return Promise.resolve();
      settled = true;
      return fn();
    };
    return {
      ok: true,
      event: streamEvent,
      delivery: {
        delivered: once(() => replay.complete(eventId, claim.token, ttlMs)),
        failed: once(() => replay.release(eventId, claim.token)),
      },
    };
  }
}

const TRACK_TYPES = ["audio", "video", "data"] as const;

/** Reduce a verified LiveKit event; undefined for events Synapse does not act on. */
export function toStreamEvent(event: WebhookEvent, at: number): StreamEvent | undefined {
  if (!KINDS.has(event.event)) return undefined;
  const roomId = event.room?.name || event.ingressInfo?.roomName || event.egressInfo?.roomName;
  if (!roomId) return undefined;
  const out: StreamEvent = {
    eventId: event.id,
    kind: event.event as StreamEvent["kind"],
    roomId,
    at,
  };
  if (event.participant) {
    out.participant = {
      identity: event.participant.identity,
      name: event.participant.name,
      role: roleFromMetadata(event.participant.metadata),
    };
  }
  if (event.track) {
    out.track = {
      sid: event.track.sid,
      type: TRACK_TYPES[event.track.type] ?? "data",
      source: String(event.track.source),
    };
  }
  if (event.ingressInfo) {
    out.ingress = {
      ingressId: event.ingressInfo.ingressId,
      status: String(event.ingressInfo.state?.status ?? ""),
    };
  }
  if (event.egressInfo) {
    const seg = event.egressInfo.segmentResults?.[0];
    out.egress = {
      egressId: event.egressInfo.egressId,
      status: String(event.egressInfo.status),
      playlistLocation: seg?.playlistLocation || undefined,
      segmentCount: seg ? Number(seg.segmentCount) : undefined,
      error: event.egressInfo.error || undefined,
    };
  }
  return out;
}

/**
 * Build a WebhookEvent. (The SDK's subclass resets `event` to "" after the protobuf
 * constructor has copied the init, so `new WebhookEvent({event})` silently loses it.)
 */
export function webhookEvent(
  init: ConstructorParameters<typeof WebhookEvent>[0] & { event: WebhookEvent["event"] },
): WebhookEvent {
  const event = new WebhookEvent(init);
  event.event = init.event;
  return event;
}

/**
 * Sign `event` as LiveKit does: the body is the event's protobuf JSON, the Authorization
 * header a JWT from our API key whose `sha256` claim is the base64 SHA-256 of the body.
 */
export async function signWebhook(
  settings: Pick<LivekitSettings, "apiKey" | "apiSecret">,
  event: WebhookEvent,
): Promise<{ body: string; authorization: string }> {
  const body = event.toJsonString();
  const hash = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)),
  );
  const token = new AccessToken(settings.apiKey, settings.apiSecret, { ttl: 300 });
  token.sha256 = btoa(String.fromCharCode(...hash));
  return { body, authorization: await token.toJwt() };
}
