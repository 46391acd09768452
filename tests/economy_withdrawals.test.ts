/**
 * Withdrawals from request to payout, on Postgres and PGlite: the finance endpoints (list by
 * status with paging, pay with a reference, reject with a reason, the audit trail), the
 * streamer's cancel, every refusal code with the books asserted unchanged, races (pay vs
 * reject, pay vs cancel, one request sent many times, one reference for two withdrawals) and
 * conservation after a random mix: wallets + earnings + held + platform + paid out == top-ups.
 */
import assert from "node:assert/strict";
import { SqlGiftLedger } from "../actors/economy/gift_ledger.ts";
import { auditLedger } from "../actors/economy/invariants.ts";
import { getBalances } from "../actors/economy/wallets.ts";
import {
  cancelWithdrawal,
  PAYOUT_ACCOUNT,
  payWithdrawal,
  rejectWithdrawal,
  requestWithdrawal,
  type Withdrawal,
} from "../actors/economy/withdrawals.ts";
import type { SqlStore } from "../engine/sql/sql.ts";
import { toBigInt } from "../engine/sql/sql.ts";
import { openPostgresStore } from "../engine/sql/postgres_store.ts";
import { migrate } from "../engine/sql/migrate.ts";
import { appMigrations } from "../edge/wiring/migrations.ts";
import { wrapPglite } from "../engine/sql/pglite_store.ts";
import { setRoles } from "../edge/accounts/users.ts";
import { signUp, startAccountsApp } from "./helpers/accounts_app.ts";
import { createScratchDatabase, dbTest, sharedPgliteInstance, type TestDb } from "./helpers/db.ts";
import { fund, makeStreamerWithRoom, makeUser, newKey } from "./helpers/economy_fixtures.ts";
import { seededRandom } from "./helpers/rng.ts";

/** Gift `amount` (in roses; no commission) from a funded fan to the streamer's room. */
async function earn(
  store: SqlStore,
  roomId: string,
  amount: number,
  newUser: (store: SqlStore, prefix: string) => Promise<string> = makeUser,
): Promise<void> {
  const fan = await newUser(store, "fan");
  await fund(store, fan, BigInt(amount));
  const ledger = new SqlGiftLedger(store, { commissionBps: 0 });
  const [outcome] = await ledger.commitBatch([{
    idempotencyKey: newKey(),
    roomId,
    senderId: fan,
    senderName: "fan",
    giftId: "rose",
    count: amount,
  }]);
  assert.equal(outcome.ok, true, JSON.stringify(outcome));
}

/** Everything a refused request must leave untouched. */
async function books(store: SqlStore) {
  const [counts] = await store.query<{ entries: unknown; events: unknown; w: unknown }>(
    `SELECT (SELECT count(*) FROM ledger_entries) AS entries,
            (SELECT count(*) FROM withdrawal_events) AS events,
            (SELECT string_agg(id || ':' || status || ':' || coalesce(payout_reference, '') ||
                               ':' || coalesce(reason, ''), ',' ORDER BY id)
               FROM withdrawals) AS w`,
  );
  const accounts = await store.query<{ id: string; balance: unknown }>(
    "SELECT id, balance FROM accounts WHERE balance <> 0 ORDER BY id",
  );
  return JSON.stringify({
    entries: String(counts.entries),
    events: String(counts.events),
    withdrawals: counts.w,
    accounts: accounts.map((a) => `${a.id}=${a.balance}`),
  });
}

async function payoutBalance(store: SqlStore): Promise<bigint> {
  const [row] = await store.query<{ balance: unknown }>(
    "SELECT balance FROM accounts WHERE id = $1",
    [PAYOUT_ACCOUNT],
  );
  return toBigInt(row.balance);
}

