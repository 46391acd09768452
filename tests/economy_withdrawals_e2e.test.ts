/**
 * Withdrawals end to end through a started server (engine, room actors, edge) on real
 * Postgres: a fan's gift over the WebSocket becomes the streamer's earnings; the streamer
 * requests withdrawals over HTTP; a platform admin lists the queue, pays one with a bank
 * reference and rejects another with a reason; the streamer sees each state, and the books
 * balance (top-ups == wallets + earnings + held + platform + paid out).
 */
import assert from "node:assert/strict";
import { auditLedger } from "../actors/economy/invariants.ts";
import { setRoles } from "../edge/accounts/users.ts";
import { signUp } from "./helpers/accounts_app.ts";
import { giftRocket } from "./helpers/economy_fixtures.ts";
import { TestViewer } from "./helpers/edge_client.ts";
import { startPostgresTestServer } from "./helpers/postgres_server.ts";
import { callJson } from "./helpers/http.ts";

Deno.test("withdrawals e2e: gift → request → admin pays / rejects → streamer sees it", async () => {
  const pg = await startPostgresTestServer({
    env: { WITHDRAWAL_MIN_AMOUNT: "50", WITHDRAWAL_MAX_PENDING: "2" },
  });
  const { srv, store } = pg;
  const sockets: TestViewer[] = [];
  try {
    const api = (path: string, body?: unknown, token?: string) =>
      callJson(srv.url, `/api${path}`, { json: body, token });
    const register = (username: string) => signUp(srv, username);
    const streamer = await register("wd_streamer");
    const fan = await register("wd_fan");
    const admin = await register("wd_finance");
    await setRoles(store, admin.id, ["admin"]);

    sockets.push(
      await giftRocket(srv, {
        hostToken: streamer.token,
        fanToken: fan.token,
        roomId: "wdroom",
        title: "Pay me",
        topup: "2000",
        keyPrefix: "wd-e2e",
      }),
    );
    // 1000 gross, 30 % commission: 700 earned.
    assert.deepEqual((await api("/wallet", undefined, streamer.token)).body.balances, {
      wallet: "0",
      earnings: "700",
      held: "0",
    });

    // The server's configured limits apply.
    const ask = (amount: string, key: string) =>
      api("/withdrawals", { amount, idempotencyKey: key }, streamer.token);
    assert.equal((await ask("49", "wd-e2e-0000")).body.error.code, "withdrawal_below_minimum");
    const first = await ask("400", "wd-e2e-0001");
    assert.equal(first.status, 201);
    const second = await ask("200", "wd-e2e-0002");
    assert.equal(second.status, 201);
    const third = await ask("50", "wd-e2e-0003");
    assert.equal(third.status, 409);
    assert.equal(third.body.error.code, "too_many_pending_withdrawals");

    // Finance: the queue, admins only.
    assert.equal((await api("/admin/withdrawals", undefined, streamer.token)).status, 403);
    const queue = await api("/admin/withdrawals?status=pending", undefined, admin.token);
    assert.equal(queue.status, 200);
    assert.deepEqual(
      queue.body.withdrawals.map((
        w: { amount: string; username: string },
      ) => [w.amount, w.username]),
      [["400", "wd_streamer"], ["200", "wd_streamer"]],
    );
    const w1 = first.body.withdrawal.id;
    const w2 = second.body.withdrawal.id;
    const paid = await api(
      `/admin/withdrawals/${w1}/pay`,
      { reference: "SEPA-2026-0001" },
      admin.token,
    );
    assert.equal(paid.status, 200, JSON.stringify(paid.body));
    assert.equal(paid.body.withdrawal.status, "paid");
    const repeat = await api(
      `/admin/withdrawals/${w1}/pay`,
      { reference: "SEPA-2026-0001" },
      admin.token,
    );
    assert.equal(repeat.body.withdrawal.replayed, true);
    const rejected = await api(
      `/admin/withdrawals/${w2}/reject`,
      { reason: "account closed" },
      admin.token,
    );
    assert.equal(rejected.body.withdrawal.status, "rejected");
    const late = await api(
      `/admin/withdrawals/${w2}/pay`,
      { reference: "SEPA-2026-0002" },
      admin.token,
    );
    assert.equal(late.status, 409);
    assert.equal(late.body.error.code, "withdrawal_not_pending");

    // The streamer's view: states, reference, reason, balances, paid out.
    const mine = (await api("/withdrawals", undefined, streamer.token)).body.withdrawals;
    assert.deepEqual(
      mine.map((w: { status: string; payoutReference: string | null; reason: string | null }) => [
        w.status,
        w.payoutReference,
        w.reason,
      ]),
      [["rejected", null, "account closed"], ["paid", "SEPA-2026-0001", null]],
    );
    assert.deepEqual((await api("/wallet", undefined, streamer.token)).body.balances, {
      wallet: "0",
      earnings: "300",
      held: "0",
    });
    assert.equal((await api("/earnings", undefined, streamer.token)).body.earnings.paidOut, "400");
    const trail = await api(`/admin/withdrawals/${w2}`, undefined, admin.token);
    assert.deepEqual(
      trail.body.events.map((e: { action: string; reason: string | null }) => [e.action, e.reason]),
      [["requested", null], ["rejected", "account closed"]],
    );

    const audit = await auditLedger(store);
    assert.equal(audit.ok, true);
    assert.equal(audit.topups, 2000n);
    assert.equal(audit.paidOut, 400n);
    assert.equal(audit.inside, 1600n);
  } finally {
    for (const s of sockets) await s.close();
    await pg.close();
  }
});
