/** Declarations of edge/routes/economy.ts: wallets, gifts catalog, earnings, withdrawals. */
import { CatalogGiftInput } from "../../../actors/economy/catalog.ts";
import { AmountInput } from "../../../actors/economy/money.ts";
import { area } from "../area.ts";
import { BEARER, errors, json, jsonBody, Minor, RoomIdParam, z } from "../schemas.ts";

const IdempotencyKey = z.string().min(8).max(128);
const TopUpInput = z.object({ amount: AmountInput, idempotencyKey: IdempotencyKey }).strict();
const WithdrawInput = z.object({ amount: AmountInput, idempotencyKey: IdempotencyKey }).strict();
/** Printable text: no control characters (it is shown to people and kept in the audit log). */
const Printable = (max: number) =>
  z.string().trim().min(1).max(max).regex(/^[^\p{Cc}]+$/u, "no control characters");
const PayInput = z.object({ reference: Printable(128) }).strict();
const RejectInput = z.object({ reason: Printable(500) }).strict();
/** Decimal digits of a bigint id (ledger entries, withdrawals' order). */
const Digits = z.string().regex(/^\d{1,19}$/);

const AUTH = ["token_missing", "token_expired", "token_bad_signature", "session_revoked"];
const MONEY_ERRORS = errors({
  400: ["invalid_request", "invalid_amount", "withdrawal_below_minimum"],
  401: AUTH,
  402: ["payment_failed"],
  403: ["not_allowed", "forbidden", "banned"],
  404: ["unknown_withdrawal", "unknown_room", "unknown_user"],
  409: [
    "idempotency_conflict",
    "insufficient_funds",
    "withdrawal_not_pending",
    "too_many_pending_withdrawals",
    "payout_reference_used",
  ],
  500: ["ledger_error"],
  503: ["ledger_unavailable"],
});

const Gift = z.looseObject({
  id: z.string(),
  name: z.string(),
  price: Minor,
  tier: z.number().int(),
  active: z.boolean(),
}).openapi("Gift");

const Balances = z.record(z.string(), Minor).openapi({
  description: "balance by currency, minor units as decimal strings",
});

const IdParam = z.object({ id: z.string() });
/** A top-up's outcome (actors/economy/wallets.ts `TopUpResult`). */
const TopUp = z.object({
  topupId: z.string(),
  amount: Minor,
  balance: Minor.openapi({ description: "the wallet's balance after it" }),
  replayed: z.boolean().openapi({ description: "true: a retry answered with the first result" }),
}).openapi("TopUp");
/** One row of a room's leaderboard (actors/economy/leaderboards.ts `LeaderboardEntry`). */
const LeaderboardEntry = z.object({
  rank: z.number().int(),
  userId: z.string(),
  name: z.string(),
  amount: Minor,
  gifts: z.number().int(),
});
const TOPUP = { amount: "500", idempotencyKey: "topup-2026-12-04-0001" };