dbTest("withdrawals over HTTP: request, pay, reject, cancel; every refusal changes nothing", async (
  db,
) => {
  const app = await startAccountsApp(db.store);
  try {
    const streamer = await signUp(app, "payee");
    const other = await signUp(app, "other_one");
    const admin = await signUp(app, "finance");
    await setRoles(db.store, admin.id, ["admin"]);
    const created = await app.api("/api/rooms", {
      method: "POST",
      token: streamer.token,
      json: { id: "payroom", title: "Pay" },
    });
    assert.equal(created.status, 201);
    await earn(db.store, "payroom", 2000);

    const call = (path: string, token: string | undefined, json?: unknown) =>
      app.api(path, { method: json === undefined ? "GET" : "POST", token, json });
    const request = (amount: unknown, key: string) =>
      call("/api/withdrawals", streamer.token, { amount, idempotencyKey: key });
    const pay = (id: string, reference: unknown, token = admin.token) =>
      call(`/api/admin/withdrawals/${id}/pay`, token, { reference });
    const reject = (id: string, reason: unknown, token = admin.token) =>
      call(`/api/admin/withdrawals/${id}/reject`, token, { reason });
    const cancel = (id: string, token = streamer.token) =>
      call(`/api/withdrawals/${id}/cancel`, token, {});
    /** The request is refused with `code` (and `status`) and the books did not move. */
    const refused = async (res: Promise<Response>, status: number, code: string) => {
      const before = await books(db.store);
      const r = await res;
      const body = await r.json();
      assert.equal(body.error?.code, code, JSON.stringify(body));
      assert.equal(r.status, status, code);
      assert.equal(await books(db.store), before, `${code} changed the books`);
    };
    const balances = async () =>
      (await (await call("/api/wallet", streamer.token)).json()).balances;

    // --- requests: minimum, funds, key reuse, bad input
    await refused(request("99", "wd-min-00001"), 400, "withdrawal_below_minimum");
    await refused(request("2001", "wd-big-00001"), 409, "insufficient_funds");
    await refused(request("1.5", "wd-bad-00001"), 400, "invalid_request");
    const r1 = await request("500", "wd-00000001");
    assert.equal(r1.status, 201);
    const w1 = (await r1.json()).withdrawal;
    assert.equal(w1.status, "pending");
    await refused(request("501", "wd-00000001"), 409, "idempotency_conflict");
    const w2 = (await (await request("300", "wd-00000002")).json()).withdrawal;
    const w3 = (await (await request("200", "wd-00000003")).json()).withdrawal;
    await refused(request("100", "wd-00000004"), 409, "too_many_pending_withdrawals");
    // A replay of a pending request is not a new one, even at the limit.
    const replay = await request("500", "wd-00000001");
    assert.equal(replay.status, 200);
    assert.equal((await replay.json()).withdrawal.id, w1.id);
    assert.deepEqual(await balances(), { wallet: "0", earnings: "1000", held: "1000" });

    // --- the finance queue: admins only, oldest first, paged
    await refused(call("/api/admin/withdrawals", undefined), 401, "token_missing");
    await refused(call("/api/admin/withdrawals", streamer.token), 403, "forbidden");
    await refused(call("/api/admin/withdrawals?status=lost", admin.token), 400, "invalid_request");
    const page1 = await (await call("/api/admin/withdrawals?limit=2", admin.token)).json();
    assert.deepEqual(page1.withdrawals.map((w: Withdrawal) => w.id), [w1.id, w2.id]);
    assert.equal(page1.withdrawals[0].username, "payee");
    assert.deepEqual(page1.total, { count: 3, amount: "1000" });
    assert.ok(page1.next);
    const page2 =
      await (await call(`/api/admin/withdrawals?limit=2&after=${page1.next}`, admin.token)).json();
    assert.deepEqual(page2.withdrawals.map((w: Withdrawal) => w.id), [w3.id]);
    assert.equal(page2.next, null);
    const newest = await (await call("/api/admin/withdrawals?order=desc&limit=1", admin.token))
      .json();
    assert.equal(newest.withdrawals[0].id, w3.id);

    // --- pay w1: refusals first, then the payout and its replay
    await refused(pay(w1.id, "BANK-1", streamer.token), 403, "forbidden");
    await refused(pay(w1.id, "BANK-1", ""), 401, "token_missing");
    await refused(pay("no-such-withdrawal", "BANK-1"), 404, "unknown_withdrawal");
    await refused(pay(w1.id, ""), 400, "invalid_request");
    await refused(pay(w1.id, "BANK\u0007-1"), 400, "invalid_request");
    await refused(pay(w1.id, 42), 400, "invalid_request");
    const paid = await pay(w1.id, "BANK-1");
    assert.equal(paid.status, 200);
    const paidBody = (await paid.json()).withdrawal;
    assert.equal(paidBody.status, "paid");
    assert.equal(paidBody.payoutReference, "BANK-1");
    assert.equal(paidBody.decidedBy, admin.id);
    assert.equal(paidBody.replayed, false);
    assert.deepEqual(await balances(), { wallet: "0", earnings: "1000", held: "500" });
    assert.equal(await payoutBalance(db.store), 500n);
    const before = await books(db.store);
    const again = await pay(w1.id, "BANK-1");
    assert.equal(again.status, 200);
    assert.equal((await again.json()).withdrawal.replayed, true);
    assert.equal(await books(db.store), before, "a repeated payout moved nothing");
    await refused(pay(w1.id, "BANK-2"), 409, "withdrawal_not_pending");
    await refused(reject(w1.id, "changed my mind"), 409, "withdrawal_not_pending");
    await refused(cancel(w1.id), 409, "withdrawal_not_pending");
    // One bank transfer pays one withdrawal.
    await refused(pay(w2.id, "BANK-1"), 409, "payout_reference_used");

    // --- reject w2 with a reason; the hold comes back
    await refused(reject(w2.id, "   "), 400, "invalid_request");
    await refused(reject(w2.id, "x".repeat(501)), 400, "invalid_request");
    await refused(reject(w2.id, "nope", streamer.token), 403, "forbidden");
    const rejected = (await (await reject(w2.id, "bank details do not match")).json()).withdrawal;
    assert.equal(rejected.status, "rejected");
    assert.equal(rejected.reason, "bank details do not match");
    assert.deepEqual(await balances(), { wallet: "0", earnings: "1300", held: "200" });
    const before2 = await books(db.store);
    assert.equal(
      (await (await reject(w2.id, "bank details do not match")).json()).withdrawal.replayed,
      true,
    );
    assert.equal(await books(db.store), before2, "a repeated rejection moved nothing");
    await refused(reject(w2.id, "another reason"), 409, "withdrawal_not_pending");
    await refused(pay(w2.id, "BANK-3"), 409, "withdrawal_not_pending");
    await refused(cancel(w2.id), 409, "withdrawal_not_pending");

    // --- the streamer cancels w3; nobody else can
    await refused(cancel(w3.id, other.token), 404, "unknown_withdrawal");
    await refused(cancel(w3.id, admin.token), 404, "unknown_withdrawal");
    assert.equal((await (await cancel(w3.id)).json()).withdrawal.status, "cancelled");
    assert.deepEqual(await balances(), { wallet: "0", earnings: "1500", held: "0" });
    await refused(pay(w3.id, "BANK-4"), 409, "withdrawal_not_pending");
    await refused(reject(w3.id, "too late"), 409, "withdrawal_not_pending");

    // --- what the streamer sees, and the audit trail
    const mine = (await (await call("/api/withdrawals", streamer.token)).json()).withdrawals;
    assert.deepEqual(
      mine.map((w: Withdrawal) => [w.amount, w.status, w.payoutReference, w.reason]),
      [
        ["200", "cancelled", null, null],
        ["300", "rejected", null, "bank details do not match"],
        ["500", "paid", "BANK-1", null],
      ],
    );
    const earnings = (await (await call("/api/earnings", streamer.token)).json()).earnings;
    assert.equal(earnings.paidOut, "500");
    await refused(call(`/api/admin/withdrawals/${w1.id}`, streamer.token), 403, "forbidden");
    const trail = await (await call(`/api/admin/withdrawals/${w1.id}`, admin.token)).json();
    assert.deepEqual(
      trail.events.map((e: { action: string; actorId: string; reference: string | null }) => [
        e.action,
        e.actorId,
        e.reference,
      ]),
      [["requested", streamer.id, null], ["paid", admin.id, "BANK-1"]],
    );
    const paidList = await (await call("/api/admin/withdrawals?status=paid", admin.token)).json();
    assert.deepEqual(paidList.total, { count: 1, amount: "500" });
    assert.equal((await call("/api/admin/withdrawals?status=pending", admin.token)).status, 200);

    const audit = await auditLedger(db.store);
    assert.equal(
      audit.ok,
      true,
      JSON.stringify(audit, (_k, v) => typeof v === "bigint" ? `${v}` : v),
    );
    assert.equal(audit.paidOut, 500n);
    assert.equal(audit.topups, audit.inside + audit.paidOut);
  } finally {
    await app.close();
  }
});

