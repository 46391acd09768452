/**
 * The ports a room needs from the rest of the system, declared here beside the contract and
 * implemented elsewhere: the gift ledger (`actors/economy/gift_ledger.ts`), the recording
 * (the media wiring), the settings (the accounts database) and the danmaku archive
 * (`danmaku_archive.ts`). Tests and the embedded mode hand the room the real things.
 */
import type { GiftOutcome, RoomEvent, RoomSettings } from "./contract.ts";

/** One gift as the room hands it to the ledger. */
export interface GiftRequest {
  idempotencyKey: string;
  roomId: string;
  senderId: string;
  senderName: string;
  giftId: string;
  count: number;
}

/**
 * Commits a tick's gifts in one transaction; one gift's failure fails only that gift. The
 * room calls it beside its mailbox (never inside a turn) and applies the outcome as a message.
 */
export interface GiftLedger {
  commitBatch(gifts: GiftRequest[]): Promise<GiftOutcome[]>;
}

/** Where a room reads its settings on activation; `null`: an unregistered (ad-hoc) room. */
export interface RoomSettingsSource {
  load(roomId: string): Promise<RoomSettings | null>;
}

/** Starts and stops a room's recording (implemented by the media wiring). */
export interface RoomRecordingPort {
  start(roomId: string, info: { streamId: string; streamerId?: string }): Promise<{
    recordingId: string;
  }>;
  /** Stops the room's recording (`recordingId` when known). Idempotent. */
  stop(roomId: string, recordingId: string | null): Promise<void>;
}

/** A non-blocking hand-over of a published batch's events (and the room's viewer count then)
 * to what archives them: the danmaku archive, the stats minutes, the webhooks' outbox. */
export interface DanmakuArchivePort {
  record(roomId: string, events: readonly RoomEvent[], viewers?: number): void;
}