export const economyApi = area("economy", "Wallets, gifts catalog, earnings, withdrawals", "/api", [
  {
    method: "get",
    path: "/gifts/catalog",
    summary: "The gifts one can send (prices in minor units)",
    responses: () => ({
      200: json(z.object({ gifts: z.array(Gift) }), "the catalog", {
        gifts: [{ id: "rose", name: "Rose", price: "1", tier: 1, active: true }],
      }),
      ...MONEY_ERRORS,
    }),
  },
  {
    method: "put",
    path: "/admin/gifts/{id}",
    summary: "Add or change a gift (platform admins)",
    security: BEARER,
    request: {
      params: CatalogGiftInput.pick({ id: true }),
      ...jsonBody(CatalogGiftInput.omit({ id: true }), { name: "Rose", price: "1", tier: 1 }),
    },
    responses: () => ({ 200: json(z.object({ gift: Gift }), "the gift"), ...MONEY_ERRORS }),
  },
  {
    method: "get",
    path: "/wallet",
    summary: "My balances",
    security: BEARER,
    responses: () => ({
      200: json(z.object({ balances: Balances }), "balances", { balances: { coin: "500" } }),
      ...MONEY_ERRORS,
    }),
  },
  {
    method: "post",
    path: "/wallet/topup",
    summary: "Top up through the payment provider (a retry with the same key never pays twice)",
    security: BEARER,
    request: jsonBody(TopUpInput, TOPUP),
    responses: () => ({
      201: json(TopUp, "credited", {
        topupId: "tu_1",
        amount: "500",
        balance: "500",
        replayed: false,
      }),
      200: json(TopUp, "a retry: the first result (`replayed: true`)"),
      ...MONEY_ERRORS,
    }),
  },
  {
    method: "get",
    path: "/wallet/ledger",
    summary: "My ledger entries, newest first",
    security: BEARER,
    request: {
      query: z.object({
        limit: z.coerce.number().int().min(1).max(200).default(50),
        before: Digits.optional(),
      }),
    },
    responses: (replies) => ({
      200: json(
        z.object({ entries: z.array(replies.LedgerLineSchema), next: z.string().nullable() }),
        "a page",
      ),
      ...MONEY_ERRORS,
    }),
  },
  {
    method: "get",
    path: "/rooms/{id}/leaderboard",
    summary: "Top gifters of a room (this stream or all time)",
    request: {
      params: RoomIdParam,
      query: z.object({
        scope: z.enum(["stream", "all"]).default("all"),
        streamId: z.string().min(1).max(64).optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20),
      }),
    },
    responses: () => ({
      200: json(
        z.object({
          roomId: z.string(),
          scope: z.enum(["stream", "all"]),
          streamId: z.string().optional(),
          entries: z.array(LeaderboardEntry),
        }),
        "top gifters, highest first",
      ),
      ...MONEY_ERRORS,
    }),
  },
  {
    method: "get",
    path: "/earnings",
    summary: "My earnings as a streamer",
    security: BEARER,
    responses: (replies) => ({
      200: json(z.object({ earnings: replies.EarningsSchema }), "earnings"),
      ...MONEY_ERRORS,
    }),
  },
  {
    method: "post",
    path: "/withdrawals",
    summary: "Ask for a withdrawal (idempotent by key)",
    security: BEARER,
    request: jsonBody(WithdrawInput, { amount: "100", idempotencyKey: "withdraw-0001" }),
    responses: (replies) => ({
      201: json(z.object({ withdrawal: replies.WithdrawalSchema }), "requested"),
      200: json(z.object({ withdrawal: replies.WithdrawalSchema }), "a retry: the first result"),
      ...MONEY_ERRORS,
    }),
  },
  {
    method: "get",
    path: "/withdrawals",
    summary: "My withdrawals",
    security: BEARER,
    responses: (replies) => ({
      200: json(z.object({ withdrawals: z.array(replies.WithdrawalSchema) }), "withdrawals"),
      ...MONEY_ERRORS,
    }),
  },
  {
    method: "post",
    path: "/withdrawals/{id}/cancel",
    summary: "Cancel my pending withdrawal",
    security: BEARER,
    request: { params: IdParam },
    responses: (replies) => ({
      200: json(z.object({ withdrawal: replies.WithdrawalSchema }), "cancelled"),
      ...MONEY_ERRORS,
    }),
  },
  {
    method: "get",
    path: "/admin/withdrawals",
    summary: "Withdrawals by status (finance)",
    security: BEARER,
    request: {
      query: z.object({
        status: z.enum(["pending", "cancelled", "paid", "rejected"]).default("pending"),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        after: Digits.optional(),
        order: z.enum(["asc", "desc"]).default("asc"),
      }),
    },
    responses: (replies) => ({
      200: json(
        replies.WithdrawalPageSchema.extend({
          status: z.enum(["pending", "cancelled", "paid", "rejected"]),
        }),
        "a page, with the status's count and sum",
      ),
      ...MONEY_ERRORS,
    }),
  },
  {
    method: "get",
    path: "/admin/withdrawals/{id}",
    summary: "One withdrawal with its events (finance)",
    security: BEARER,
    request: { params: IdParam },
    responses: (replies) => ({
      200: json(replies.WithdrawalWithEventsSchema, "the withdrawal and every transition"),
      ...MONEY_ERRORS,
    }),
  },
  {
    method: "post",
    path: "/admin/withdrawals/{id}/pay",
    summary: "Mark paid with the payout's reference (finance)",
    security: BEARER,
    request: { params: IdParam, ...jsonBody(PayInput, { reference: "bank-2026-0042" }) },
    responses: (replies) => ({
      200: json(z.object({ withdrawal: replies.WithdrawalSchema }), "paid"),
      ...MONEY_ERRORS,
    }),
  },
  {
    method: "post",
    path: "/admin/withdrawals/{id}/reject",
    summary: "Reject with a reason; the amount goes back (finance)",
    security: BEARER,
    request: { params: IdParam, ...jsonBody(RejectInput, { reason: "account details wrong" }) },
    responses: (replies) => ({
      200: json(z.object({ withdrawal: replies.WithdrawalSchema }), "rejected"),
      ...MONEY_ERRORS,
    }),
  },
]);
