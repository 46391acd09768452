/**
 * The notifications' tables (migration 131): fan-out jobs, the inbox, the sends of the
 * outbound channels, preferences, push subscriptions and the VAPID key pair.
 *
 * Jobs come from the platform's event log: a trigger on `webhook_events` (the outbox the
 * room, the recorder and the finance desk already write through the `OutboundEventSink`
 * port) adds a job for each event that notifies, in the same transaction, so nothing is
 * added to the room's path and nothing written is ever lost between the two.
 *
 * A fan-out (`fanOutPage`) writes one keyset page of recipients per statement: their inbox
 * rows and their sends (per preference and reachable channel), and moves the job's cursor
 * past the page, all at once. Every row is unique per (event, user) and per (notification,
 * channel), so a page written twice (a worker that died after writing, before it knew) adds
 * nothing.
 */
import type { LocalLocale } from "../ai/language_tags.ts";
import type { SqlExecutor } from "../../engine/sql/sql.ts";
import {
  defaultPreferences,
  NOTIFY_CHANNELS,
  NOTIFY_KINDS,
  type NotifyChannel,
  type NotifyKind,
  type OutboundChannel,
  type Preferences,
} from "./kinds.ts";

export const NOTIFICATION_ERRORS = {
  unknown_subscription: 404,
  too_many_subscriptions: 409,
} as const;

export class NotificationError extends Error {
  constructor(readonly code: keyof typeof NOTIFICATION_ERRORS, message: string) {
    super(message);
    this.name = "NotificationError";
  }
  get status(): number {
    return NOTIFICATION_ERRORS[this.code];
  }
}

/** Browsers one user may subscribe (each a push subscription). */
export const MAX_PUSH_SUBSCRIPTIONS = 20;

export interface Job {
  eventId: string;
  kind: NotifyKind;
  subjectId: string;
  roomId: string | null;
  payload: Record<string, unknown>;
  occurredAt: Date;
  cursor: string | null;
  createdAt: Date;
}

export interface Notification {
  id: string;
  kind: NotifyKind;
  payload: Record<string, unknown>;
  createdAt: string;
  readAt: string | null;
}

/** A claimed send with what the channel needs to address and word it. */
export interface ClaimedSend {
  notificationId: string;
  eventId: string;
  userId: string;
  kind: NotifyKind;
  payload: Record<string, unknown>;
  email: string | null;
  /** The user's language (null: not known, an account older than languages on file). */
  language: LocalLocale | null;
  attempts: number;
}

export interface SendOutcome {
  notificationId: string;
  /** sent; queued again at `retryAt`; failed for good; skipped (nothing to send to). */
  status: "sent" | "queued" | "failed" | "skipped";
  error?: string;
  retryAt?: Date;
}

export interface PushSubscriptionRow {
  id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

const iso = (v: unknown): string | null =>
  v === null || v === undefined ? null : new Date(v as string).toISOString();

const secs = (ms: number) => ms / 1000;

/** Where a page of recipients comes from: the followers (live) or the event's subject alone. */
function pageSource(kind: NotifyKind): string {
  return kind === "live"
    ? `SELECT f.follower_id AS user_id FROM follows f
       WHERE f.followee_id = $2 AND ($3::text IS NULL OR f.follower_id > $3)
       ORDER BY f.follower_id LIMIT $4`
    : `SELECT $2::text AS user_id WHERE $3::text IS NULL AND $4 > 0`;
}

export class NotificationStore {
  constructor(private readonly sql: SqlExecutor) {}

  /** Takes the oldest pending job nobody holds, for `leaseMs`. */
  async claimJob(worker: string, leaseMs: number): Promise<Job | undefined> {
    const [row] = await this.sql.query(
      `UPDATE notification_jobs j
         SET lease_owner = $1, lease_until = now() + make_interval(secs => $2)
       WHERE j.event_id = (
         SELECT event_id FROM notification_jobs
         WHERE status = 'pending' AND (lease_until IS NULL OR lease_until < now())
         ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING j.*`,
      [worker, secs(leaseMs)],
    );
    if (!row) return undefined;
    return {
      eventId: row.event_id as string,
      kind: row.kind as NotifyKind,
      subjectId: row.subject_id as string,
      roomId: (row.room_id as string | null) ?? null,
      payload: row.payload as Record<string, unknown>,
      occurredAt: new Date(row.occurred_at as string),
      cursor: (row.cursor as string | null) ?? null,
      createdAt: new Date(row.created_at as string),
    };
  }

