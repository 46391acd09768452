/** Webhook replay guard shared by every edge: the first INSERT of an event id wins. */
import type { SqlExecutor } from "../../actors/store/sql.ts";
import type { ReplayGuard } from "../livekit/webhooks.ts";

export class SqlReplayGuard implements ReplayGuard {
  constructor(private readonly db: SqlExecutor) {}

  async claim(eventId: string, ttlMs: number): Promise<boolean> {
    // Forget ids older than their lifetime now and then (stale events are refused anyway).
    if (Math.random() < 0.01) {
      await this.db.query("DELETE FROM media_webhook_events WHERE received_at < $1", [
        new Date(Date.now() - ttlMs),
      ]);
    }
    const rows = await this.db.query(
      "INSERT INTO media_webhook_events (event_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING event_id",
      [eventId],
    );
    return rows.length === 1;
  }
}
