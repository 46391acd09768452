/**
 * Parsing of a gift request as the ledger receives it. Each problem maps to a stable code:
 * bad counts (zero, negative, fractional, huge) are `invalid_count`, anything else malformed
 * is `invalid_request`.
 */
import { z } from "zod";
import type { GiftRequest } from "../room/messages.ts";
import type { EconomyErrorCode } from "./errors.ts";

export const MAX_GIFT_COUNT = 9999;

const GiftRequestSchema = z.object({
  idempotencyKey: z.string().min(8).max(128),
  roomId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  senderId: z.string().min(1).max(64),
  senderName: z.string().max(64),
  giftId: z.string().min(1).max(64),
  count: z.unknown(),
});

export type ParsedGift = GiftRequest;

export type GiftParse =
  | { ok: true; gift: ParsedGift }
  | { ok: false; code: EconomyErrorCode; message: string };

export function parseGiftRequest(input: unknown): GiftParse {
  const base = GiftRequestSchema.safeParse(input);
  if (!base.success) {
    const issue = base.error.issues[0];
    return {
      ok: false,
      code: "invalid_request",
      message: `${issue.path.join(".") || "request"}: ${issue.message}`,
    };
  }
  const count = base.data.count;
  if (typeof count !== "number" || !Number.isFinite(count)) {
    return { ok: false, code: "invalid_count", message: "count must be a number" };
  }
  if (!Number.isInteger(count)) {
    return { ok: false, code: "invalid_count", message: "count must be a whole number" };
  }
  if (count < 1) return { ok: false, code: "invalid_count", message: "count must be at least 1" };
  if (count > MAX_GIFT_COUNT) {
    return { ok: false, code: "invalid_count", message: `count must be at most ${MAX_GIFT_COUNT}` };
  }
  return { ok: true, gift: { ...base.data, count } };
}