  /** Whether the subject had another job of this kind within `windowMs` before this one. */
  async recentJob(job: Job, windowMs: number): Promise<boolean> {
    if (windowMs <= 0) return false;
    const rows = await this.sql.query(
      `SELECT 1 FROM notification_jobs
       WHERE subject_id = $1 AND kind = $2 AND event_id <> $3 AND status = 'done'
         AND occurred_at <= $4 AND occurred_at > $4::timestamptz - make_interval(secs => $5)
       LIMIT 1`,
      [job.subjectId, job.kind, job.eventId, job.occurredAt, secs(windowMs)],
    );
    return rows.length > 0;
  }

  /** Ends a job without fanning out (`skipped`), if this worker still holds it. */
  async skipJob(job: Job, worker: string): Promise<void> {
    await this.sql.query(
      `UPDATE notification_jobs SET status = 'skipped', done_at = now(), lease_owner = NULL,
         lease_until = NULL WHERE event_id = $1 AND lease_owner = $2`,
      [job.eventId, worker],
    );
  }

  /** Words for the messages, read once per job: the streamer's name and the room's title. */
  async describe(job: Job): Promise<Record<string, unknown>> {
    const [row] = await this.sql.query<{ display_name: string; username: string; title: string }>(
      `SELECT u.display_name, u.username, r.title FROM users u
       LEFT JOIN rooms r ON r.id = $2 WHERE u.id = $1`,
      [job.subjectId, job.roomId],
    );
    return {
      ...job.payload,
      streamer: row ? { displayName: row.display_name, username: row.username } : null,
      roomTitle: row?.title ?? null,
    };
  }

  /**
   * Writes the next page of up to `pageSize` recipients after the job's cursor (inbox rows
   * and sends, per preference and reachable channel) and moves the cursor, in one statement;
   * the job is done when a page comes back short. `emailOn`: an SMTP server is configured.
   * Nothing is written for a job this worker no longer holds... except rows that are
   * unique anyway.
   */
  async fanOutPage(
    job: Job,
    payload: Record<string, unknown>,
    opts: { worker: string; pageSize: number; leaseMs: number; emailOn: boolean },
  ): Promise<
    { paged: number; written: number; sends: number; cursor: string | null; done: boolean }
  > {
    const [row] = await this.sql.query<
      {
        paged: number;
        written: number;
        sends: number;
        cursor: string | null;
        status: string | null;
      }
    >(
      `WITH page AS (${pageSource(job.kind)}),
       recipients AS (
         SELECT p.user_id,
           COALESCE(pi.enabled, true) AS in_app,
           COALESCE(pp.enabled, true)
             AND EXISTS (SELECT 1 FROM push_subscriptions s WHERE s.user_id = p.user_id) AS push,
           COALESCE(pe.enabled, true) AND $8 AND u.email IS NOT NULL AND u.email_verified
             AS email
         FROM page p JOIN users u ON u.id = p.user_id AND u.status = 'active'
         LEFT JOIN notification_prefs pi
           ON pi.user_id = p.user_id AND pi.kind = $5 AND pi.channel = 'in_app'
         LEFT JOIN notification_prefs pp
           ON pp.user_id = p.user_id AND pp.kind = $5 AND pp.channel = 'push'
         LEFT JOIN notification_prefs pe
           ON pe.user_id = p.user_id AND pe.kind = $5 AND pe.channel = 'email'),
       n AS (
         INSERT INTO notifications (event_id, user_id, kind, payload, in_app)
         SELECT $1, r.user_id, $5, $6::jsonb, r.in_app FROM recipients r
         WHERE r.in_app OR r.push OR r.email
         ON CONFLICT (event_id, user_id) DO NOTHING
         RETURNING id, user_id),
       s AS (
         INSERT INTO notification_sends (notification_id, channel)
         SELECT n.id, c.channel FROM n JOIN recipients r ON r.user_id = n.user_id
           CROSS JOIN (VALUES ('push'), ('email')) AS c (channel)
         WHERE (c.channel = 'push' AND r.push) OR (c.channel = 'email' AND r.email)
         ON CONFLICT DO NOTHING
         RETURNING 1),
       stats AS (SELECT count(*)::int AS paged, max(user_id) AS last FROM page),
       j AS (
         UPDATE notification_jobs SET
           cursor = COALESCE((SELECT last FROM stats), cursor),
           fanned = fanned + (SELECT count(*)::int FROM n),
           status = CASE WHEN (SELECT paged FROM stats) < $4 THEN 'done' ELSE status END,
           done_at = CASE WHEN (SELECT paged FROM stats) < $4 THEN now() ELSE done_at END,
           lease_until = now() + make_interval(secs => $7)
         WHERE event_id = $1 AND lease_owner = $9
         RETURNING status)
       SELECT (SELECT paged FROM stats) AS paged, (SELECT count(*)::int FROM n) AS written,
              (SELECT count(*)::int FROM s) AS sends, (SELECT last FROM stats) AS cursor,
              (SELECT status FROM j) AS status`,
      [
        job.eventId,
        job.subjectId,
        job.cursor,
        opts.pageSize,
        job.kind,
        JSON.stringify(payload),
        secs(opts.leaseMs),
        opts.emailOn,
        opts.worker,
      ],
    );
    const paged = Number(row.paged);
    return {
      paged,
      written: Number(row.written),
      sends: Number(row.sends),
      cursor: row.cursor ?? job.cursor,
      done: row.status === "done" || row.status === null || paged < opts.pageSize,
    };
  }

