/**
 * The text policy at every boundary, tried as an outside client would (issue 10, defects 2,
 * 4, 5 and 6): NUL and other forbidden characters are refused with `invalid_text` naming the
 * field (never a 500, never a ledger error), messages made only of invisible fillers are
 * refused as `empty`, display names lose bidi overrides and invisible characters, and a
 * `bad_frame` refusal echoes the request's `clientId`.
 */
import assert from "node:assert/strict";
import { TestViewer } from "./helpers/edge_client.ts";
import { callJson } from "./helpers/http.ts";
import { signUp } from "./helpers/accounts_app.ts";
import { startTestServer } from "./helpers/server.ts";

const NUL = "\u0000";
const ROOM = "texts";

/** The blank-looking fillers the outside run got acked as chat lines. */
const FILLERS = [
  "\u00AD",
  "\u3164",
  "\u2800",
  "\u115F\u1160",
  "\u034F",
  "\uFE0F",
  "\u180B\u180C\u180D",
  "\uFFA0",
  "\u3164 \u2800 \u00AD",
];

Deno.test("text policy: forbidden characters, blank fillers, bidi names, bad_frame clientId", async (t) => {
  const srv = await startTestServer({ accounts: true });
  const open: TestViewer[] = [];
  try {
    const host = await signUp(srv, "text_host");
    const fan = await signUp(srv, "text_fan");
    const api = (path: string, json?: unknown, token?: string) =>
      callJson(srv.url, path, { json, token });
    assert.equal((await api("/api/rooms", { id: ROOM, title: "Texts" }, host.token)).status, 201);
    const topup = await api(
      "/api/wallet/topup",
      { amount: "1000", idempotencyKey: "fan-topup-1" },
      fan.token,
    );
    assert.equal(topup.status, 201, JSON.stringify(topup.body));

    await t.step("REST: NUL in bodies and path parameters is a 400 invalid_text", async () => {
      const cases: [string, Promise<{ status: number; body: { error?: { code: string } } }>][] = [
        ["login username", api("/api/auth/login", { username: `text${NUL}fan`, password: "x" })],
        [
          "register displayName",
          api("/api/auth/register", {
            username: "text_nul",
            password: "a fine password",
            displayName: `a${NUL}b`,
          }),
        ],
        ["room title", api("/api/rooms", { id: "nulroom", title: `t${NUL}` }, host.token)],
        [
          "top-up key",
          api("/api/wallet/topup", { amount: "10", idempotencyKey: `key${NUL}12345` }, fan.token),
        ],
        [
          "withdrawal key",
          api("/api/withdrawals", { amount: "10", idempotencyKey: `key${NUL}12345` }, host.token),
        ],
        ["/api/usernames/:name", api("/api/usernames/a%00b")],
        ["/api/users/:id", api("/api/users/a%00b")],
        ["lone surrogate", api("/api/auth/login", { username: "ab\uD800", password: "x" })],
        ["query parameter", api(`/api/wallet/ledger?limit=1%00`, undefined, fan.token)],
      ];
      for (const [what, call] of cases) {
        const { status, body } = await call;
        assert.equal(status, 400, `${what}: ${status} ${JSON.stringify(body)}`);
        assert.equal(body.error?.code, "invalid_text", `${what}: ${JSON.stringify(body)}`);
      }
      const wallet = await api("/api/wallet", undefined, fan.token);
      assert.equal(wallet.body.balances.wallet, "1000", "nothing was charged");
    });

    const { viewer } = await TestViewer.join(srv.wsUrl(ROOM), ROOM, fan.token);
    open.push(viewer);

    await t.step("socket: messages of invisible fillers are refused as empty", async () => {
      for (const [i, text] of FILLERS.entries()) {
        viewer.send({ type: "say", text, clientId: `blank-${i}` });
        const reply = await viewer.next((f) => f.clientId === `blank-${i}`);
        assert.equal(reply.type, "error", `${JSON.stringify(text)} was ${reply.type}`);
        assert.equal(reply.code, "empty", `${JSON.stringify(text)}: ${JSON.stringify(reply)}`);
      }
      viewer.send({ type: "say", text: "❤️ visible", clientId: "visible" });
      assert.equal((await viewer.next((f) => f.clientId === "visible")).type, "ack");
    });

    await t.step("socket: bad_frame echoes the request's clientId", async () => {
      viewer.send({ type: "say", text: 42, clientId: "bad-1" });
      const reply = await viewer.next((f) => f.type === "error" && f.code === "bad_frame");
      assert.equal(reply.clientId, "bad-1", JSON.stringify(reply));
    });

    await t.step("socket: NUL in a gift is invalid_text, and nothing is charged", async () => {
      const gifts = [
        { giftId: `rose${NUL}`, idempotencyKey: "gift-nul-aaaa-1" },
        { giftId: "rose", idempotencyKey: `gift-nul${NUL}-aaaa-2` },
        { giftId: "rose", idempotencyKey: "gift-lone-\uDC00-3" },
      ];
      for (const [i, g] of gifts.entries()) {
        viewer.send({ type: "gift", count: 1, clientId: `nul-${i}`, ...g });
        const reply = await viewer.next((f) => f.clientId === `nul-${i}`);
        assert.equal(reply.type, "error", JSON.stringify(reply));
        assert.equal(reply.code, "invalid_text", JSON.stringify(reply));
      }
      viewer.send({
        type: "gift",
        giftId: "rose",
        count: 1,
        idempotencyKey: "gift-ok-1",
        clientId: "ok",
      });
      assert.equal((await viewer.next((f) => f.clientId === "ok", 15_000)).type, "gift_ok");
      const wallet = await api("/api/wallet", undefined, fan.token);
      assert.equal(wallet.body.balances.wallet, "999", JSON.stringify(wallet.body));
    });

    await t.step("display names lose bidi overrides and invisible characters", async () => {
      const reg = await api("/api/auth/register", {
        username: "text_alice",
        password: "a fine password",
        displayName: "\u202Eecila\u200B\u3164",
      });
      assert.equal(reg.status, 201, JSON.stringify(reg.body));
      assert.equal(reg.body.user.displayName, "ecila");
      const blank = await api("/api/auth/register", {
        username: "text_blank",
        password: "a fine password",
        displayName: "\u202E\u3164\u2800",
      });
      assert.equal(blank.status, 400, JSON.stringify(blank.body));
      const guest = await srv.guest("\u202Eecila\u3164");
      assert.equal(guest.identity.name, "ecila");
      const { viewer: alice, welcome } = await TestViewer.join(
        srv.wsUrl(ROOM),
        ROOM,
        reg.body.accessToken,
      );
      open.push(alice);
      assert.equal(welcome.you.name, "ecila");
    });
  } finally {
    for (const v of open) await v.close().catch(() => {});
    await srv.close();
  }
});
