/**
 * The webhooks' tables (migration 130): endpoints, the outbox of events, one delivery per
 * (endpoint, event) with its retry schedule, and the log of attempts.
 *
 * Events enter in batches (`insertEvents`): one statement writes the events (a stable id
 * already seen is skipped) and a delivery for every enabled endpoint that hears it: the
 * platform's endpoints hear everything, a streamer's hear the events of the rooms they own
 * (or addressed to them), each filtered by its event types.
 *
 * Each endpoint is one lane (`acquireLane`): one worker in the cluster holds it at a time
 * (a lease on the endpoint row) and sends its due deliveries, so a slow or dead endpoint
 * holds only its own lane.
 */
import type { SqlExecutor, SqlStore } from "../../engine/sql/sql.ts";
import { type OutboundEvent, WEBHOOK_EVENT_TYPES, type WebhookEventType } from "./events.ts";

export const WEBHOOK_ERRORS = {
  unknown_endpoint: 404,
  unknown_delivery: 404,
  too_many_endpoints: 409,
  forbidden: 403,
} as const;

export class WebhookError extends Error {
  constructor(readonly code: keyof typeof WEBHOOK_ERRORS, message: string) {
    super(message);
    this.name = "WebhookError";
  }
  get status(): number {
    return WEBHOOK_ERRORS[this.code];
  }
}

/** Endpoints one owner (or the platform) may register. */
export const MAX_ENDPOINTS_PER_OWNER = 20;

export interface Endpoint {
  id: string;
  /** null: a platform endpoint. */
  ownerId: string | null;
  url: string;
  description: string;
  eventTypes: WebhookEventType[];
  enabled: boolean;
  createdAt: string;
}

export interface EndpointWithSecret extends Endpoint {
  secret: string;
}

export type DeliveryStatus = "pending" | "delivered" | "failed";

export interface Attempt {
  attempt: number;
  at: string;
  status: number | null;
  durationMs: number;
  error: string | null;
  manual: boolean;
}

export interface Delivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

/** A due delivery with what is sent. */
export interface DueDelivery {
  id: string;
  eventId: string;
  type: string;
  occurredAt: Date;
  payload: unknown;
  attempts: number;
  manual: boolean;
}

/** An event as the outbox writes it (its stable id computed). */
export interface EventRow {
  id: string;
  event: OutboundEvent;
}

const iso = (v: unknown): string | null =>
  v === null || v === undefined ? null : new Date(v as string).toISOString();

function endpointOf(r: Record<string, unknown>): Endpoint {
  return {
    id: r.id as string,
    ownerId: (r.owner_id as string | null) ?? null,
    url: r.url as string,
    description: r.description as string,
    eventTypes: (r.event_types as WebhookEventType[]) ?? [],
    enabled: r.enabled as boolean,
    createdAt: iso(r.created_at)!,
  };
}

/** `whsec_` and 32 random bytes in base64, as Standard Webhooks writes secrets. */
export function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

export class WebhookStore {
  constructor(private readonly sql: SqlStore) {}

