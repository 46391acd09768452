/**
 * One gift that fails inside the batch's transaction fails alone, on both backends (issue 10,
 * defect 1). On Postgres, postgres.js fails a whole `sql.begin` transaction once a statement in
 * it errors, even when the error is caught, unless the statement ran inside postgres.js's own
 * savepoint scope: these tests make one gift fail in the database itself (a constraint the
 * test adds, so the failure happens after validation, at the INSERT) and check that its
 * neighbours commit and the books still balance. Also: NUL in a gift never reaches the
 * transaction, and the commission is taken per gift, rounded down.
 */
import assert from "node:assert/strict";
import { SqlGiftLedger } from "../actors/economy/gift_ledger.ts";
import { auditLedger } from "../actors/economy/invariants.ts";
import { platformAccount } from "../actors/economy/ledger_accounts.ts";
import { getBalances } from "../actors/economy/wallets.ts";
import type { GiftOutcome } from "../actors/room/contract.ts";
import type { GiftRequest } from "../actors/room/ports.ts";
import { toBigInt } from "../engine/sql/sql.ts";
import { dbTest } from "./helpers/db.ts";
import { fund, makeStreamerWithRoom, makeUser, newKey } from "./helpers/economy_fixtures.ts";

const BPS = 3000;

const gift = (roomId: string, senderId: string, giftId: string, count: number, key = newKey()) =>
  ({ idempotencyKey: key, roomId, senderId, senderName: "n", giftId, count }) as GiftRequest;
const codeOf = (o: GiftOutcome) => (o.ok ? "ok" : o.code);

async function assertBalanced(store: Parameters<typeof auditLedger>[0]) {
  const audit = await auditLedger(store);
  assert.equal(
    audit.ok,
    true,
    JSON.stringify(audit, (_k, v) => typeof v === "bigint" ? `${v}` : v),
  );
}

dbTest("a gift failing inside the transaction fails alone; its neighbours commit", async (db) => {
  // Refused by the database at the INSERT, after every check of the ledger passed.
  await db.store.query(
    "ALTER TABLE gifts ADD CONSTRAINT test_poison CHECK (idempotency_key NOT LIKE 'poison-%')",
  );
  const ledger = new SqlGiftLedger(db.store, { commissionBps: BPS });
  const { roomId } = await makeStreamerWithRoom(db.store);
  const senders = [await makeUser(db.store), await makeUser(db.store), await makeUser(db.store)];
  for (const s of senders) await fund(db.store, s, 100n);

  const outcomes = await ledger.commitBatch([
    gift(roomId, senders[0], "rose", 2),
    gift(roomId, senders[1], "rose", 3, `poison-${crypto.randomUUID()}`),
    gift(roomId, senders[2], "rose", 4),
    gift(roomId, senders[0], "rose", 1),
  ]);
  assert.deepEqual(
    outcomes.map(codeOf),
    ["ok", "ledger_error", "ok", "ok"],
    JSON.stringify(outcomes),
  );
  assert.equal((await getBalances(db.store, senders[0])).wallet, 97n);
  assert.equal(
    (await getBalances(db.store, senders[1])).wallet,
    100n,
    "the failed gift charged nothing",
  );
  assert.equal((await getBalances(db.store, senders[2])).wallet, 96n);
  await assertBalanced(db.store);
});

dbTest("NUL in giftId or idempotencyKey is invalid_request and harms no neighbour", async (db) => {
  const ledger = new SqlGiftLedger(db.store, { commissionBps: BPS });
  const { roomId } = await makeStreamerWithRoom(db.store);
  const sender = await makeUser(db.store);
  await fund(db.store, sender, 100n);
  const outcomes = await ledger.commitBatch([
    gift(roomId, sender, "rose", 1),
    gift(roomId, sender, "rose\u0000", 1),
    gift(roomId, sender, "rose", 1, `nul-\u0000-${crypto.randomUUID()}`),
    gift(roomId, sender, "rose", 1, `lone-\uD800-${crypto.randomUUID()}`),
    gift(roomId, sender, "rose", 1),
  ]);
  assert.deepEqual(
    outcomes.map(codeOf),
    ["ok", "invalid_request", "invalid_request", "invalid_request", "ok"],
    JSON.stringify(outcomes),
  );
  assert.equal((await getBalances(db.store, sender)).wallet, 98n);
  await assertBalanced(db.store);
});

dbTest("the commission is taken per gift and rounded down", async (db) => {
  const ledger = new SqlGiftLedger(db.store, { commissionBps: BPS });
  const { streamerId, roomId } = await makeStreamerWithRoom(db.store);
  const sender = await makeUser(db.store);
  await fund(db.store, sender, 100n);
  // Two gifts of 2 roses in one batch: 30 % of 2 is 0.6 → 0 each (not 30 % of 4 → 1).
  const [a, b] = await ledger.commitBatch([
    gift(roomId, sender, "rose", 2),
    gift(roomId, sender, "rose", 2),
  ]);
  assert.ok(a.ok && b.ok);
  const fee = async () =>
    toBigInt(
      (await db.store.query<{ balance: unknown }>("SELECT balance FROM accounts WHERE id = $1", [
        platformAccount(roomId),
      ]))[0]?.balance,
    );
  assert.equal(await fee(), 0n);
  assert.equal((await getBalances(db.store, streamerId)).earnings, 4n);
  // 4 roses in one gift: 1.2 → 1.
  assert.ok((await ledger.commitBatch([gift(roomId, sender, "rose", 4)]))[0].ok);
  assert.equal(await fee(), 1n);
  assert.equal((await getBalances(db.store, streamerId)).earnings, 7n);
  await assertBalanced(db.store);
});
