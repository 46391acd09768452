/**
 * Where top-up money comes from. A provider charges the buyer outside the database and
 * answers with its own reference; it must treat `idempotencyKey` as its own idempotency key
 * so a retried top-up is charged once there too.
 */
export interface ChargeRequest {
  userId: string;
  amount: bigint;
  idempotencyKey: string;
}

export type ChargeResult =
  | { ok: true; reference: string }
  | { ok: false; code: string; message: string };

export interface PaymentProvider {
  /** Also names the provider's external ledger account (`external:{name}`). */
  readonly name: string;
  charge(req: ChargeRequest): Promise<ChargeResult>;
}

/** Credits at once without charging anyone; for development and tests. */
export class DevPaymentProvider implements PaymentProvider {
  readonly name = "dev";
  charge(req: ChargeRequest): Promise<ChargeResult> {
    return Promise.resolve({ ok: true, reference: `dev:${req.userId}:${req.idempotencyKey}` });
  }
}
