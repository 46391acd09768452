/**
 * Economy REST under /api: wallet balances, top-ups through the payment provider, ledger
 * history, the gift catalog, leaderboards, streamer earnings, withdrawal requests and the
 * finance team's side of withdrawals (list, pay with a payout reference, reject with a reason).
 * Amounts are decimal strings. Gifts themselves are sent through the room (WebSocket ->
 * room actor -> group commit), not here.
 */
import { guarded } from "../http_errors.ts";
import { Hono } from "hono";
import { listCatalog, upsertCatalogGift } from "../../actors/economy/catalog.ts";
import { earningsOf } from "../../actors/economy/earnings.ts";
import { EconomyError } from "../../actors/economy/errors.ts";
import { leaderboard } from "../../actors/economy/leaderboards.ts";
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
import { moneyJson, requireAdmin, requireFinance, requireUserIdentity } from "../accounts/http.ts";
import type { AccountsIdentityResolver } from "../accounts/identity_resolver.ts";
import { requireRoom } from "../accounts/rooms.ts";
import { declared } from "../openapi/area.ts";
import { economyApi } from "../openapi/lazy_areas.ts";
import { mount } from "../openapi/router.ts";

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

/** A bigint from the decimal digits a declaration's query checked (`before`, `after`). */
const bigintOrUndefined = (digits: string | undefined) =>
  digits === undefined ? undefined : BigInt(digits);

export function economyRoutes(deps: EconomyDeps): Hono {
  const app = new Hono();
  const { store, resolver, log } = deps;
  const guard = guarded(log);

  mount(
    app,
    declared(economyApi, "get", "/gifts/catalog"),
    guard(async (c) => c.json(moneyJson({ gifts: await listCatalog(store) }) as object)),
  );
  mount(
    app,
    declared(economyApi, "put", "/admin/gifts/{id}"),
    guard(async (c, input) => {
      requireAdmin(await requireUserIdentity(c, resolver));
      const gift = { ...(await input.json()), id: input.param().id };
      await upsertCatalogGift(store, gift);
      return c.json(moneyJson({ gift }) as object);
    }),
  );

  mount(
    app,
    declared(economyApi, "get", "/wallet"),
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      return c.json(moneyJson({ balances: await getBalances(store, who.userId) }) as object);
    }),
  );
  mount(
    app,
    declared(economyApi, "post", "/wallet/topup"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      const body = await input.json();
      if (deps.payments.name === "dev" && !deps.devTopUpForAll && !who.roles.includes("admin")) {
        throw new EconomyError("not_allowed", "instant top-ups are for platform admins here");
      }
      const result = await topUp(store, deps.payments, { userId: who.userId, ...body });
      return c.json(moneyJson(result) as object, result.replayed ? 200 : 201);
    }),
  );
  mount(
    app,
    declared(economyApi, "get", "/wallet/ledger"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      const q = input.query();
      const entries = await ledgerHistory(store, who.userId, {
        limit: q.limit,
        before: bigintOrUndefined(q.before),
      });
      const next = entries.length === q.limit ? entries[entries.length - 1].id : null;
      return c.json(moneyJson({ entries, next }) as object);
    }),
  );

  mount(
    app,
    declared(economyApi, "get", "/rooms/{id}/leaderboard"),
    guard(async (c, input) => {
      const room = await requireRoom(store, input.param().id);
      const q = input.query();
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

  mount(
    app,
    declared(economyApi, "get", "/earnings"),
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      return c.json(moneyJson({ earnings: await earningsOf(store, who.userId) }) as object);
    }),
  );
  mount(
    app,
    declared(economyApi, "post", "/withdrawals"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      const body = await input.json();
      const w = await requestWithdrawal(
        store,
        { userId: who.userId, ...body },
        deps.withdrawals ?? DEFAULT_WITHDRAWAL_LIMITS,
      );
      return c.json(moneyJson({ withdrawal: w }) as object, w.replayed ? 200 : 201);
    }),
  );
  mount(
    app,
    declared(economyApi, "get", "/withdrawals"),
    guard(async (c) => {
      const who = await requireUserIdentity(c, resolver);
      return c.json(moneyJson({ withdrawals: await listWithdrawals(store, who.userId) }) as object);
    }),
  );
  mount(
    app,
    declared(economyApi, "post", "/withdrawals/{id}/cancel"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      const w = await cancelWithdrawal(store, who.userId, input.param().id);
      return c.json(moneyJson({ withdrawal: w }) as object);
    }),
  );

  // --- finance (the `finance` or `admin` role): the withdrawal queue, pay, reject, audit trail
  mount(
    app,
    declared(economyApi, "get", "/admin/withdrawals"),
    guard(async (c, input) => {
      requireFinance(await requireUserIdentity(c, resolver));
      const q = input.query();
      const page = await listWithdrawalsByStatus(store, {
        ...q,
        after: bigintOrUndefined(q.after),
      });
      return c.json(moneyJson({ status: q.status, ...page }) as object);
    }),
  );
  mount(
    app,
    declared(economyApi, "get", "/admin/withdrawals/{id}"),
    guard(async (c, input) => {
      requireFinance(await requireUserIdentity(c, resolver));
      return c.json(moneyJson(await withdrawalWithEvents(store, input.param().id)) as object);
    }),
  );
  mount(
    app,
    declared(economyApi, "post", "/admin/withdrawals/{id}/pay"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      requireFinance(who);
      const { reference } = await input.json();
      const w = await payWithdrawal(store, {
        withdrawalId: input.param().id,
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
  mount(
    app,
    declared(economyApi, "post", "/admin/withdrawals/{id}/reject"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, resolver);
      requireFinance(who);
      const { reason } = await input.json();
      const w = await rejectWithdrawal(store, {
        withdrawalId: input.param().id,
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