  async createEndpoint(input: {
    ownerId: string | null;
    url: string;
    description: string;
    eventTypes: WebhookEventType[];
  }): Promise<EndpointWithSecret> {
    return await this.sql.transaction(async (tx) => {
      // One owner's registrations are serialised, so the cap holds under concurrency.
      await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [
        `webhooks:${input.ownerId ?? "platform"}`,
      ]);
      const [{ n }] = await tx.query<{ n: bigint }>(
        "SELECT count(*)::int8 AS n FROM webhook_endpoints WHERE owner_id IS NOT DISTINCT FROM $1",
        [input.ownerId],
      );
      if (Number(n) >= MAX_ENDPOINTS_PER_OWNER) {
        throw new WebhookError(
          "too_many_endpoints",
          `at most ${MAX_ENDPOINTS_PER_OWNER} endpoints per owner`,
        );
      }
      const id = `we_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
      const secret = newSecret();
      const [row] = await tx.query(
        `INSERT INTO webhook_endpoints (id, owner_id, url, description, secret, event_types)
         SELECT $1, $2, $3, $4, $5, ARRAY(SELECT jsonb_array_elements_text($6::jsonb))
         RETURNING *`,
        [
          id,
          input.ownerId,
          input.url,
          input.description,
          secret,
          JSON.stringify(input.eventTypes),
        ],
      );
      return { ...endpointOf(row), secret };
    });
  }

  /** Whether the user owns a room (a streamer's endpoints hear their rooms' events). */
  async ownsRoom(userId: string): Promise<boolean> {
    return (await this.sql.query("SELECT 1 FROM rooms WHERE owner_id = $1 LIMIT 1", [userId]))
      .length > 0;
  }

  /** A platform's (`ownerId` null) or a user's endpoints, newest first. */
  async endpoints(ownerId: string | null): Promise<Endpoint[]> {
    const rows = await this.sql.query(
      `SELECT * FROM webhook_endpoints WHERE owner_id IS NOT DISTINCT FROM $1
       ORDER BY created_at DESC, id`,
      [ownerId],
    );
    return rows.map(endpointOf);
  }

  async endpoint(id: string): Promise<EndpointWithSecret | undefined> {
    const [row] = await this.sql.query("SELECT * FROM webhook_endpoints WHERE id = $1", [id]);
    return row ? { ...endpointOf(row), secret: row.secret as string } : undefined;
  }

  async updateEndpoint(
    id: string,
    patch: {
      url?: string;
      description?: string;
      eventTypes?: WebhookEventType[];
      enabled?: boolean;
    },
  ): Promise<Endpoint> {
    const [row] = await this.sql.query(
      `UPDATE webhook_endpoints SET
         url = COALESCE($2, url),
         description = COALESCE($3, description),
         event_types = CASE WHEN $4::jsonb IS NULL THEN event_types
                       ELSE ARRAY(SELECT jsonb_array_elements_text($4::jsonb)) END,
         enabled = COALESCE($5, enabled),
         updated_at = now()
       WHERE id = $1 RETURNING *`,
      [
        id,
        patch.url ?? null,
        patch.description ?? null,
        patch.eventTypes ? JSON.stringify(patch.eventTypes) : null,
        patch.enabled ?? null,
      ],
    );
    if (!row) throw new WebhookError("unknown_endpoint", "no such endpoint");
    return endpointOf(row);
  }

  async rotateSecret(id: string): Promise<string> {
    const secret = newSecret();
    const rows = await this.sql.query(
      "UPDATE webhook_endpoints SET secret = $2, updated_at = now() WHERE id = $1 RETURNING id",
      [id, secret],
    );
    if (rows.length === 0) throw new WebhookError("unknown_endpoint", "no such endpoint");
    return secret;
  }

  async deleteEndpoint(id: string): Promise<void> {
    const rows = await this.sql.query("DELETE FROM webhook_endpoints WHERE id = $1 RETURNING id", [
      id,
    ]);
    if (rows.length === 0) throw new WebhookError("unknown_endpoint", "no such endpoint");
  }

  /**
   * Writes events (ids already stored are skipped) and their deliveries in one statement;
   * returns how many deliveries were created. `onlyEndpoint`: deliver to that endpoint only
   * (a test event).
   */
  async insertEvents(events: readonly EventRow[], onlyEndpoint?: string): Promise<number> {
    if (events.length === 0) return 0;
    const rows = events.map(({ id, event: e }) => ({
      id,
      type: e.type,
      room_id: e.roomId ?? null,
      owner_id: e.ownerId ?? null,
      payload: e.data,
      at: new Date(e.at).toISOString(),
    }));
    const [{ n }] = await this.sql.query<{ n: bigint }>(
      `WITH ev AS (
         INSERT INTO webhook_events (id, type, room_id, owner_id, payload, occurred_at)
         SELECT e.id, e.type, e.room_id, COALESCE(e.owner_id, r.owner_id), e.payload, e.at
         FROM jsonb_to_recordset($1::jsonb)
           AS e(id text, type text, room_id text, owner_id text, payload jsonb, at timestamptz)
         LEFT JOIN rooms r ON r.id = e.room_id
         ON CONFLICT (id) DO NOTHING
         RETURNING id, type, owner_id),
       d AS (
         INSERT INTO webhook_deliveries (endpoint_id, event_id)
         SELECT w.id, ev.id FROM ev JOIN webhook_endpoints w
           ON w.enabled AND CASE WHEN $2::text IS NULL THEN
                (w.owner_id IS NULL OR w.owner_id = ev.owner_id)
            AND (cardinality(w.event_types) = 0 OR ev.type = ANY (w.event_types))
           ELSE w.id = $2 END
         ON CONFLICT (endpoint_id, event_id) DO NOTHING
         RETURNING 1)
       SELECT count(*)::int8 AS n FROM d`,
      [JSON.stringify(rows), onlyEndpoint ?? null],
    );
    return Number(n);
  }

  /** Endpoints with a due delivery whose lane nobody holds (at most `limit`). */
  async dueEndpoints(limit: number): Promise<string[]> {
    const rows = await this.sql.query<{ endpoint_id: string }>(
      `SELECT DISTINCT d.endpoint_id FROM webhook_deliveries d
         JOIN webhook_endpoints w ON w.id = d.endpoint_id
       WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND w.enabled
         AND (w.lane_until IS NULL OR w.lane_until < now())
       LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.endpoint_id);
  }

