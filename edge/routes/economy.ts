/**
 * Economy REST under /api: wallet balances, top-ups through the payment provider, ledger
 * history, the gift catalog, leaderboards, streamer earnings, withdrawal requests and the
 * finance team's side of withdrawals (list, pay with a payout reference, reject with a reason).
 * Amounts are decimal strings. Gifts themselves are sent through the room (WebSocket →
 * room actor → group commit), not here.
 */
import { guarded } from "../http_errors.ts";
import { Hono } from "hono";
import { z } from "zod";
import { CatalogGiftInput, listCatalog, upsertCatalogGift } from "../../actors/economy/catalog.ts";
import { earningsOf } from "../../actors/economy/earnings.ts";
import { EconomyError } from "../../actors/economy/errors.ts";
import { leaderboard } from "../../actors/economy/leaderboards.ts";
import { AmountInput } from "../../actors/economy/money.ts";
import type { PaymentProvider } from "../../actors/economy/payment_provider.ts";
import { getBalances, ledgerHistory, topUp } from "../../actors/economy/wallets.ts";
import {
  cancelWithdrawal,
  DEFAULT_WITHDRAWAL_LIMITS,
  listWithdrawals,
  listWithdrawalsByStatus,
  payWithdrawal,
  rejectWithdrawal,
  requestWithdrawal,
  type WithdrawalLimits,
  withdrawalWithEvents,
} from "../../actors/economy/withdrawals.ts";
import type { SqlStore } from "../../engine/sql/sql.ts";
import type { OutboundEventSink } from "../../actors/webhooks/events.ts";
import type { Logger } from "../../engine/log.ts";
import {
  moneyJson,
  parseBody,
  parseWith,
  pathParam,
  requireAdmin,
  requireFinance,
  requireUserIdentity,
} from "../accounts/http.ts";
import type { AccountsIdentityResolver } from "../accounts/identity_resolver.ts";
import { requireRoom } from "../accounts/rooms.ts";

export interface EconomyDeps {
  store: SqlStore;
  resolver: AccountsIdentityResolver;
  payments: PaymentProvider;
  /** Config DEV_TOPUP: when false, the dev provider credits platform admins only. */
  devTopUpForAll: boolean;
  /** Config WITHDRAWAL_MIN_AMOUNT / WITHDRAWAL_MAX_PENDING (defaults: 100 and 3). */
  withdrawals?: WithdrawalLimits;
  /** Integration events (`withdrawal.paid`); set once the webhooks' outbox exists. */
  outbound?: OutboundEventSink;
  log: Logger;
}

const IdempotencyKey = z.string().min(8).max(128);
export const TopUpInput = z.object({ amount: AmountInput, idempotencyKey: IdempotencyKey })
  .strict();
export const WithdrawInput = z.object({ amount: AmountInput, idempotencyKey: IdempotencyKey })
  .strict();
/** Printable text: no control characters (it is shown to people and kept in the audit log). */
const Printable = (max: number) =>
  z.string().trim().min(1).max(max).regex(/^[^\p{Cc}]+$/u, "no control characters");
