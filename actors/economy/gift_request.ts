/**
 * Parsing of a gift request as the ledger receives it. Each problem maps to a stable code:
 * bad counts (zero, negative, fractional, huge) are `invalid_count`, anything else malformed
 * is `invalid_request` - strings with NUL, unpaired surrogates or non-characters included, so
 * nothing the database would refuse ever reaches the batch's transaction.
 */
import { z } from "zod";
import { IDEMPOTENCY_KEY, MAX_GIFT_COUNT } from "../room/contract.ts";
import type { GiftRequest } from "../room/ports.ts";
import { policyString } from "../../engine/text/schema.ts";
import type { EconomyErrorCode } from "./errors.ts";

const GiftRequestSchema = z.object({
  idempotencyKey: policyString().min(IDEMPOTENCY_KEY.min).max(IDEMPOTENCY_KEY.max),
  roomId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  senderId: policyString().min(1).max(64),
  senderName: policyString().max(64),
  giftId: policyString().min(1).max(64),
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