/** Stores that really race: on Postgres a second pool on the same database. */
function racingStores(
  db: TestDb,
): { a: SqlStore; b: SqlStore; close(): Promise<void> } {
  if (!db.url) return { a: db.store, b: db.store, close: () => Promise.resolve() };
  const b = openPostgresStore(db.url, { max: 4 });
  return { a: db.store, b, close: () => b.close() };
}

const codeOf = (r: PromiseSettledResult<unknown>) =>
  r.status === "rejected" ? (r.reason as { code?: string }).code ?? String(r.reason) : "ok";

dbTest(
  "withdrawals race: pay vs reject, pay vs cancel, one request many times, one reference twice",
  async (
    db,
  ) => {
    const stores = racingStores(db);
    try {
      const { streamerId, roomId } = await makeStreamerWithRoom(db.store);
      const admin = await makeUser(db.store, "admin");
      const ROUNDS = 12;
      await earn(db.store, roomId, ROUNDS * 3 * 100 + 1000);
      const unlimited = { minAmount: 1n, maxPending: 0 };
      const ask = (amount: bigint) =>
        requestWithdrawal(
          db.store,
          { userId: streamerId, amount, idempotencyKey: newKey() },
          unlimited,
        );

      let paidTotal = 0n;
      const winners = { paid: 0, rejected: 0, cancelled: 0 };
      for (let i = 0; i < ROUNDS; i++) {
        // pay and reject on one withdrawal, from two connections at once: exactly one wins.
        const w = await ask(100n + BigInt(i));
        const [p, r] = await Promise.allSettled([
          payWithdrawal(stores.a, { withdrawalId: w.id, adminId: admin, reference: `race-${i}` }),
          rejectWithdrawal(stores.b, { withdrawalId: w.id, adminId: admin, reason: "race" }),
        ]);
        const codes = [codeOf(p), codeOf(r)].sort();
        assert.deepEqual(codes, ["ok", "withdrawal_not_pending"], `round ${i}`);
        if (p.status === "fulfilled") {
          paidTotal += w.amount;
          winners.paid++;
        } else winners.rejected++;

        // pay vs the streamer's cancel.
        const c = await ask(50n);
        const [p2, c2] = await Promise.allSettled([
          payWithdrawal(stores.b, { withdrawalId: c.id, adminId: admin, reference: `race-c-${i}` }),
          cancelWithdrawal(stores.a, streamerId, c.id),
        ]);
        assert.deepEqual([codeOf(p2), codeOf(c2)].sort(), ["ok", "withdrawal_not_pending"]);
        if (p2.status === "fulfilled") {
          paidTotal += c.amount;
          winners.paid++;
        } else winners.cancelled++;

        // The same payout sent five times (a double click, a retry): one movement.
        const d = await ask(10n);
        const same = await Promise.all(
          Array.from({ length: 5 }, (_, k) =>
            payWithdrawal(k % 2 ? stores.a : stores.b, {
              withdrawalId: d.id,
              adminId: admin,
              reference: `double-${i}`,
            })),
        );
        assert.equal(same.filter((x) => !x.replayed).length, 1, "exactly one first payout");
        assert.ok(same.every((x) => x.status === "paid" && x.payoutReference === `double-${i}`));
        paidTotal += d.amount;
        const [pairs] = await db.store.query<{ n: unknown }>(
          "SELECT count(*) AS n FROM ledger_entries WHERE ref_id = $1 AND kind = 'withdrawal_payout'",
          [d.id],
        );
        assert.equal(toBigInt(pairs.n), 2n, "one ledger pair for the payout");
      }

      // Two withdrawals, one bank reference, at the same moment: one is paid.
      const x = await ask(7n);
      const y = await ask(8n);
      const both = await Promise.allSettled([
        payWithdrawal(stores.a, { withdrawalId: x.id, adminId: admin, reference: "ONE-REF" }),
        payWithdrawal(stores.b, { withdrawalId: y.id, adminId: admin, reference: "ONE-REF" }),
      ]);
      assert.deepEqual(both.map(codeOf).sort(), ["ok", "payout_reference_used"]);
      const won = both[0].status === "fulfilled" ? x : y;
      paidTotal += won.amount;
      const lost = won === x ? y : x;
      await rejectWithdrawal(db.store, { withdrawalId: lost.id, adminId: admin, reason: "dup" });

      const b = await getBalances(db.store, streamerId);
      assert.equal(b.held, 0n, "nothing left on hold");
      assert.equal(b.earnings, BigInt(ROUNDS * 3 * 100 + 1000) - paidTotal);
      assert.equal(await payoutBalance(db.store), paidTotal);
      const audit = await auditLedger(db.store);
      assert.equal(audit.ok, true);
      assert.equal(audit.paidOut, paidTotal);
      assert.ok(winners.paid > 0);
    } finally {
      await stores.close();
    }
  },
);

