/**
 * The `finance` role end to end through a started server on real Postgres: an admin grants it
 * over the API; the finance user lists the withdrawal queue and pays a streamer's withdrawal
 * (audited under their id), but cannot moderate (room socket `mod` mute / ban, room edit,
 * bans), manage roles, edit the gift catalog or see the cluster. A plain user cannot reach the
 * finance endpoints; an admin keeps them.
 */
import assert from "node:assert/strict";
import { changeRole } from "../edge/accounts/roles.ts";
import { signUp } from "./helpers/accounts_app.ts";
import { giftRocket } from "./helpers/economy_fixtures.ts";
import { TestViewer } from "./helpers/edge_client.ts";
import { callJson } from "./helpers/http.ts";
import { startPostgresTestServer } from "./helpers/postgres_server.ts";

Deno.test("finance role: pays a withdrawal, cannot moderate or manage users", async () => {
  const pg = await startPostgresTestServer();
  const { srv, store } = pg;
  const sockets: TestViewer[] = [];
  try {
    const api = (path: string, body?: unknown, token?: string) =>
      callJson(srv.url, `/api${path}`, { json: body, token });
    const call = async (method: string, path: string, token: string, json?: unknown) => {
      const res = await fetch(`${srv.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: json === undefined ? undefined : JSON.stringify(json),
      });
      return { status: res.status, body: await res.json().catch(() => ({})) };
    };
    const register = (username: string) => signUp(srv, username);
    const host = await register("fr_host");
    const fan = await register("fr_fan");
    const fin = await register("fr_finance");
    const boss = await register("fr_boss");
    await changeRole(store, { username: "fr_boss" }, "admin", "grant", { via: "cli", name: "t" });
    const granted = await api(
      `/admin/users/${fin.id}/roles/grant`,
      { role: "finance" },
      boss.token,
    );
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    assert.deepEqual(granted.body.user.roles, ["viewer", "finance"]);

    // Earnings: a rocket over the room socket (1000 gross, 700 after commission).
    sockets.push(
      await giftRocket(srv, {
        hostToken: host.token,
        fanToken: fan.token,
        roomId: "frroom",
        title: "Money",
        topup: "1000",
        keyPrefix: "fr",
      }),
    );
    const w1 = await api(
      "/withdrawals",
      { amount: "300", idempotencyKey: "fr-withdraw-1" },
      host.token,
    );
    const w2 = await api(
      "/withdrawals",
      { amount: "200", idempotencyKey: "fr-withdraw-2" },
      host.token,
    );
    assert.equal(w1.status, 201, JSON.stringify(w1.body));
    assert.equal(w2.status, 201, JSON.stringify(w2.body));

    // A plain user is refused the finance endpoints.
    assert.equal(
      (await api("/admin/withdrawals", undefined, fan.token)).body.error.code,
      "forbidden",
    );
    assert.equal(
      (await api(
        `/admin/withdrawals/${w1.body.withdrawal.id}/pay`,
        { reference: "X-1" },
        fan.token,
      ))
        .body.error.code,
      "forbidden",
    );

    // Finance: the queue, pay one, its audit trail names the finance user.
    const queue = await api("/admin/withdrawals?status=pending", undefined, fin.token);
    assert.equal(queue.status, 200, JSON.stringify(queue.body));
    assert.equal(queue.body.withdrawals.length, 2);
    const paid = await api(
      `/admin/withdrawals/${w1.body.withdrawal.id}/pay`,
      { reference: "BANK-FIN-1" },
      fin.token,
    );
    assert.equal(paid.status, 200, JSON.stringify(paid.body));
    assert.equal(paid.body.withdrawal.status, "paid");
    const trail = await api(`/admin/withdrawals/${w1.body.withdrawal.id}`, undefined, fin.token);
    assert.equal(trail.status, 200);
    const payEvent = trail.body.events.find((
      e: { kind?: string; type?: string; status?: string },
    ) => JSON.stringify(e).includes("BANK-FIN-1"));
    assert.ok(payEvent, JSON.stringify(trail.body.events));
    assert.ok(JSON.stringify(payEvent).includes(fin.id), JSON.stringify(payEvent));
    // An admin keeps finance powers.
    const rejected = await api(
      `/admin/withdrawals/${w2.body.withdrawal.id}/reject`,
      { reason: "wrong account" },
      boss.token,
    );
    assert.equal(rejected.status, 200, JSON.stringify(rejected.body));

    // Finance cannot moderate: room socket commands are refused...
    const { viewer: finSocket } = await TestViewer.join(srv.wsUrl("frroom"), "frroom", fin.token);
    sockets.push(finSocket);
    for (const action of ["mute", "ban", "unban"] as const) {
      finSocket.send({ type: "mod", action, target: fan.id, seconds: 60, clientId: `m-${action}` });
      const answer = await finSocket.next((f) => f.clientId === `m-${action}`, 10_000);
      assert.equal(answer.type, "error", `${action}: ${JSON.stringify(answer)}`);
      assert.equal(answer.code, "forbidden", `${action}: ${JSON.stringify(answer)}`);
    }
    // ... while the same frame from an admin works (the frame itself is right).
    const { viewer: bossSocket } = await TestViewer.join(srv.wsUrl("frroom"), "frroom", boss.token);
    sockets.push(bossSocket);
    bossSocket.send({ type: "mod", action: "mute", target: fan.id, seconds: 60, clientId: "b" });
    assert.equal((await bossSocket.next((f) => f.clientId === "b", 10_000)).type, "mod_ok");

    // ... and so are room edits, bans, roles, the gift catalog and the cluster view.
    const refusals: [string, string, unknown][] = [
      ["PATCH", "/api/rooms/frroom", { title: "mine now" }],
      ["PUT", `/api/admin/users/${fan.id}/ban`, { banned: true }],
      ["PUT", `/api/admin/users/${fin.id}/roles`, { roles: ["finance", "admin"] }],
      ["POST", `/api/admin/users/${fin.id}/roles/grant`, { role: "admin" }],
      ["GET", "/api/admin/users", undefined],
      ["GET", "/api/admin/role-events", undefined],
      ["PUT", "/api/admin/gifts/star", { name: "Star", price: "1" }],
      ["GET", "/api/cluster", undefined],
    ];
    for (const [method, path, json] of refusals) {
      const r = await call(method, path, fin.token, json);
      assert.equal(r.status, 403, `${method} ${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error?.code, "forbidden", `${method} ${path}`);
    }
    const roles = await store.query<{ roles: string[]; status: string }>(
      "SELECT roles, status FROM users WHERE id = $1",
      [fan.id],
    );
    assert.deepEqual(roles[0], { roles: ["viewer"], status: "active" });
  } finally {
    for (const s of sockets) await s.close();
    await pg.close();
  }
});
