import assert from "node:assert/strict";
import { SqlGiftLedger } from "../actors/economy/gift_ledger.ts";
import { auditLedger } from "../actors/economy/invariants.ts";
import { earningsAccount, platformAccount } from "../actors/economy/ledger_accounts.ts";
import { getBalances } from "../actors/economy/wallets.ts";
import type { GiftOutcome } from "../actors/room/contract.ts";
import type { GiftRequest } from "../actors/room/ports.ts";
import { toBigInt } from "../engine/sql/sql.ts";
import { setStatus } from "../edge/accounts/users.ts";
import { dbTest } from "./helpers/db.ts";
import { fund, makeStreamerWithRoom, makeUser, newKey } from "./helpers/economy_fixtures.ts";

const BPS = 3000;

function gift(roomId: string, senderId: string, giftId: string, count: number, key = newKey()) {
  return { idempotencyKey: key, roomId, senderId, senderName: "n", giftId, count } as GiftRequest;
}

const codeOf = (o: GiftOutcome) => (o.ok ? "ok" : o.code);

dbTest("a gift debits the sender, credits streamer net and platform commission", async (db) => {
  const ledger = new SqlGiftLedger(db.store, { commissionBps: BPS });
  const { streamerId, roomId } = await makeStreamerWithRoom(db.store);
  const sender = await makeUser(db.store);
  await fund(db.store, sender, 1000n);
  // "star" costs 100: 3 of them = 300, commission 30% = 90, streamer gets 210.
  const [out] = await ledger.commitBatch([gift(roomId, sender, "star", 3)]);
  assert.deepEqual(out, {
    ok: true,
    amount: "300",
    senderBalance: "700",
    giftName: "Shooting Star",
    replayed: false,
  });
  assert.equal((await getBalances(db.store, sender)).wallet, 700n);
  assert.equal((await getBalances(db.store, streamerId)).earnings, 210n);
  const [platform] = await db.store.query<{ balance: unknown }>(
    "SELECT balance FROM accounts WHERE id = $1",
    [platformAccount(roomId)],
  );
  assert.equal(toBigInt(platform.balance), 90n);
  const audit = await auditLedger(db.store);
  assert.equal(
    audit.ok,
    true,
    JSON.stringify(audit, (_k, v) => typeof v === "bigint" ? `${v}` : v),
  );
  assert.equal(audit.topups, 1000n);
});

dbTest("bad gifts get their code and change nothing", async (db) => {
  const ledger = new SqlGiftLedger(db.store, { commissionBps: BPS });
  const { streamerId, roomId } = await makeStreamerWithRoom(db.store);
  const sender = await makeUser(db.store);
  const banned = await makeUser(db.store);
  await fund(db.store, sender, 50n);
  await fund(db.store, banned, 50n);
  await setStatus(db.store, banned, "banned");
  const used = newKey();
  assert.equal(
    codeOf((await ledger.commitBatch([gift(roomId, sender, "rose", 1, used)]))[0]),
    "ok",
  );
  const before = await auditLedger(db.store);

  const cases: [GiftRequest, string][] = [
    [gift(roomId, sender, "rose", 0), "invalid_count"],
    [gift(roomId, sender, "rose", -3), "invalid_count"],
    [gift(roomId, sender, "rose", 1.5), "invalid_count"],
    [gift(roomId, sender, "rose", 10_000), "invalid_count"],
    [gift(roomId, sender, "rose", Number.MAX_SAFE_INTEGER + 2), "invalid_count"],
    [gift(roomId, sender, "rose", Number.NaN), "invalid_count"],
    [{ ...gift(roomId, sender, "rose", 1), count: "1" as unknown as number }, "invalid_count"],
    [gift(roomId, sender, "unicorn", 1), "unknown_gift"],
    [gift("no-such-room", sender, "rose", 1), "unknown_room"],
    [gift(roomId, "nobody", "rose", 1), "unknown_user"],
    [gift(roomId, sender, "rocket", 1), "insufficient_funds"],
    [gift(roomId, sender, "heart", 1, used), "idempotency_conflict"],
    [gift(roomId, streamerId, "rose", 1), "self_gift"],
    [gift(roomId, banned, "rose", 1), "banned"],
    [gift(roomId, sender, "rose", 1, "short"), "invalid_request"],
  ];
  const outcomes = await ledger.commitBatch(cases.map(([g]) => g));
  assert.deepEqual(outcomes.map(codeOf), cases.map(([, code]) => code));
  for (const o of outcomes) if (!o.ok) assert.ok(o.message.length > 0);
  const after = await auditLedger(db.store);
  assert.deepEqual(after, before);
  const [{ n }] = await db.store.query<{ n: unknown }>("SELECT count(*) AS n FROM gifts");
  assert.equal(Number(n), 1);
});

