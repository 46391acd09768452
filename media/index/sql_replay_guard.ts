/**
 * Webhook replay guard shared by every edge (`media_webhook_events`). A row is either
 * `delivering` (claimed by one request: `claim_token`, until `claim_until`) or `done`
 * (delivered; later deliveries are replays). Each step is one statement, so two edges
 * racing for the same event id cannot both claim it:
 * - claim: insert the row, or take over a `delivering` row whose lease ran out (its edge
 *   died mid-delivery);
 * - complete: `delivering` → `done`, only by the claim's holder;
 * - release: delete the claim, only by its holder (LiveKit's retry can then claim again).
 * Lease times use the database's clock, so edges' clocks do not matter.
 */
import type { SqlExecutor } from "../../engine/sql/sql.ts";
import type { ClaimResult, ReplayGuard } from "../livekit/webhooks.ts";

export class SqlReplayGuard implements ReplayGuard {
  constructor(private readonly db: SqlExecutor) {}

  async claim(eventId: string, leaseMs: number): Promise<ClaimResult> {
    const token = crypto.randomUUID();
    const rows = await this.db.query(
      `INSERT INTO media_webhook_events (event_id, state, claim_token, claim_until)
         VALUES ($1, 'delivering', $2, now() + $3::float8 * interval '1 millisecond')
       ON CONFLICT (event_id) DO UPDATE
         SET claim_token = EXCLUDED.claim_token, claim_until = EXCLUDED.claim_until,
             received_at = now()
         WHERE media_webhook_events.state = 'delivering'
           AND media_webhook_events.claim_until < now()
       RETURNING event_id`,
      [eventId, token, leaseMs],
    );
    if (rows.length === 1) return { state: "claimed", token };
    const held = await this.db.query<{ state: string }>(
      "SELECT state FROM media_webhook_events WHERE event_id = $1",
      [eventId],
    );
    // No row any more: its holder released it just now; the caller's retry may claim it.
    return held[0]?.state === "done" ? { state: "done" } : { state: "in_flight" };
  }

  async complete(eventId: string, token: string, ttlMs: number): Promise<void> {
    await this.db.query(
      `UPDATE media_webhook_events
         SET state = 'done', claim_token = NULL, claim_until = NULL, received_at = now()
       WHERE event_id = $1 AND claim_token = $2`,
      [eventId, token],
    );
    // Forget ids older than their lifetime now and then (stale events are refused anyway),
    // with abandoned claims (an edge died and LiveKit gave up).
    if (Math.random() < 0.01) {
      await this.db.query(
        `DELETE FROM media_webhook_events
         WHERE received_at < now() - $1::float8 * interval '1 millisecond'
           AND (state = 'done' OR claim_until < now())`,
        [ttlMs],
      );
    }
  }

  async release(eventId: string, token: string): Promise<void> {
    await this.db.query(
      "DELETE FROM media_webhook_events WHERE event_id = $1 AND claim_token = $2",
      [eventId, token],
    );
  }
}