dbTest(
  "withdrawals conservation: after a random mix, wallets + platform + paid out == top-ups",
  async (
    db,
  ) => {
    const seed = Math.floor(Math.random() * 2 ** 31);
    const random = seededRandom(seed);
    const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
    const stores = racingStores(db);
    try {
      const admin = await makeUser(db.store, "admin");
      const streamers = [];
      for (let i = 0; i < 3; i++) streamers.push(await makeStreamerWithRoom(db.store));
      const fans: string[] = [];
      let toppedUp = 0n;
      for (let i = 0; i < 4; i++) {
        const fan = await makeUser(db.store, "fan");
        await fund(db.store, fan, 5000n);
        toppedUp += 5000n;
        fans.push(fan);
      }
      const ledger = new SqlGiftLedger(stores.a, { commissionBps: 3000 });
      const limits = { minAmount: 20n, maxPending: 2 };
      const pending: { id: string; owner: string }[] = [];
      const outcomes = new Map<string, number>();
      const note = (r: PromiseSettledResult<unknown>) =>
        outcomes.set(codeOf(r), (outcomes.get(codeOf(r)) ?? 0) + 1);

      for (let round = 0; round < 25; round++) {
        const ops: Promise<unknown>[] = [];
        for (let k = 0; k < 6; k++) {
          const store = k % 2 ? stores.a : stores.b;
          const roll = random();
          const s = pick(streamers);
          if (roll < 0.3) {
            ops.push(ledger.commitBatch([{
              idempotencyKey: newKey(),
              roomId: s.roomId,
              senderId: pick(fans),
              senderName: "fan",
              giftId: pick(["heart", "coffee", "star"]),
              count: 1 + Math.floor(random() * 3),
            }]));
          } else if (roll < 0.55) {
            ops.push(
              requestWithdrawal(
                store,
                {
                  userId: s.streamerId,
                  amount: BigInt(10 + Math.floor(random() * 150)),
                  idempotencyKey: newKey(),
                },
                limits,
              ).then((w) => pending.push({ id: w.id, owner: s.streamerId })),
            );
          } else if (pending.length > 0) {
            const w = pick(pending);
            const act = random();
            ops.push(
              act < 0.45
                ? payWithdrawal(store, {
                  withdrawalId: w.id,
                  adminId: admin,
                  reference: `ref-${w.id}`,
                })
                : act < 0.8
                ? rejectWithdrawal(store, { withdrawalId: w.id, adminId: admin, reason: "random" })
                : cancelWithdrawal(store, w.owner, w.id),
            );
          }
        }
        for (const r of await Promise.allSettled(ops)) {
          note(r);
          if (r.status === "rejected") {
            const code = codeOf(r);
            assert.ok(
              [
                "withdrawal_not_pending",
                "insufficient_funds",
                "withdrawal_below_minimum",
                "too_many_pending_withdrawals",
              ].includes(code),
              `seed ${seed}: unexpected ${code}`,
            );
          }
        }
      }
      const [sums] = await db.store.query<{ wallets: unknown; platform: unknown; paid: unknown }>(
        `SELECT (SELECT sum(balance) FROM accounts WHERE kind IN ('wallet', 'earnings', 'held'))
                AS wallets,
              (SELECT sum(balance) FROM accounts WHERE kind = 'platform') AS platform,
              (SELECT sum(amount) FROM withdrawals WHERE status = 'paid') AS paid`,
      );
      const total = toBigInt(sums.wallets) + toBigInt(sums.platform) + toBigInt(sums.paid);
      assert.equal(total, toppedUp, `seed ${seed}: money appeared or vanished`);
      assert.equal(await payoutBalance(db.store), toBigInt(sums.paid), `seed ${seed}`);
      const audit = await auditLedger(db.store);
      assert.equal(audit.ok, true, `seed ${seed}`);
      assert.ok((outcomes.get("ok") ?? 0) > 20, `seed ${seed}: ${JSON.stringify([...outcomes])}`);
      // Each decided withdrawal has exactly one deciding event and at most one money movement.
      const [bad] = await db.store.query<{ n: unknown }>(
        `SELECT count(*) AS n FROM withdrawals w
        WHERE (SELECT count(*) FROM withdrawal_events e WHERE e.withdrawal_id = w.id) <>
              CASE WHEN w.status = 'pending' THEN 1 ELSE 2 END
           OR (SELECT count(*) FROM ledger_entries l WHERE l.ref_id = w.id) <>
              CASE WHEN w.status = 'pending' THEN 2 ELSE 4 END`,
      );
      assert.equal(toBigInt(bad.n), 0n, `seed ${seed}`);
    } finally {
      await stores.close();
    }
  },
);