  async releaseJob(job: Job, worker: string): Promise<void> {
    await this.sql.query(
      `UPDATE notification_jobs SET lease_owner = NULL, lease_until = NULL
       WHERE event_id = $1 AND lease_owner = $2`,
      [job.eventId, worker],
    );
  }

  // --- sends of the outbound channels

  /**
   * Claims up to `limit` due sends of `channel` for `leaseMs` (status `claimed`: nothing sent
   * yet, so an expired claim goes back to the queue).
   */
  async claimSends(
    channel: OutboundChannel,
    worker: string,
    limit: number,
    leaseMs: number,
  ): Promise<ClaimedSend[]> {
    const rows = await this.sql.query(
      `WITH c AS (
         SELECT notification_id FROM notification_sends
         WHERE channel = $1 AND status = 'queued' AND next_attempt_at <= now()
         ORDER BY next_attempt_at, notification_id LIMIT $2 FOR UPDATE SKIP LOCKED)
       UPDATE notification_sends s SET status = 'claimed', lease_owner = $3,
         lease_until = now() + make_interval(secs => $4)
       FROM c, notifications n, users u
       WHERE s.notification_id = c.notification_id AND s.channel = $1
         AND n.id = s.notification_id AND u.id = n.user_id
       RETURNING s.notification_id, s.attempts, n.event_id, n.user_id, n.kind, n.payload,
         CASE WHEN u.email_verified THEN u.email END AS email, u.language`,
      [channel, limit, worker, secs(leaseMs)],
    );
    return rows.map((r) => ({
      notificationId: String(r.notification_id),
      eventId: r.event_id as string,
      userId: r.user_id as string,
      kind: r.kind as NotifyKind,
      payload: r.payload as Record<string, unknown>,
      email: (r.email as string | null) ?? null,
      language: r.language === "zh-CN" || r.language === "en" ? r.language : null,
      attempts: Number(r.attempts),
    }));
  }

  /**
   * Marks claimed sends as being sent, one attempt more (just before they go out): a sender
   * that dies now leaves them `sending`, which `reap` turns `uncertain`, never sent again.
   */
  async markSending(
    channel: OutboundChannel,
    worker: string,
    ids: string[],
    leaseMs: number,
  ): Promise<void> {
    if (ids.length === 0) return;
    await this.sql.query(
      `UPDATE notification_sends SET status = 'sending', attempts = attempts + 1,
         lease_until = now() + make_interval(secs => $4)
       WHERE channel = $1 AND lease_owner = $2 AND status = 'claimed'
         AND notification_id IN (SELECT jsonb_array_elements_text($3::jsonb)::int8)`,
      [channel, worker, JSON.stringify(ids), secs(leaseMs)],
    );
  }

  /** Records a round's outcomes (sent, queued again, failed, skipped) in one statement. */
  async recordSends(
    channel: OutboundChannel,
    worker: string,
    outcomes: readonly SendOutcome[],
  ): Promise<void> {
    if (outcomes.length === 0) return;
    await this.sql.query(
      `UPDATE notification_sends s SET status = r.status, last_error = r.error,
         next_attempt_at = COALESCE(r.retry_at, s.next_attempt_at),
         sent_at = CASE WHEN r.status = 'sent' THEN now() ELSE s.sent_at END,
         lease_owner = NULL, lease_until = NULL
       FROM jsonb_to_recordset($3::jsonb) AS r(id text, status text, error text,
         retry_at timestamptz)
       WHERE s.notification_id = r.id::int8 AND s.channel = $1 AND s.lease_owner = $2`,
      [
        channel,
        worker,
        JSON.stringify(outcomes.map((o) => ({
          id: o.notificationId,
          status: o.status,
          error: o.error?.slice(0, 300) ?? null,
          retry_at: o.retryAt?.toISOString() ?? null,
        }))),
      ],
    );
  }

