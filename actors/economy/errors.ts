/**
 * Stable error codes of the economy. Each failure names one; the HTTP layer maps it to a
 * status. A failed operation has changed nothing.
 */
export const ECONOMY_ERRORS = {
  invalid_request: 400,
  invalid_count: 400,
  invalid_amount: 400,
  unknown_gift: 404,
  unknown_room: 404,
  unknown_user: 404,
  unknown_withdrawal: 404,
  insufficient_funds: 409,
  idempotency_conflict: 409,
  self_gift: 403,
  banned: 403,
  not_allowed: 403,
  payment_failed: 402,
  withdrawal_not_pending: 409,
  withdrawal_below_minimum: 400,
  too_many_pending_withdrawals: 409,
  payout_reference_used: 409,
  ledger_error: 500,
  ledger_unavailable: 503,
} as const;

export type EconomyErrorCode = keyof typeof ECONOMY_ERRORS;

export class EconomyError extends Error {
  constructor(readonly code: EconomyErrorCode, message: string) {
    super(message);
    this.name = "EconomyError";
  }
  get status(): number {
    return ECONOMY_ERRORS[this.code];
  }
}