  /**
   * Milliseconds until the next pending delivery of an enabled endpoint falls due (its next
   * attempt, or its endpoint's lane lease lapsing, whichever is later; 0 if one is due now),
   * or null when none is pending: how long an idle worker may sleep.
   */
  async nextDueInMs(): Promise<number | null> {
    const [row] = await this.sql.query<{ ms: number | null }>(
      `SELECT (EXTRACT(EPOCH FROM min(GREATEST(d.next_attempt_at,
                 COALESCE(w.lane_until, d.next_attempt_at))) - now()) * 1000)::float8 AS ms
       FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
       WHERE d.status = 'pending' AND w.enabled`,
    );
    return row?.ms === null || row?.ms === undefined ? null : Math.max(0, Number(row.ms));
  }

  /** Takes (or extends) the endpoint's lane for `leaseMs`; its URL and secret, or undefined. */
  async acquireLane(
    endpointId: string,
    worker: string,
    leaseMs: number,
  ): Promise<{ url: string; secret: string } | undefined> {
    const [row] = await this.sql.query<{ url: string; secret: string }>(
      `UPDATE webhook_endpoints
         SET lane_owner = $2, lane_until = now() + make_interval(secs => $3::float8 / 1000)
       WHERE id = $1 AND enabled
         AND (lane_until IS NULL OR lane_until < now() OR lane_owner = $2)
       RETURNING url, secret`,
      [endpointId, worker, leaseMs],
    );
    return row;
  }

  async releaseLane(endpointId: string, worker: string): Promise<void> {
    await this.sql.query(
      `UPDATE webhook_endpoints SET lane_owner = NULL, lane_until = NULL
       WHERE id = $1 AND lane_owner = $2`,
      [endpointId, worker],
    );
  }

  /** The endpoint's next due deliveries, oldest first (the caller holds the lane). */
  async due(endpointId: string, limit: number): Promise<DueDelivery[]> {
    const rows = await this.sql.query(
      `SELECT d.id, d.event_id, d.attempts, d.manual, e.type, e.occurred_at, e.payload
       FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
       WHERE d.endpoint_id = $1 AND d.status = 'pending' AND d.next_attempt_at <= now()
       ORDER BY d.next_attempt_at, d.id LIMIT $2`,
      [endpointId, limit],
    );
    return rows.map((r) => ({
      id: String(r.id),
      eventId: r.event_id as string,
      type: r.type as string,
      occurredAt: new Date(r.occurred_at as string),
      payload: r.payload,
      attempts: Number(r.attempts),
      manual: r.manual as boolean,
    }));
  }

