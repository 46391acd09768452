/**
 * LiveKit webhooks: verify (signature over the body's sha256, signed by our API key),
 * refuse stale and replayed events, and turn the rest into `StreamEvent`s for the room
 * actor and the recording controller. Also signs events the way LiveKit does, for the
 * egress stand-in in tests and for tools that replay events.
 */
import { AccessToken, WebhookEvent, WebhookReceiver } from "livekit-server-sdk";
import type { Logger } from "../../engine/log.ts";
import type { LivekitSettings } from "./settings.ts";

export type WebhookRefusal =
  | "webhook_bad_signature"
  | "webhook_malformed"
  | "webhook_stale"
  | "webhook_replayed";

export type WebhookResult =
  | { ok: true; event: StreamEvent }
  | { ok: false; code: WebhookRefusal; message: string };

/** Remembers event ids; a second claim of the same id inside its lifetime returns false. */
export interface ReplayGuard {
  claim(eventId: string, ttlMs: number): Promise<boolean>;
}

/** One process's replay memory (a cluster of edges shares a SQL-backed guard instead). */
export class MemoryReplayGuard implements ReplayGuard {
  readonly #seen = new Map<string, number>();
  constructor(private readonly clock: () => number = Date.now) {}

  claim(eventId: string, ttlMs: number): Promise<boolean> {
    const now = this.clock();
    if (this.#seen.size > 10_000) {
      for (const [id, until] of this.#seen) if (until <= now) this.#seen.delete(id);
    }
    const until = this.#seen.get(eventId);
    if (until !== undefined && until > now) return Promise.resolve(false);
    this.#seen.set(eventId, now + ttlMs);
    return Promise.resolve(true);
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
  clock?: () => number;
}

export class LivekitWebhookVerifier {
  readonly #receiver: WebhookReceiver;
  readonly #maxAgeMs: number;
  readonly #clock: () => number;

  constructor(private readonly opts: WebhookVerifierOptions) {
    this.#receiver = new WebhookReceiver(opts.settings.apiKey, opts.settings.apiSecret);
    this.#maxAgeMs = opts.maxAgeMs ?? 5 * 60_000;
    this.#clock = opts.clock ?? Date.now;
  }

  /** Verify one delivery. A refusal is logged (without the body) and changes nothing. */
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
    if (!(await this.opts.replay.claim(event.id, this.#maxAgeMs * 2))) {
      return {
        ok: false,
        code: "webhook_replayed",
        message: `event ${event.id} was already received`,
      };
    }
    const streamEvent = toStreamEvent(event, at);
    if (!streamEvent) {
      return { ok: false, code: "webhook_malformed", message: `event ${event.event} has no room` };
    }
    return { ok: true, event: streamEvent };
  }
}

function roleOf(metadata: string | undefined): string | undefined {
  try {
    const m = JSON.parse(metadata ?? "");
    return typeof m?.role === "string" ? m.role : undefined;
  } catch {
    return undefined;
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
      role: roleOf(event.participant.metadata),
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
