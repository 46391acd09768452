/**
 * Notification e-mail end to end against Mailpit (a real SMTP server, its HTTP API lists what
 * arrived) and real Postgres:
 * - a follower sets and verifies their address through the API (the link arrives by mail);
 * - the streamer's room goes live (the room actor's one `stream.started` event): the verified
 *   follower gets the "is live" mail with RFC 8058 headers, a follower who switched e-mail off
 *   for `live` gets none (but the inbox row), an unverified one none;
 * - the mail's one-click unsubscribe (a POST of `List-Unsubscribe=One-Click` to the header's
 *   URL) turns that switch off: the next live gets no mail; a forged link is refused;
 * - a server killed (SIGKILL) in the middle of a fan-out to 40 verified followers and started
 *   again sends nobody the mail twice.
 */
import assert from "node:assert/strict";
import { RoomClient } from "../actors/room/client.ts";
import { eventId } from "../actors/webhooks/events.ts";
import { WebhookStore } from "../actors/webhooks/store.ts";
import { createRoom } from "../edge/accounts/rooms.ts";
import { signUp } from "./helpers/accounts_app.ts";
import { createScratchDatabase } from "./helpers/db.ts";
import { makeUser } from "./helpers/economy_fixtures.ts";
import { freeTcpPort } from "./helpers/go_tools.ts";
import { callJson } from "./helpers/http.ts";
import { type Mailpit, startMailpit } from "./helpers/mailpit.ts";
import { startPostgresTestServer } from "./helpers/postgres_server.ts";
import { startServerProcess, TEST_AUTH_SECRET } from "./helpers/server.ts";
import { waitForValue } from "./helpers/wait.ts";
import { openPostgresStore } from "../engine/sql/postgres_store.ts";

const mailsTo = async (mp: Mailpit, address: string, subject?: RegExp) =>
  (await mp.messages()).filter((m) =>
    m.To.some((t) => t.Address === address) && (!subject || subject.test(m.Subject))
  );

