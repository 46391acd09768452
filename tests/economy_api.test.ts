import assert from "node:assert/strict";
import { SqlGiftLedger } from "../actors/economy/gift_ledger.ts";
import { auditLedger } from "../actors/economy/invariants.ts";
import type { GiftRequest } from "../actors/room/ports.ts";
import { errorCode, signUp, startAccountsApp } from "./helpers/accounts_app.ts";
import { dbTest } from "./helpers/db.ts";

type App = Awaited<ReturnType<typeof startAccountsApp>>;

const topUp = (app: App, token: string, amount: unknown, idempotencyKey: string) =>
  app.api("/api/wallet/topup", { method: "POST", token, json: { amount, idempotencyKey } });

dbTest("wallet: top-ups are exactly-once, bad amounts refused, history paged", async (db) => {
  const app = await startAccountsApp(db.store);
  try {
    const u = await signUp(app, "buyer");
    const first = await topUp(app, u.token, "500", "topup-0001");
    assert.equal(first.status, 201);
    assert.deepEqual((await first.json()).balance, "500");
    const retry = await topUp(app, u.token, 500, "topup-0001");
    assert.equal(retry.status, 200);
    const replay = await retry.json();
    assert.equal(replay.replayed, true);
    assert.equal(replay.balance, "500");
    assert.equal(
      await errorCode(await topUp(app, u.token, "501", "topup-0001")),
      "idempotency_conflict",
    );
    for (const amount of [0, -5, 1.5, "1e3", "12abc", "99999999999999999999", 2_000_000_000]) {
      const res = await topUp(app, u.token, amount, `bad-${crypto.randomUUID()}`);
      assert.equal(res.status, 400, String(amount));
      assert.equal(await errorCode(res), "invalid_request");
    }
    await topUp(app, u.token, "7", "topup-0002");
    const wallet = await (await app.api("/api/wallet", { token: u.token })).json();
    assert.deepEqual(wallet.balances, { wallet: "507", earnings: "0", held: "0" });

    const page1 = await (await app.api("/api/wallet/ledger?limit=1", { token: u.token })).json();
    assert.equal(page1.entries.length, 1);
    assert.equal(page1.entries[0].amount, "7");
    const page2 = await (await app.api(`/api/wallet/ledger?limit=5&before=${page1.next}`, {
      token: u.token,
    })).json();
    assert.deepEqual(page2.entries.map((e: { amount: string }) => e.amount), ["500"]);
    assert.equal((await auditLedger(db.store)).ok, true);
  } finally {
    await app.close();
  }
});

dbTest("dev top-ups can be limited to platform admins", async (db) => {
  const app = await startAccountsApp(db.store, { devTopUpForAll: false });
  try {
    const u = await signUp(app, "nobody_special");
    const res = await topUp(app, u.token, "10", "topup-0001");
    assert.equal(res.status, 403);
    assert.equal(await errorCode(res), "not_allowed");
  } finally {
    await app.close();
  }
});

