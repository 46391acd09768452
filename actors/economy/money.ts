/**
 * Money is an integer number of currency units, a `bigint` in code, `bigint` in SQL and a
 * decimal string in JSON. Amounts coming from outside are parsed here.
 */
import { z } from "zod";

/** The largest single top-up or withdrawal (one billion units). */
export const MAX_OPERATION_AMOUNT = 1_000_000_000n;

/**
 * An amount from JSON: a decimal string of digits or a safe integer number. Fractions,
 * signs, exponents and zero are refused.
 */
export const AmountInput = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const text = typeof value === "number" ? String(value) : value.trim();
  if (!/^\d{1,19}$/.test(text) || (typeof value === "number" && !Number.isSafeInteger(value))) {
    ctx.addIssue({ code: "custom", message: "amount must be a positive whole number" });
    return z.NEVER;
  }
  const amount = BigInt(text);
  if (amount <= 0n) {
    ctx.addIssue({ code: "custom", message: "amount must be at least 1" });
    return z.NEVER;
  }
  if (amount > MAX_OPERATION_AMOUNT) {
    ctx.addIssue({ code: "custom", message: `amount must be at most ${MAX_OPERATION_AMOUNT}` });
    return z.NEVER;
  }
  return amount;
});

/** Commission of `amount` at `bps` basis points, rounded down (the streamer keeps the rest). */
export function commissionOf(amount: bigint, bps: number): bigint {
  if (!Number.isInteger(bps) || bps < 0 || bps > 10_000) throw new Error("bps out of range");
  return (amount * BigInt(bps)) / 10_000n;
}

/** JSON for values holding bigints: bigints become decimal strings. */
export function jsonWithBigints(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}