async function put(base: string, path: string, token: string, json: unknown) {
  const res = await fetch(`${base}${path}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(json),
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("notifications e-mail: verified follower mailed when live, preferences and one-click unsubscribe respected", async () => {
  const mp = await startMailpit();
  const port = await freeTcpPort();
  const { srv, store, close } = await startPostgresTestServer({
    env: {
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      SMTP_URL: mp.smtpUrl,
      SMTP_FROM: "Synapse Live <no-reply@synapse.test>",
      NOTIFY_LIVE_COOLDOWN_S: "0",
    },
  });
  try {
    const streamer = await signUp(srv, `st_${Date.now().toString(36)}`);
    const room = await createRoom(store, streamer.id, {
      title: "Evening piano",
      category: "music",
      coverUrl: null,
      guestChat: true,
    });
    const fans = [];
    for (const name of ["fa", "fb", "fc", "fd"]) {
      const fan = await signUp(srv, `${name}_${Date.now().toString(36)}`);
      const r = await callJson(srv.url, `/api/users/${streamer.id}/follow`, {
        token: fan.token,
        json: {},
      });
      assert.ok(r.status === 200 || r.status === 201, JSON.stringify(r.body));
      fans.push({ ...fan, email: `${name}-${fan.id}@example.com`.toLowerCase() });
    }
    const [a, b, c, d] = fans;
    // d reads Chinese (the web client's language switch sends it here); the others English
    // (sign-up without Accept-Language).
    const zh = await put(srv.url, "/api/me/language", d.token, { language: "zh-CN" });
    assert.equal(zh.body.user?.language, "zh-CN", JSON.stringify(zh.body));

    // a and b verify their addresses through the link that arrives by mail; c never does.
    for (const f of fans) {
      const r = await callJson(srv.url, "/api/notifications/email", {
        token: f.token,
        json: { email: f.email },
      });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      assert.equal(r.body.email.verified, false);
    }
    for (const f of [a, b, d]) {
      const [mail] = await waitForValue("verification mail", async () => {
        const got = await mailsTo(mp, f.email, f === d ? /^确认你的邮箱$/ : /^Confirm/);
        return got.length ? got : undefined;
      });
      const { text } = await mp.message(mail.ID);
      const link = /(http:\/\/\S+\/api\/notifications\/email\/verify\?token=\S+)/.exec(text)?.[1];
      assert.ok(link, text);
      const res = await fetch(link);
      assert.equal(res.status, 200, await res.text());
    }
    const again = await callJson(srv.url, "/api/notifications/email", { token: a.token, json: {} });
    assert.deepEqual([again.status, again.body.error?.code], [429, "rate_limited"]);
    const prefsA = await callJson(srv.url, "/api/notifications/preferences", { token: a.token });
    assert.deepEqual(prefsA.body.email, { available: true, address: a.email, verified: true });
    assert.equal(prefsA.body.preferences.live.email, true);
    // b turns "live" e-mail off.
    const off = await put(srv.url, "/api/notifications/preferences", b.token, {
      changes: [{ kind: "live", channel: "email", enabled: false }],
    });
    assert.equal(off.status, 200);
    assert.equal(off.body.preferences.live.email, false);
    const bad = await put(srv.url, "/api/notifications/preferences", b.token, {
      changes: [{ kind: "live", channel: "pigeon", enabled: false }],
    });
    assert.deepEqual([bad.status, bad.body.error?.code], [400, "invalid_request"]);

    // The room goes live: its actor emits one stream.started event.
    const rooms = new RoomClient(srv.server.actors);
    const goLive = (at: number) =>
      rooms.stream(room.id, { state: "live", eventId: `live:${at}`, at, source: "room" });
    const goOffline = (at: number) =>
      rooms.stream(room.id, { state: "offline", eventId: `off:${at}`, at, source: "room" });
    await goLive(Date.now());
    const [liveMail] = await waitForValue("the live mail to a", async () => {
      const got = await mailsTo(mp, a.email, /is live/);
      return got.length ? got : undefined;
    });
    // Everyone has the inbox row (the bell), whatever their e-mail.
    for (const f of fans) {
      await waitForValue("inbox row", async () => {
        const r = await callJson(srv.url, "/api/notifications", { token: f.token });
        return r.body.notifications?.[0]?.kind === "live" ? true : undefined;
      });
    }
    const { text, headers } = await mp.message(liveMail.ID);
    assert.match(text, /Evening piano/);
    assert.match(text, new RegExp(`/r/${room.id}`));
    const listUnsub = headers["List-Unsubscribe"]?.[0] ?? "";
    assert.equal(headers["List-Unsubscribe-Post"]?.[0], "List-Unsubscribe=One-Click");
    const unsubUrl = /^<(http:\/\/127\.0\.0\.1:\d+\/api\/notifications\/unsubscribe\?token=[^>]+)>$/
      .exec(listUnsub)?.[1];
    assert.ok(unsubUrl, listUnsub);
    assert.ok(text.includes(unsubUrl), "the body shows the same link");
    assert.equal((await mailsTo(mp, b.email, /is live/)).length, 0, "b switched live mail off");
    // Each in their own language only: a's mail has no Chinese, d's no English.
    assert.doesNotMatch(liveMail.Subject + text, /\p{Script=Han}/u);
    const [zhMail] = await waitForValue("the live mail to d", async () => {
      const got = await mailsTo(mp, d.email, /开播了$/);
      return got.length ? got : undefined;
    });
    assert.doesNotMatch(zhMail.Subject, /is live/);
    const zhText = (await mp.message(zhMail.ID)).text;
    assert.match(zhText, /退订此类邮件: http/);
    assert.doesNotMatch(zhText, /Unsubscribe|Notification settings/);
    assert.equal((await mailsTo(mp, c.email)).length, 1, "c: the verification mail only");

    // The GET shows a page with a button (no change); a forged token is refused.
    const pageRes = await fetch(unsubUrl);
    assert.equal(pageRes.status, 200);
    assert.match(await pageRes.text(), /<form method="post"/);
    assert.equal(
      (await callJson(srv.url, "/api/notifications/preferences", { token: a.token })).body
        .preferences.live.email,
      true,
    );
    const forged = unsubUrl.replace(/.(.)$/, (_m, last) => (last === "A" ? "BB" : "AA"));
    const forgedRes = await fetch(forged, { method: "POST" });
    assert.equal(forgedRes.status, 400);
    await forgedRes.body?.cancel();
    // RFC 8058: the mail client POSTs List-Unsubscribe=One-Click to the header's URL.
    const one = await fetch(unsubUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    assert.equal(one.status, 200);
    await one.body?.cancel();
    const after = await callJson(srv.url, "/api/notifications/preferences", { token: a.token });
    assert.equal(after.body.preferences.live.email, false);
    assert.equal(after.body.preferences.recording_ready.email, true, "only that kind");

    // Offline and live again: a has the second inbox row but no second mail.
    await goOffline(Date.now());
    await goLive(Date.now() + 1);
    await waitForValue("second inbox row for a", async () => {
      const r = await callJson(srv.url, "/api/notifications", { token: a.token });
      return r.body.notifications?.length === 2 ? true : undefined;
    });
    await waitForValue("every send of the second live settled", async () => {
      const [row] = await store.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM notification_sends
         WHERE status IN ('queued', 'claimed', 'sending')`,
      );
      return Number(row.n) === 0 ? true : undefined;
    });
    assert.equal((await mailsTo(mp, a.email, /is live/)).length, 1);
    const inbox = await callJson(srv.url, "/api/notifications", { token: a.token });
    assert.equal(inbox.body.unread, 2);
    const read = await callJson(srv.url, "/api/notifications/read", { token: a.token, json: {} });
    assert.equal(read.body.unread, 0);
  } finally {
    await close();
    await mp.stop();
  }
});

