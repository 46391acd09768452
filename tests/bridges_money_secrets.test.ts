/**
 * Two promises of the bridges, checked on the real server over real Postgres with every log
 * line captured at debug level: outside gifts, super chats and memberships are shown to
 * viewers with their platform and value but never reach the money tables (no gift row, no
 * ledger entry, no balance moves); and the Bilibili login cookie, though it is used (sent to
 * Bilibili's API, giving the logged-in uid), never appears in a log line, a reply or the
 * health the console shows, even through an auth refusal and a reconnect.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { commandPacket, danmuMsg, startBilibiliServer } from "./helpers/bilibili_server.ts";
import { createScratchDatabase } from "./helpers/db.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { callJson } from "./helpers/http.ts";
import { signUp } from "./helpers/accounts_app.ts";
import { startTestServer } from "./helpers/server.ts";
import { waitForValue } from "./helpers/wait.ts";

const ROOM = "bridge-money";

Deno.test("bridged gifts never touch the money tables; the login cookie never reaches a log line [postgres]", async () => {
  // The stand-in logs in a `SESSDATA=good…` cookie; the random part is what must never leak.
  const secretPart = crypto.randomUUID();
  const cookie = `SESSDATA=good-${secretPart}; bili_jct=also-secret`;
  const lines: string[] = [];
  const { log, error } = console;
  const capture = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  console.log = capture;
  console.error = capture;
  const scratch = await createScratchDatabase();
  const bili = startBilibiliServer({ loginMid: 4242 });
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
  const srv = await startTestServer({
    accounts: true,
    env: {
      DATABASE_URL: scratch.url,
      LOG_LEVEL: "debug",
      BILIBILI_LIVE_API: bili.baseUrl,
      BILIBILI_API: bili.baseUrl,
      BILIBILI_WS_SCHEME: "ws",
      BILIBILI_HEARTBEAT_MS: "500",
      BRIDGE_SECRET_KEY: key,
    },
  });
  const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
  let viewer: TestViewer | undefined;
  try {
    const money = async () => {
      const [row] = await sql`
        select (select count(*)::int from gifts) as gifts,
               (select count(*)::int from ledger_entries) as entries,
               (select coalesce(sum(balance), 0)::text from accounts) as balances`;
      return row;
    };
    const host = await signUp(srv, "bridge_host");
    assert.equal(
      (await callJson(srv.url, "/api/rooms", { json: { id: ROOM, title: "B" }, token: host.token }))
        .status,
      201,
    );
    const before = await money();
    viewer = (await TestViewer.join(srv.wsUrl(ROOM), ROOM, host.token)).viewer;

    const linked = await callJson(srv.url, `/api/rooms/${ROOM}/bridges`, {
      json: { platform: "bilibili", roomId: bili.shortId, cookie },
      token: host.token,
    });
    assert.equal(linked.status, 201, JSON.stringify(linked.body));
    assert(!JSON.stringify(linked.body).includes(secretPart), "the reply does not echo it");
    await waitForValue("bridge connected", () => Promise.resolve(bili.sockets.length || undefined));
    assert.equal(bili.auths[0].uid, 4242, "the cookie was used: the logged-in uid");
    assert(bili.cookies.some((c) => c.includes(secretPart)), "and sent to Bilibili's API");

    bili.send(commandPacket({
      cmd: "SEND_GIFT",
      data: {
        uid: 11,
        uname: "远方",
        giftName: "小花花",
        num: 5,
        coin_type: "gold",
        total_coin: 500,
      },
    }));
    bili.send(commandPacket({
      cmd: "SUPER_CHAT_MESSAGE",
      data: { uid: 12, price: 30, message: "加油", user_info: { uname: "阿狸" } },
    }));
    bili.send(commandPacket({
      cmd: "GUARD_BUY",
      data: { uid: 13, username: "舰长", guard_level: 3, num: 1, price: 198000 },
    }));
    bili.send(commandPacket(danmuMsg(14, "观众", "after the money")));
    const bridged = () =>
      viewer!.frames.filter((f) => f.type === "batch").flatMap((f) => f.events as Frame[])
        .filter((e) => e.t === "bridged" || (e.t === "danmaku" && e.d.via));
    await waitForValue(
      "the outside gift, super chat, membership and chat shown",
      () => Promise.resolve(bridged().length >= 4 || undefined),
    );
    const shown = bridged().filter((e) => e.t === "bridged").map((e) =>
      `${e.platform}:${e.kind}:${e.value.minor}`
    ).sort();
    assert.deepEqual(shown, [
      "bilibili:gift:50",
      "bilibili:membership:19800",
      "bilibili:superchat:3000",
    ]);
    assert.deepEqual(await money(), before, "no gift row, no ledger entry, no balance moved");

    // An auth refusal and a reconnect: the errors show in the health the console reads,
    // never with the cookie.
    bili.authCode = -101;
    bili.dropAll();
    const health = async () =>
      (await callJson(srv.url, `/api/rooms/${ROOM}/bridges`, { token: host.token })).body;
    await waitForValue("the refusal counted", async () => {
      const h = await health();
      return (h.links?.[0]?.health?.platform?.errors ?? 0) > 0 || undefined;
    });
    bili.authCode = 0;
    await waitForValue("reconnected", async () => {
      const h = await health();
      return h.links?.[0]?.health?.platform?.connected === true || undefined;
    });
    const h = JSON.stringify(await health());
    assert(!h.includes(secretPart) && !h.includes("also-secret"), "health does not show it");
  } finally {
    await viewer?.close().catch(() => {});
    await srv.close();
    await sql.end({ timeout: 5 });
    await bili.close();
    await scratch.drop();
    console.log = log;
    console.error = error;
  }
  assert(lines.some((l) => l.includes("bridge connecting")), "bridge lines were captured");
  assert(lines.some((l) => l.includes('"level":"debug"')), "at debug level");
  const leaks = lines.filter((l) => l.includes(secretPart) || l.includes("also-secret"));
  assert.deepEqual(leaks, [], "the cookie never appears in a log line");
});