  /** Gives back claims never started (a closing sender). */
  async unclaim(channel: OutboundChannel, worker: string): Promise<void> {
    await this.sql.query(
      `UPDATE notification_sends SET status = 'queued', lease_owner = NULL, lease_until = NULL
       WHERE channel = $1 AND lease_owner = $2 AND status = 'claimed'`,
      [channel, worker],
    );
  }

  /**
   * Milliseconds until the next send of `channel` falls due by the clock (a retry's time, or
   * a send in flight whose lease lapses and is reaped); null when none is waiting; 0 or less
   * when one is due now.
   */
  async nextSendDueInMs(channel: OutboundChannel): Promise<number | null> {
    const [row] = await this.sql.query<{ ms: number | null }>(
      `SELECT (EXTRACT(EPOCH FROM least(
           (SELECT min(next_attempt_at) FROM notification_sends
             WHERE channel = $1 AND status = 'queued'),
           (SELECT min(lease_until) FROM notification_sends WHERE status = 'sending')
         ) - now()) * 1000)::float8 AS ms`,
      [channel],
    );
    return row?.ms === null || row?.ms === undefined ? null : Number(row.ms);
  }

  /**
   * Expired claims: never started ones go back to the queue; ones a sender died in the middle
   * of become `uncertain` (they may have gone out; sending again could send twice).
   */
  async reap(): Promise<{ requeued: number; uncertain: number }> {
    const [row] = await this.sql.query<{ requeued: number; uncertain: number }>(
      `WITH q AS (
         UPDATE notification_sends SET status = 'queued', lease_owner = NULL, lease_until = NULL
         WHERE status = 'claimed' AND lease_until < now() RETURNING 1),
       u AS (
         UPDATE notification_sends SET status = 'uncertain', lease_owner = NULL,
           lease_until = NULL, last_error = 'the sender stopped while sending'
         WHERE status = 'sending' AND lease_until < now() RETURNING 1)
       SELECT (SELECT count(*)::int FROM q) AS requeued, (SELECT count(*)::int FROM u) AS uncertain`,
    );
    return { requeued: Number(row.requeued), uncertain: Number(row.uncertain) };
  }