dbTest("catalog, leaderboards per stream and all-time, earnings and withdrawals", async (db) => {
  const app = await startAccountsApp(db.store);
  const ledger = new SqlGiftLedger(db.store, { commissionBps: 2500 });
  try {
    const catalog = await (await app.api("/api/gifts/catalog")).json();
    assert.ok(catalog.gifts.length >= 5);
    assert.deepEqual(catalog.gifts[0], {
      id: "rose",
      name: "Rose",
      price: "1",
      tier: 1,
      active: true,
    });

    const streamer = await signUp(app, "streamer");
    const fan1 = await signUp(app, "fan1");
    const fan2 = await signUp(app, "fan2");
    await app.api("/api/rooms", {
      method: "POST",
      token: streamer.token,
      json: { id: "stage", title: "Stage" },
    });
    await topUp(app, fan1.token, "5000", "fan1-topup-1");
    await topUp(app, fan2.token, "5000", "fan2-topup-1");
    const gift = (senderId: string, giftId: string, count: number): GiftRequest => ({
      idempotencyKey: crypto.randomUUID(),
      roomId: "stage",
      senderId,
      senderName: "x",
      giftId,
      count,
    });

    // Stream 1: fan1 sends more. Then offline, then stream 2: fan2 sends more.
    const s1 = (await (await app.api("/api/rooms/stage/stream/start", {
      method: "POST",
      token: streamer.token,
    })).json()).streamId;
    await ledger.commitBatch([gift(fan1.id, "star", 3), gift(fan2.id, "coffee", 1)]);
    await app.api("/api/rooms/stage/stream/stop", { method: "POST", token: streamer.token });
    await app.api("/api/rooms/stage/stream/start", { method: "POST", token: streamer.token });
    await ledger.commitBatch([gift(fan2.id, "rocket", 1)]);

    const current = await (await app.api("/api/rooms/stage/leaderboard?scope=stream")).json();
    assert.deepEqual(
      current.entries.map((e: { userId: string; amount: string }) => [e.userId, e.amount]),
      [[fan2.id, "1000"]],
    );
    const past = await (await app.api(`/api/rooms/stage/leaderboard?scope=stream&streamId=${s1}`))
      .json();
    assert.deepEqual(
      past.entries.map((e: { userId: string; amount: string }) => [e.userId, e.amount]),
      [
        [fan1.id, "300"],
        [fan2.id, "20"],
      ],
    );
    const all = await (await app.api("/api/rooms/stage/leaderboard")).json();
    assert.deepEqual(all.entries.map((e: { rank: number; amount: string }) => [e.rank, e.amount]), [
      [1, "1020"],
      [2, "300"],
    ]);

    // Earnings: 1320 gross, 25% commission = 330, net 990.
    const earnings =
      (await (await app.api("/api/earnings", { token: streamer.token })).json()).earnings;
    assert.equal(earnings.gross, "1320");
    assert.equal(earnings.commission, "330");
    assert.equal(earnings.net, "990");
    assert.equal(earnings.available, "990");
    assert.equal(earnings.streams.length, 2);

    // Withdrawals: not more than available; held funds are not available again.
    const withdraw = (amount: string, key: string) =>
      app.api("/api/withdrawals", {
        method: "POST",
        token: streamer.token,
        json: { amount, idempotencyKey: key },
      });
    assert.equal(await errorCode(await withdraw("991", "wd-000001")), "insufficient_funds");
    const w1 = await withdraw("600", "wd-000002");
    assert.equal(w1.status, 201);
    const w1Body = (await w1.json()).withdrawal;
    assert.equal((await withdraw("600", "wd-000002")).status, 200); // replay
    assert.equal(await errorCode(await withdraw("400", "wd-000003")), "insufficient_funds");
    const balances =
      (await (await app.api("/api/wallet", { token: streamer.token })).json()).balances;
    assert.deepEqual(balances, { wallet: "0", earnings: "390", held: "600" });
    const cancel = await app.api(`/api/withdrawals/${w1Body.id}/cancel`, {
      method: "POST",
      token: streamer.token,
    });
    assert.equal((await cancel.json()).withdrawal.status, "cancelled");
    // Cancelling again is the same request: the same answer, no second release.
    const again = await app.api(`/api/withdrawals/${w1Body.id}/cancel`, {
      method: "POST",
      token: streamer.token,
    });
    assert.equal(again.status, 200);
    assert.equal((await again.json()).withdrawal.replayed, true);
    assert.equal(
      await errorCode(
        await app.api(`/api/withdrawals/${w1Body.id}/cancel`, {
          method: "POST",
          token: fan1.token,
        }),
      ),
      "unknown_withdrawal",
    );
    const list =
      (await (await app.api("/api/withdrawals", { token: streamer.token })).json()).withdrawals;
    assert.equal(list.length, 1);
    assert.equal((await auditLedger(db.store)).ok, true);
    // A room with gifts keeps its history.
    assert.equal(
      await errorCode(
        await app.api("/api/rooms/stage", { method: "DELETE", token: streamer.token }),
      ),
      "room_has_history",
    );
  } finally {
    await app.close();
  }
});
