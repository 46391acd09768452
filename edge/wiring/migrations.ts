/**
 * Every feature's schema migrations, collected for the runner (engine/sql/migrate.ts). Each
 * feature owns its `migrations/` folder; versions are unique across folders and a database
 * applies them in version order, so a new feature takes the next free number.
 */
import { loadMigrations, type Migration } from "../../engine/sql/migrate.ts";

export const MIGRATION_FOLDERS: readonly URL[] = [
  // 001 users, sessions, identities, follows, rooms, streams · 003 role events · 031 username key
  new URL("../accounts/migrations/", import.meta.url),
  // 002 wallets, ledger, gifts, top-ups, withdrawals · 005 withdrawal payouts
  new URL("../../actors/economy/migrations/", import.meta.url),
  // 010-013 recordings, segments, clips, webhook replay guard, reconciliation
  new URL("../../actors/recording/migrations/", import.meta.url),
  // 014 the danmaku archive · 101 room stats per minute · 171 meeting history
  new URL("../../actors/room/migrations/", import.meta.url),
  // 030 captions, coaching tips, summaries · 151 captions say who spoke · 190 faces
  // and expressions of key frames · 191 liveness flags · 192 voice · 200 stream language · 202 on-screen text
  new URL("../../actors/segment/migrations/", import.meta.url),
  // 150 PK battles' results
  new URL("../../actors/pk/migrations/", import.meta.url),
  // 130 outbound webhooks: endpoints, events, deliveries, attempts
  new URL("../../actors/webhooks/migrations/", import.meta.url),
  // 131 notifications: jobs (a trigger on webhook_events), inbox, sends, preferences, push
  new URL("../../actors/notifications/migrations/", import.meta.url),
];

let loaded: Promise<Migration[]> | undefined;

/** The application's migrations in version order (read once per process). */
export function appMigrations(): Promise<Migration[]> {
  loaded ??= loadMigrations(MIGRATION_FOLDERS);
  return loaded;
}