dbTest("a failing gift fails alone; its neighbours in the batch commit", async (db) => {
  const ledger = new SqlGiftLedger(db.store, { commissionBps: BPS });
  const { roomId } = await makeStreamerWithRoom(db.store);
  const rich = await makeUser(db.store);
  const poor = await makeUser(db.store);
  await fund(db.store, rich, 10_000n);
  await fund(db.store, poor, 25n);
  const batch = [
    gift(roomId, rich, "coffee", 2), // 40
    gift(roomId, poor, "coffee", 1), // 20 -> poor has 5 left
    gift(roomId, poor, "heart", 2), // 10 > 5: insufficient
    gift(roomId, rich, "unicorn", 1), // unknown
    gift(roomId, poor, "rose", 5), // 5: exactly the rest
    gift(roomId, rich, "rocket", 1), // 1000
  ];
  const outcomes = await ledger.commitBatch(batch);
  assert.deepEqual(outcomes.map(codeOf), [
    "ok",
    "ok",
    "insufficient_funds",
    "unknown_gift",
    "ok",
    "ok",
  ]);
  assert.equal((await getBalances(db.store, poor)).wallet, 0n);
  assert.equal((await getBalances(db.store, rich)).wallet, 10_000n - 40n - 1000n);
  assert.equal((await auditLedger(db.store)).ok, true);
});

dbTest("a retried key replays the first result and never charges twice", async (db) => {
  const ledger = new SqlGiftLedger(db.store, { commissionBps: BPS });
  const { streamerId, roomId } = await makeStreamerWithRoom(db.store);
  const sender = await makeUser(db.store);
  await fund(db.store, sender, 100n);
  const key = newKey();
  const first = await ledger.commitBatch([gift(roomId, sender, "coffee", 1, key)]);
  // Same key again, alone and twice inside one batch (a client retrying fast).
  const again = await ledger.commitBatch([
    gift(roomId, sender, "coffee", 1, key),
    gift(roomId, sender, "coffee", 1, key),
  ]);
  assert.equal(first[0].ok && first[0].replayed, false);
  for (const o of again) {
    assert.ok(o.ok);
    assert.equal(o.replayed, true);
    assert.equal(o.senderBalance, "80");
  }
  // Duplicates inside one fresh batch: the second is a replay of the first.
  const key2 = newKey();
  const dup = await ledger.commitBatch([
    gift(roomId, sender, "heart", 1, key2),
    gift(roomId, sender, "heart", 1, key2),
    gift(roomId, sender, "heart", 2, key2),
  ]);
  assert.deepEqual(dup.map((o) => (o.ok ? o.replayed : o.code)), [
    false,
    true,
    "idempotency_conflict",
  ]);
  assert.equal((await getBalances(db.store, sender)).wallet, 75n);
  const net = 20n - 20n * 3000n / 10_000n + 5n - 5n * 3000n / 10_000n;
  assert.equal((await getBalances(db.store, streamerId)).earnings, net);
  assert.equal((await auditLedger(db.store)).ok, true);
});

dbTest("the savepoint path decides exactly like the batch path", async (db) => {
  const ledger = new SqlGiftLedger(db.store, { commissionBps: BPS });
  const { roomId } = await makeStreamerWithRoom(db.store);
  const a = await makeUser(db.store);
  await fund(db.store, a, 30n);
  const key = newKey();
  const outcomes = await ledger.commitIsolated([
    gift(roomId, a, "coffee", 1, key),
    gift(roomId, a, "coffee", 1), // 20 > 10 left
    gift(roomId, a, "coffee", 1, key), // replay
    gift(roomId, a, "heart", 2),
    gift(roomId, a, "unicorn", 1),
  ]);
  assert.deepEqual(outcomes.map((o) => (o.ok ? (o.replayed ? "replay" : "ok") : o.code)), [
    "ok",
    "insufficient_funds",
    "replay",
    "ok",
    "unknown_gift",
  ]);
  assert.equal((await getBalances(db.store, a)).wallet, 0n);
  assert.equal((await auditLedger(db.store)).ok, true);
});

dbTest("a commission of 0 or 100% still balances", async (db) => {
  const { streamerId, roomId } = await makeStreamerWithRoom(db.store);
  const a = await makeUser(db.store);
  await fund(db.store, a, 200n);
  await new SqlGiftLedger(db.store, { commissionBps: 0 }).commitBatch([
    gift(roomId, a, "star", 1),
  ]);
  await new SqlGiftLedger(db.store, { commissionBps: 10_000 }).commitBatch([
    gift(roomId, a, "star", 1),
  ]);
  const [e] = await db.store.query<{ balance: unknown }>(
    "SELECT balance FROM accounts WHERE id = $1",
    [earningsAccount(streamerId)],
  );
  assert.equal(toBigInt(e.balance), 100n);
  assert.equal((await auditLedger(db.store)).ok, true);
});
