/**
 * The denial of service the outside run found (issue 10, defect 1), reproduced as it was
 * found, on real Postgres: one socket sends bad gifts while other viewers gift in the same
 * room ticks; every other viewer's gift must succeed. The bad gifts are of two kinds: NUL in
 * `giftId` / `idempotencyKey` (refused at the edge as `invalid_text`), and gifts the database
 * itself refuses inside the batch's transaction (a constraint this test adds), which only
 * the ledger's per-gift savepoints can confine.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { createScratchDatabase } from "./helpers/db.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { callJson } from "./helpers/http.ts";
import { signUp } from "./helpers/accounts_app.ts";
import { startTestServer } from "./helpers/server.ts";

const ROOM = "dos-room";
const FANS = 6;
const ROUNDS = 10;

Deno.test("one viewer's bad gifts never fail the others' gifts in the same tick [postgres]", async () => {
  const scratch = await createScratchDatabase();
  const srv = await startTestServer({ accounts: true, env: { DATABASE_URL: scratch.url } });
  const sockets: TestViewer[] = [];
  try {
    const admin = postgres(scratch.url, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(
        "ALTER TABLE gifts ADD CONSTRAINT test_poison CHECK (idempotency_key NOT LIKE 'poison-%')",
      );
    } finally {
      await admin.end({ timeout: 5 });
    }
    const api = (path: string, json: unknown, token: string) =>
      callJson(srv.url, path, { json, token });
    const host = await signUp(srv, "dos_host");
    assert.equal((await api("/api/rooms", { id: ROOM, title: "DoS" }, host.token)).status, 201);
    const join = async (name: string) => {
      const user = await signUp(srv, name);
      const topup = await api("/api/wallet/topup", {
        amount: "100",
        idempotencyKey: `${name}-topup`,
      }, user.token);
      assert.equal(topup.status, 201, JSON.stringify(topup.body));
      const { viewer } = await TestViewer.join(srv.wsUrl(ROOM), ROOM, user.token);
      sockets.push(viewer);
      return { viewer, token: user.token };
    };
    const attacker = await join("dos_attacker");
    const fans = [];
    for (let i = 0; i < FANS; i++) fans.push(await join(`dos_fan_${i}`));

    const replies: { from: string; reply: Frame }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Bad gifts interleaved with the fans' so that they share the room's batches.
      const bad = [
        { giftId: "rose", idempotencyKey: `poison-${round}-first` },
        { giftId: "rose\u0000", idempotencyKey: `nul-gift-${round}-aaaa` },
        { giftId: "rose", idempotencyKey: `nul-key\u0000${round}-aaaa` },
        { giftId: "rose", idempotencyKey: `poison-${round}-last` },
      ];
      const waits: Promise<void>[] = [];
      const send = (from: string, viewer: TestViewer, clientId: string, g: object) => {
        viewer.send({ type: "gift", count: 1, clientId, ...g });
        waits.push(
          viewer.next((f) => f.clientId === clientId, 15_000).then((reply) => {
            replies.push({ from, reply });
          }),
        );
      };
      for (const [i, fan] of fans.entries()) {
        send(`fan-${i}`, fan.viewer, `fan-${round}`, {
          giftId: "rose",
          idempotencyKey: `fan-${i}-${round}-gift`,
        });
        if (i < bad.length) send("attacker", attacker.viewer, `bad-${round}-${i}`, bad[i]);
      }
      await Promise.all(waits);
    }

    const fanReplies = replies.filter((r) => r.from !== "attacker");
    const failed = fanReplies.filter((r) => r.reply.type !== "gift_ok");
    assert.equal(failed.length, 0, `fans' gifts failed: ${JSON.stringify(failed.slice(0, 5))}`);
    assert.equal(fanReplies.length, FANS * ROUNDS);
    const attackerCodes = new Set(
      replies.filter((r) => r.from === "attacker").map((r) => r.reply.code),
    );
    assert.deepEqual([...attackerCodes].sort(), ["invalid_text", "ledger_error"]);
    for (const fan of fans) {
      const wallet = await callJson(srv.url, "/api/wallet", { token: fan.token });
      assert.equal(wallet.body.balances.wallet, String(100 - ROUNDS));
    }
    const wallet = await callJson(srv.url, "/api/wallet", { token: attacker.token });
    assert.equal(wallet.body.balances.wallet, "100", "the attacker was charged nothing");
  } finally {
    for (const s of sockets) await s.close().catch(() => {});
    await srv.close();
    await scratch.drop();
  }
});