  /** Sends of one event by status (tests, operators). */
  async sendCounts(eventId: string): Promise<Record<string, number>> {
    const rows = await this.sql.query<{ k: string; n: number }>(
      `SELECT s.channel || ':' || s.status AS k, count(*)::int AS n
       FROM notification_sends s JOIN notifications n ON n.id = s.notification_id
       WHERE n.event_id = $1 GROUP BY 1`,
      [eventId],
    );
    return Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]));
  }

  // --- the inbox

  async inbox(
    userId: string,
    q: { limit: number; before?: bigint },
  ): Promise<{ notifications: Notification[]; unread: number }> {
    const rows = await this.sql.query(
      `SELECT id, kind, payload, created_at, read_at FROM notifications
       WHERE user_id = $1 AND in_app AND ($2::int8 IS NULL OR id < $2)
       ORDER BY id DESC LIMIT $3`,
      [userId, q.before ?? null, q.limit],
    );
    return {
      notifications: rows.map((r) => ({
        id: String(r.id),
        kind: r.kind as NotifyKind,
        payload: r.payload as Record<string, unknown>,
        createdAt: iso(r.created_at)!,
        readAt: iso(r.read_at),
      })),
      unread: await this.unread(userId),
    };
  }

  async unread(userId: string): Promise<number> {
    const [row] = await this.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM notifications
       WHERE user_id = $1 AND in_app AND read_at IS NULL`,
      [userId],
    );
    return Number(row.n);
  }

  /** Marks some (or all, `ids` undefined) of the user's notifications read. */
  async markRead(userId: string, ids?: readonly string[]): Promise<number> {
    await this.sql.query(
      `UPDATE notifications SET read_at = now()
       WHERE user_id = $1 AND read_at IS NULL
         AND ($2::jsonb IS NULL OR id IN (SELECT jsonb_array_elements_text($2::jsonb)::int8))`,
      [userId, ids ? JSON.stringify(ids) : null],
    );
    return await this.unread(userId);
  }

  // --- preferences

  async preferences(userId: string): Promise<Preferences> {
    const prefs = defaultPreferences();
    const rows = await this.sql.query<{ kind: string; channel: string; enabled: boolean }>(
      "SELECT kind, channel, enabled FROM notification_prefs WHERE user_id = $1",
      [userId],
    );
    for (const r of rows) {
      if (r.kind in prefs && (NOTIFY_CHANNELS as readonly string[]).includes(r.channel)) {
        prefs[r.kind as NotifyKind][r.channel as NotifyChannel] = r.enabled;
      }
    }
    return prefs;
  }

  /** Sets some (kind, channel) switches; the others keep their values. */
  async setPreferences(
    userId: string,
    changes: readonly { kind: NotifyKind; channel: NotifyChannel; enabled: boolean }[],
  ): Promise<Preferences> {
    const valid = changes.filter((c) =>
      NOTIFY_KINDS.includes(c.kind) && NOTIFY_CHANNELS.includes(c.channel)
    );
    if (valid.length > 0) {
      await this.sql.query(
        `INSERT INTO notification_prefs (user_id, kind, channel, enabled)
         SELECT $1, c.kind, c.channel, c.enabled
         FROM jsonb_to_recordset($2::jsonb) AS c(kind text, channel text, enabled boolean)
         ON CONFLICT (user_id, kind, channel)
           DO UPDATE SET enabled = EXCLUDED.enabled, updated_at = now()`,
        [userId, JSON.stringify(valid)],
      );
    }
    return await this.preferences(userId);
  }

  // --- push subscriptions

  /** Adds (or moves to this user) a browser's subscription; its id. */
  async subscribe(
    userId: string,
    sub: { endpoint: string; p256dh: string; auth: string },
  ): Promise<string> {
    const [{ n }] = await this.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM push_subscriptions
       WHERE user_id = $1 AND endpoint <> $2`,
      [userId, sub.endpoint],
    );
    if (Number(n) >= MAX_PUSH_SUBSCRIPTIONS) {
      throw new NotificationError(
        "too_many_subscriptions",
        `at most ${MAX_PUSH_SUBSCRIPTIONS} browsers per account`,
      );
    }
    const [row] = await this.sql.query<{ id: string }>(
      `INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (endpoint) DO UPDATE SET user_id = EXCLUDED.user_id,
         p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth
       RETURNING id`,
      [
        `ps_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`,
        userId,
        sub.endpoint,
        sub.p256dh,
        sub.auth,
      ],
    );
    return row.id;
  }

  async unsubscribe(userId: string, endpoint: string): Promise<void> {
    const rows = await this.sql.query(
      "DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2 RETURNING 1",
      [userId, endpoint],
    );
    if (rows.length === 0) {
      throw new NotificationError("unknown_subscription", "no such push subscription");
    }
  }

  async subscriptions(userId: string): Promise<PushSubscriptionRow[]> {
    return await this.sql.query<PushSubscriptionRow>(
      `SELECT id, endpoint, p256dh, auth FROM push_subscriptions WHERE user_id = $1
       ORDER BY created_at`,
      [userId],
    );
  }

  /** A push service said the subscription is gone (404/410). */
  async dropSubscription(id: string): Promise<void> {
    await this.sql.query("DELETE FROM push_subscriptions WHERE id = $1", [id]);
  }

  async subscriptionWorked(id: string): Promise<void> {
    await this.sql.query("UPDATE push_subscriptions SET last_ok_at = now() WHERE id = $1", [id]);
  }

  // --- the VAPID key pair

  /** The stored pair, or `make()`'s stored first (the first process to start wins). */
  async vapidKeys(
    make: () => Promise<{ publicKey: string; privateKey: string }>,
  ): Promise<{ publicKey: string; privateKey: string }> {
    const read = async () =>
      (await this.sql.query<{ public_key: string; private_key: string }>(
        "SELECT public_key, private_key FROM vapid_keys WHERE id = 1",
      ))[0];
    let row = await read();
    if (!row) {
      const k = await make();
      await this.sql.query(
        `INSERT INTO vapid_keys (id, public_key, private_key) VALUES (1, $1, $2)
         ON CONFLICT (id) DO NOTHING`,
        [k.publicKey, k.privateKey],
      );
      row = await read();
    }
    return { publicKey: row.public_key, privateKey: row.private_key };
  }
}