Deno.test("notifications e-mail: a server killed mid fan-out and started again mails nobody twice", async () => {
  const mp = await startMailpit();
  const scratch = await createScratchDatabase();
  const store = openPostgresStore(scratch.url, { max: 2 });
  const env = {
    DATABASE_URL: scratch.url,
    AUTH_SECRET: TEST_AUTH_SECRET,
    SMTP_URL: mp.smtpUrl,
    // Slow enough that the kill lands mid fan-out on any machine.
    NOTIFY_EMAIL_PER_SEC: "4",
    NOTIFY_PAGE_SIZE: "10",
  };
  let proc = await startServerProcess([], env);
  try {
    const streamerId = await makeUser(store, "s");
    const room = await createRoom(store, streamerId, {
      title: "Crash test",
      category: "music",
      coverUrl: null,
      guestChat: true,
    });
    const addresses = new Map<string, string>();
    for (let i = 0; i < 40; i++) {
      const id = await makeUser(store, "f");
      addresses.set(`f${i}-${id}@example.com`.toLowerCase(), id);
      await store.query(
        "UPDATE users SET email = $2, email_verified = true WHERE id = $1",
        [id, `f${i}-${id}@example.com`.toLowerCase()],
      );
      await store.query("INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)", [
        id,
        streamerId,
      ]);
    }
    // The event as the room's outbox writes it.
    const at = Date.now();
    const event = {
      type: "stream.started" as const,
      key: `${room.id}@${at}`,
      roomId: room.id,
      at,
      data: { roomId: room.id },
    };
    await new WebhookStore(store).insertEvents([{
      id: await eventId(event.type, event.key),
      event,
    }]);

    await waitForValue(
      "some mails out",
      async () => (await mp.messages()).length >= 8 || undefined,
      {
        timeoutMs: 120_000,
      },
    );
    await proc.stop("SIGKILL");
    const atKill = (await mp.messages()).length;
    assert.ok(atKill < 40, `killed mid fan-out (${atKill} mails out)`);

    proc = await startServerProcess([], env);
    // Claims of the dead process expire (60 s lease), then everything settles.
    await waitForValue("every send settled", async () => {
      const [row] = await store.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM notification_sends
         WHERE status IN ('queued', 'claimed', 'sending')`,
      );
      return Number(row.n) === 0 ? true : undefined;
    }, { timeoutMs: 240_000, stepMs: 500 });
    const got = new Map<string, number>();
    for (const m of await mp.messages()) {
      for (const t of m.To) got.set(t.Address, (got.get(t.Address) ?? 0) + 1);
    }
    for (const [address, n] of got) assert.equal(n, 1, `${address} mailed ${n} times`);
    const rows = await store.query<{ status: string; email: string }>(
      `SELECT s.status, u.email FROM notification_sends s
       JOIN notifications n ON n.id = s.notification_id JOIN users u ON u.id = n.user_id`,
    );
    const byStatus = (status: string) => rows.filter((r) => r.status === status);
    const sent = byStatus("sent");
    const uncertain = byStatus("uncertain");
    // Nothing lost or left queued: every send went out or was left uncertain by the kill.
    assert.equal(sent.length + uncertain.length, 40, JSON.stringify(rows.map((r) => r.status)));
    // Every send recorded as sent arrived (once, above); every mail that arrived is a sent
    // one or an uncertain one (the kill can land after the SMTP server took a mail and before
    // its row said so: that row is uncertain and never sent again).
    for (const r of sent) assert.ok(got.has(r.email), `${r.email} recorded sent, never mailed`);
    const known = new Set([...sent, ...uncertain].map((r) => r.email));
    for (const address of got.keys()) assert.ok(known.has(address), `${address} mailed unasked`);
    assert.ok(uncertain.length <= 4, `at most one round in flight lost: ${uncertain.length}`);
    assert.ok(got.size > atKill, "the second process carried on");
  } finally {
    await proc.stop();
    await store.close();
    await scratch.drop();
    await mp.stop();
  }
});