export const PayInput = z.object({ reference: Printable(128) }).strict();
export const RejectInput = z.object({ reason: Printable(500) }).strict();
const ReviewQuery = z.object({
  status: z.enum(["pending", "cancelled", "paid", "rejected"]).default("pending"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  after: z.string().regex(/^\d{1,19}$/).transform((s) => BigInt(s)).optional(),
  order: z.enum(["asc", "desc"]).default("asc"),
});
const HistoryQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().regex(/^\d{1,19}$/).transform((s) => BigInt(s)).optional(),
});
const LeaderboardQuery = z.object({
  scope: z.enum(["stream", "all"]).default("all"),
  streamId: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export function economyRoutes(deps: EconomyDeps): Hono {
  const app = new Hono();
  const { store, resolver, log } = deps;
  const guard = guarded(log);

  app.get(
    "/gifts/catalog",
    guard(async (c) => c.json(moneyJson({ gifts: await listCatalog(store) }) as object)),
  );
  app.put(
    "/admin/gifts/:id",
    guard(async (c) => {
      requireAdmin(await requireUserIdentity(c, resolver));
      const body = await parseBody(c, z.record(z.string(), z.unknown()));
      const gift = parseWith(CatalogGiftInput, { ...body, id: pathParam(c, "id") });
      await upsertCatalogGift(store, gift);
      return c.json(moneyJson({ gift }) as object);
    }),
  );

  app.get(
    "/wallet",
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      return c.json(moneyJson({ balances: await getBalances(store, who.userId) }) as object);
    }),
  );
  app.post(
    "/wallet/topup",
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      const input = await parseBody(c, TopUpInput);
      if (deps.payments.name === "dev" && !deps.devTopUpForAll && !who.roles.includes("admin")) {
        throw new EconomyError("not_allowed", "instant top-ups are for platform admins here");
      }
      const result = await topUp(store, deps.payments, { userId: who.userId, ...input });
      return c.json(moneyJson(result) as object, result.replayed ? 200 : 201);
    }),
  );
  app.get(
    "/wallet/ledger",
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      const q = parseWith(HistoryQuery, c.req.query());
      const entries = await ledgerHistory(store, who.userId, q);
      const next = entries.length === q.limit ? entries[entries.length - 1].id : null;
      return c.json(moneyJson({ entries, next }) as object);
    }),
  );

  app.get(
    "/rooms/:id/leaderboard",
    guard(async (c) => {
      const room = await requireRoom(store, pathParam(c, "id"));
      const q = parseWith(LeaderboardQuery, c.req.query());
      const streamId = q.scope === "stream" ? (q.streamId ?? room.liveStreamId) : undefined;
      if (q.scope === "stream" && !streamId) {
        throw new EconomyError("invalid_request", "the room is offline: name a streamId");
      }
      const entries = await leaderboard(
        store,
        streamId ? { streamId } : { roomId: room.id },
        q.limit,
      );
      return c.json(moneyJson({ roomId: room.id, scope: q.scope, streamId, entries }) as object);
    }),
  );

  app.get(
    "/earnings",
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      return c.json(moneyJson({ earnings: await earningsOf(store, who.userId) }) as object);
    }),
  );
  app.post(
    "/withdrawals",
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      const input = await parseBody(c, WithdrawInput);
      const w = await requestWithdrawal(
        store,
        { userId: who.userId, ...input },
        deps.withdrawals ?? DEFAULT_WITHDRAWAL_LIMITS,
      );
      return c.json(moneyJson({ withdrawal: w }) as object, w.replayed ? 200 : 201);
    }),
  );
  app.get(
    "/withdrawals",
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      return c.json(moneyJson({ withdrawals: await listWithdrawals(store, who.userId) }) as object);
    }),
  );
  app.post(
    "/withdrawals/:id/cancel",
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      const w = await cancelWithdrawal(store, who.userId, pathParam(c, "id"));
      return c.json(moneyJson({ withdrawal: w }) as object);
    }),
  );

  // --- finance (the `finance` or `admin` role): the withdrawal queue, pay, reject, audit trail
  app.get(
    "/admin/withdrawals",
    guard(async (c) => {
      requireFinance(await requireUserIdentity(c, resolver));
      const q = parseWith(ReviewQuery, c.req.query());
      const page = await listWithdrawalsByStatus(store, q);
      return c.json(moneyJson({ status: q.status, ...page }) as object);
    }),
  );
  app.get(
    "/admin/withdrawals/:id",
    guard(async (c) => {
      requireFinance(await requireUserIdentity(c, resolver));
      return c.json(moneyJson(await withdrawalWithEvents(store, pathParam(c, "id"))) as object);
    }),
  );
  app.post(
    "/admin/withdrawals/:id/pay",
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      requireFinance(who);
      const { reference } = await parseBody(c, PayInput);
      const w = await payWithdrawal(store, {
        withdrawalId: pathParam(c, "id"),
        adminId: who.userId,
        reference,
      });
      if (!w.replayed) {
        log.info("withdrawal paid", { withdrawalId: w.id, by: who.userId, amount: w.amount });
        deps.outbound?.publish({
          type: "withdrawal.paid",
          key: w.id,
          ownerId: w.userId,
          at: Date.now(),
          data: {
            withdrawalId: w.id,
            userId: w.userId,
            amount: w.amount.toString(),
            reference: w.payoutReference,
          },
        });
      }
      return c.json(moneyJson({ withdrawal: w }) as object);
    }),
  );
  app.post(
    "/admin/withdrawals/:id/reject",
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      requireFinance(who);
      const { reason } = await parseBody(c, RejectInput);
      const w = await rejectWithdrawal(store, {
        withdrawalId: pathParam(c, "id"),
        adminId: who.userId,
        reason,
      });
      if (!w.replayed) {
        log.info("withdrawal rejected", { withdrawalId: w.id, by: who.userId, amount: w.amount });
      }
      return c.json(moneyJson({ withdrawal: w }) as object);
    }),
  );
  return app;
}