  /**
   * Records attempts and their outcomes in one transaction (a lane records each round at
   * once): delivered, another attempt at `retryAt`, or failed for good (`retryAt` null after
   * a failure).
   */
  async recordAttempts(
    results: readonly {
      delivery: DueDelivery;
      status: number | null;
      durationMs: number;
      error: string | null;
      ok: boolean;
      retryAt: Date | null;
    }[],
  ): Promise<void> {
    if (results.length === 0) return;
    const rows = JSON.stringify(results.map((r) => ({
      id: r.delivery.id,
      attempt: r.delivery.attempts + 1,
      status: r.status,
      duration_ms: Math.round(r.durationMs),
      error: r.error,
      manual: r.delivery.manual,
      state: r.ok ? "delivered" : r.retryAt ? "pending" : "failed",
      retry_at: r.retryAt?.toISOString() ?? null,
    })));
    await this.sql.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO webhook_attempts (delivery_id, attempt, status, duration_ms, error, manual)
         SELECT r.id::int8, r.attempt, r.status, r.duration_ms, r.error, r.manual
         FROM jsonb_to_recordset($1::jsonb) AS r(id text, attempt integer, status integer,
           duration_ms integer, error text, manual boolean)
         ON CONFLICT DO NOTHING`,
        [rows],
      );
      await tx.query(
        `UPDATE webhook_deliveries d SET attempts = r.attempt, status = r.state,
           last_status = r.status, last_error = r.error, manual = false,
           next_attempt_at = COALESCE(r.retry_at, d.next_attempt_at),
           delivered_at = CASE WHEN r.state = 'delivered' THEN now() ELSE d.delivered_at END
         FROM jsonb_to_recordset($1::jsonb) AS r(id text, attempt integer, status integer,
           error text, state text, retry_at timestamptz)
         WHERE d.id = r.id::int8`,
        [rows],
      );
    });
  }

  /** An endpoint's deliveries, newest first, with their attempts. */
  async deliveries(
    endpointId: string,
    q: { status?: DeliveryStatus; limit: number; before?: bigint },
  ): Promise<(Delivery & { attemptLog: Attempt[] })[]> {
    const rows = await this.sql.query(
      `SELECT d.*, e.type AS event_type FROM webhook_deliveries d
         JOIN webhook_events e ON e.id = d.event_id
       WHERE d.endpoint_id = $1 AND ($2::text IS NULL OR d.status = $2)
         AND ($3::int8 IS NULL OR d.id < $3)
       ORDER BY d.id DESC LIMIT $4`,
      [endpointId, q.status ?? null, q.before ?? null, q.limit],
    );
    const attempts = await this.#attemptsOf(this.sql, rows.map((r) => String(r.id)));
    return rows.map((r) => ({
      ...deliveryOf(r),
      attemptLog: attempts.get(String(r.id)) ?? [],
    }));
  }

  async delivery(id: string): Promise<Delivery | undefined> {
    if (!/^\d{1,18}$/.test(id)) return undefined;
    const [row] = await this.sql.query(
      `SELECT d.*, e.type AS event_type FROM webhook_deliveries d
         JOIN webhook_events e ON e.id = d.event_id WHERE d.id = $1`,
      [id],
    );
    return row ? deliveryOf(row) : undefined;
  }

  /** Queues one more attempt now (same event id), whatever the delivery's state. */
  async redeliver(id: string): Promise<void> {
    await this.sql.query(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), manual = true
       WHERE id = $1`,
      [id],
    );
  }

  async #attemptsOf(sql: SqlExecutor, ids: string[]): Promise<Map<string, Attempt[]>> {
    const out = new Map<string, Attempt[]>();
    if (ids.length === 0) return out;
    const rows = await sql.query(
      `SELECT * FROM webhook_attempts
       WHERE delivery_id IN (SELECT jsonb_array_elements_text($1::jsonb)::int8)
       ORDER BY delivery_id, attempt`,
      [JSON.stringify(ids)],
    );
    for (const r of rows) {
      const key = String(r.delivery_id);
      const list = out.get(key) ?? [];
      list.push({
        attempt: Number(r.attempt),
        at: iso(r.at)!,
        status: r.status === null ? null : Number(r.status),
        durationMs: Number(r.duration_ms),
        error: (r.error as string | null) ?? null,
        manual: r.manual as boolean,
      });
      out.set(key, list);
    }
    return out;
  }

  /** Pending deliveries and the oldest one's age in seconds (the metrics' backlog). */
  async backlog(): Promise<{ pending: number; oldestAgeS: number }> {
    const [row] = await this.sql.query<{ n: bigint; age: number | null }>(
      `SELECT count(*)::int8 AS n,
              EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS age
       FROM webhook_deliveries WHERE status = 'pending'`,
    );
    return { pending: Number(row.n), oldestAgeS: Number(row.age ?? 0) };
  }
}

function deliveryOf(r: Record<string, unknown>): Delivery {
  const status = r.status as DeliveryStatus;
  return {
    id: String(r.id),
    endpointId: r.endpoint_id as string,
    eventId: r.event_id as string,
    eventType: r.event_type as string,
    status,
    attempts: Number(r.attempts),
    nextAttemptAt: status === "pending" ? iso(r.next_attempt_at) : null,
    lastStatus: r.last_status === null ? null : Number(r.last_status),
    lastError: (r.last_error as string | null) ?? null,
    deliveredAt: iso(r.delivered_at),
    createdAt: iso(r.created_at)!,
  };
}

export const isEventType = (s: string): s is WebhookEventType =>
  (WEBHOOK_EVENT_TYPES as readonly string[]).includes(s);