for (const backend of ["postgres", "pglite"] as const) {
  Deno.test(`migration 005 keeps existing withdrawals: requested → pending, history backfilled [${backend}]`, async () => {
    const scratch = backend === "postgres" ? await createScratchDatabase() : undefined;
    const pglite = backend === "pglite" ? await sharedPgliteInstance() : undefined;
    const schema = `m_${crypto.randomUUID().slice(0, 8)}`;
    const store = scratch
      ? openPostgresStore(scratch.url)
      : await wrapPglite(pglite!, { schema, ownsInstance: false });
    try {
      const all = await appMigrations();
      await migrate(store, all.filter((m) => m.version < 5));
      // Users as the code of version 4 wrote them (today's code writes later columns).
      const oldUser = async (db: SqlStore, prefix: string) => {
        const id = crypto.randomUUID();
        await db.query("INSERT INTO users (id, username, display_name) VALUES ($1, $2, $2)", [
          id,
          `${prefix}_${id.slice(0, 8)}`,
        ]);
        return id;
      };
      const streamerId = await oldUser(store, "s");
      const roomId = `room_${streamerId.slice(0, 8)}`;
      await store.query(
        "INSERT INTO rooms (id, owner_id, title, category) VALUES ($1, $2, 'Old room', 'chat')",
        [roomId, streamerId],
      );
      await earn(store, roomId, 500, oldUser);
      // The old shape: a held request and a cancelled one, written as the old code did.
      const [held] = await store.query<{ id: string }>(
        `INSERT INTO withdrawals (id, user_id, idempotency_key, amount, status)
         VALUES ('old-1', $1, 'k1', 200, 'requested'), ('old-2', $1, 'k2', 50, 'cancelled')
         RETURNING id`,
        [streamerId],
      );
      assert.equal(held.id, "old-1");
      await store.query(
        `UPDATE accounts SET balance = balance + (CASE WHEN id = $1 THEN 200 ELSE -200 END)
          WHERE id IN ($1, $2)`,
        [`held:${streamerId}`, `earnings:${streamerId}`],
      );
      await store.query(
        `INSERT INTO ledger_entries (pair_id, account_id, amount, kind, ref_id) VALUES
           ('old-1', $2, -200, 'withdrawal_hold', 'old-1'),
           ('old-1', $1, 200, 'withdrawal_hold', 'old-1')`,
        [`held:${streamerId}`, `earnings:${streamerId}`],
      );
      assert.deepEqual(
        await migrate(store, all),
        all.filter((m) => m.version >= 5).map((m) => m.version),
      );
      const list = await store.query<{ id: string; status: string; seq: unknown }>(
        "SELECT id, status, seq FROM withdrawals ORDER BY id",
      );
      assert.deepEqual(list.map((w) => [w.id, w.status]), [["old-1", "pending"], [
        "old-2",
        "cancelled",
      ]]);
      const events = await store.query<{ withdrawal_id: string; action: string }>(
        "SELECT withdrawal_id, action FROM withdrawal_events ORDER BY withdrawal_id, id",
      );
      assert.deepEqual(events.map((e) => [e.withdrawal_id, e.action]), [
        ["old-1", "requested"],
        ["old-2", "requested"],
        ["old-2", "cancelled"],
      ]);
      // The old request can now be paid.
      const admin = await makeUser(store, "admin");
      const paid = await payWithdrawal(store, {
        withdrawalId: "old-1",
        adminId: admin,
        reference: "MIG-1",
      });
      assert.equal(paid.status, "paid");
      assert.equal((await auditLedger(store)).ok, true);
    } finally {
      await store.close();
      if (scratch) await scratch.drop();
      if (pglite) await pglite.exec(`DROP SCHEMA ${schema} CASCADE; SET search_path TO public`);
    }
  });
}
