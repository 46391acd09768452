/**
 * The danmaku archive end to end, on real Postgres, MinIO and a started server:
 * - chat sent over the socket during a recording comes back from
 *   `GET /api/vod/:recordingId/danmaku` at its VOD offsets (a gap between segments skipped),
 *   a message hidden later by the LLM's verdict (`retract`) does not; pages follow `next`;
 *   bad input and unknown recordings get their stable codes;
 * - exactly once: a room actor passivated and re-activated mid-stream, and a write that
 *   committed but "failed" (retried), leave each message once.
 */
import assert from "node:assert/strict";
import { DanmakuArchiveWriter } from "../actors/room/danmaku_archive.ts";
import type { RoomEvent } from "../actors/room/contract.ts";
import type { SqlExecutor } from "../engine/sql/sql.ts";
import { openPostgresStore } from "../engine/sql/postgres_store.ts";
import { RecordingIndex } from "../actors/recording/recording_index.ts";
import { type ChatMessage, startFakeOpenAi } from "./helpers/fake_openai.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { startMediaServer } from "./helpers/media_server.ts";
import { startPostgresTestServer } from "./helpers/postgres_server.ts";
import { startTestServer } from "./helpers/server.ts";
import { segmentRow } from "./helpers/vod_fixture.ts";

const ROOM = "vodchat";
const isModeration = (messages: ChatMessage[]) =>
  String(messages[0]?.content).includes("moderate the live chat");

async function getJson(url: string) {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 10_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

Deno.test({
  name: "vod danmaku: chat replays at its VOD offsets, retracted left out, paged, coded errors",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const fake = startFakeOpenAi();
      cleanups.push(() => fake.close());
      fake.chatReply = (messages) =>
        isModeration(messages)
          ? JSON.stringify({ action: "hide", reason: "insults", category: "harassment" })
          : JSON.stringify({ answer: null, chunkId: null });
      const { server, db } = await startMediaServer(cleanups, {
        bucket: "vodchat",
        livekit: false,
        env: {
          LLM_BASE_URL: fake.url,
          LLM_MODEL: "test-model",
          LLM_API_KEY: "sk-test",
          LLM_TIMEOUT_MS: "3000",
        },
        roomOptions: { rateLimit: { burst: 100, refillPerSec: 100 } },
      });
      const sql = openPostgresStore(db.url, { max: 2 });
      cleanups.push(() => sql.close());
      const index = new RecordingIndex(sql);

      const { token } = await server.guest("chatter");
      const { viewer } = await TestViewer.join(server.wsUrl(ROOM), ROOM, token);
      cleanups.push(() => viewer.close());
      const danmakuOf = async (id: string) => {
        const f = await viewer.next(
          (f) =>
            f.type === "batch" && f.events.some((e: Frame) => e.t === "danmaku" && e.d.id === id),
          10_000,
        );
        return f.events.find((e: Frame) => e.t === "danmaku" && e.d.id === id).d as {
          id: string;
          at: number;
          text: string;
        };
      };
      const say = async (text: string, clientId: string) => {
        viewer.send({ type: "say", text, clientId });
        const ack = await viewer.next((f) => f.type === "ack" && f.clientId === clientId);
        return await danmakuOf(ack.id);
      };
      const sent: { id: string; at: number; text: string }[] = [];
      for (let i = 0; i < 6; i++) {
        sent.push(await say(`message number ${i} about the game`, `c${i}`));
        await new Promise((r) => setTimeout(r, 120));
      }
      fake.faults.push({ kind: "slow", delayMs: 200 });
      const bad = await say("you are so stupid", "cx");
      await viewer.next(
        (f) =>
          f.type === "batch" &&
          f.events.some((e: Frame) => e.t === "retract" && e.messageId === bad.id),
        10_000,
      );

      // The recording: segment 0 holds messages 0-2, a hole, segment 1 holds 3-5 and `bad`.
      const recordingId = "rec_chat_1";
      const s0 = sent[0].at - 1_000;
      const d0 = sent[2].at - s0 + 1;
      const s1 = sent[3].at - 10;
      const d1 = bad.at - s1 + 5_000;
      assert.ok(s1 > s0 + d0, "a hole between the segments");
      await index.upsertRecording({
        id: recordingId,
        roomId: ROOM,
        streamerId: null,
        source: "livekit",
        state: "recording",
        startedAt: s0,
      });
      for (const [seq, startAt, durationMs] of [[0, s0, d0], [1, s1, d1]]) {
        await index.putSegment(segmentRow({
          recordingId,
          seq,
          roomId: ROOM,
          key: `recordings/${ROOM}/${recordingId}/${seq}.ts`,
          startAt,
          durationMs,
        }));
      }
      const expected = sent.map((d, i) => ({
        id: d.id,
        text: d.text,
        offsetMs: i < 3 ? d.at - s0 : d0 + (d.at - s1),
      }));

      const base = `${server.url}/api/vod/${recordingId}/danmaku`;
      // archived a moment after the batch: wait for all of them (and the retraction)
      // (the retraction is checked before the read, so the read cannot predate it)
      const all = await waitFor("the archive", async () => {
        const rows = await sql.query<{ n: string }>(
          "SELECT count(*)::text AS n FROM danmaku_retractions WHERE message_id = $1",
          [bad.id],
        );
        if (rows[0].n !== "1") return undefined;
        const r = await getJson(`${base}?from=0&to=600000`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return r.body.danmaku.length >= sent.length ? r.body : undefined;
      });
      assert.deepEqual(
        all.danmaku.map((d: Frame) => ({ id: d.id, text: d.text, offsetMs: d.offsetMs })),
        expected,
      );
      assert.equal(all.roomId, ROOM);
      assert.equal(all.next, null);
      // archived, but hidden
      const raw = await sql.query<{ n: string }>(
        "SELECT count(*)::text AS n FROM danmaku_archive WHERE room_id = $1",
        [ROOM],
      );
      assert.equal(raw[0].n, String(sent.length + 1));
      assert.ok(!all.danmaku.some((d: Frame) => d.id === bad.id), "the retracted message");

      // A window after the hole: segment 1's messages only.
      const second = await getJson(`${base}?from=${d0}&to=${d0 + d1}`);
      assert.deepEqual(second.body.danmaku.map((d: Frame) => d.id), sent.slice(3).map((d) => d.id));
      const first = await getJson(`${base}?from=0&to=${d0}`);
      assert.deepEqual(
        first.body.danmaku.map((d: Frame) => d.id),
        sent.slice(0, 3).map((d) => d.id),
      );

      // Pages of 4: 4 + 2, the cursor carries on where the page stopped.
      const p1 = await getJson(`${base}?from=0&to=600000&limit=4`);
      assert.equal(p1.body.danmaku.length, 4);
      assert.equal(typeof p1.body.next, "string");
      const p2 = await getJson(
        `${base}?from=0&to=600000&limit=4&cursor=${encodeURIComponent(p1.body.next)}`,
      );
      assert.equal(p2.body.next, null);
      assert.deepEqual(
        [...p1.body.danmaku, ...p2.body.danmaku].map((d: Frame) => d.id),
        expected.map((d) => d.id),
      );

      // Errors.
      const codes: [string, number, string][] = [
        [`/api/vod/no_such_rec/danmaku`, 404, "recording_not_found"],
        [`/api/vod/bad.id/danmaku`, 400, "invalid_request"],
        [`${base.slice(server.url.length)}?from=abc`, 400, "invalid_request"],
        [`${base.slice(server.url.length)}?from=5000&to=5000`, 400, "invalid_request"],
        [`${base.slice(server.url.length)}?limit=5000`, 400, "invalid_request"],
        [`${base.slice(server.url.length)}?cursor=nonsense`, 400, "invalid_request"],
        [`${base.slice(server.url.length)}?from=0&to=99999999999`, 400, "invalid_request"],
        [`${base.slice(server.url.length)}?bogus=1`, 400, "invalid_request"],
      ];
      for (const [path, status, code] of codes) {
        const r = await getJson(`${server.url}${path}`);
        assert.equal(r.status, status, `${path}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, code, path);
      }
      // Past the end: nothing, no error.
      const past = await getJson(`${base}?from=${d0 + d1 + 1}&to=${d0 + d1 + 10_000}`);
      assert.equal(past.status, 200);
      assert.deepEqual(past.body.danmaku, []);
    } finally {
      for (const fn of cleanups.reverse()) await fn().catch(() => {});
    }
  },
});

Deno.test({
  name: "vod danmaku: a server without media answers media_disabled",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const srv = await startTestServer();
    try {
      const r = await getJson(`${srv.url}/api/vod/rec_x/danmaku?from=0&to=1000`);
      assert.equal(r.status, 503);
      assert.equal(r.body.error.code, "media_disabled");
    } finally {
      await srv.close();
    }
  },
});

const metric = async (url: string, name: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(" ").at(-1)) : 0;
};

Deno.test({
  name: "danmaku archive: exactly once across a room actor restart and a retried write",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const pg = await startPostgresTestServer({
      env: { ACTOR_IDLE_MS: "400" },
      roomOptions: { rateLimit: { burst: 100, refillPerSec: 100 }, ai: false },
    });
    try {
      const { srv, store } = pg;
      const actor = { userId: "u1", name: "one", kind: "user", roles: [] };
      const say = (text: string) =>
        srv.server.actors.ask<{ id: string }>("rooms", "restarts", { kind: "say", actor, text });
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push((await say(`before ${i}`)).id);
      // Nobody watches: the room passivates (its last batch goes out first) ...
      const before = await metric(srv.url, "synapse_actor_passivations_total");
      await waitFor(
        "the room to passivate",
        async () =>
          (await metric(srv.url, "synapse_actor_passivations_total")) > before ? true : undefined,
      );
      // ... and the next message activates it again: the stream goes on.
      for (let i = 0; i < 20; i++) ids.push((await say(`after ${i}`)).id);
      const tag = (id: string) => id.slice(0, id.lastIndexOf("-") + 1);
      assert.equal(new Set(ids.map(tag)).size, 2, "two activations of the room");
      const rows = await waitFor("the archive", async () => {
        const r = await store.query<{ id: string }>(
          "SELECT id FROM danmaku_archive WHERE room_id = 'restarts' ORDER BY at, id",
        );
        return r.length >= ids.length ? r : undefined;
      });
      assert.deepEqual(rows.map((r) => r.id).sort(), [...ids].sort());

      // A write that committed but whose answer was lost is retried: still once each. The
      // same batch recorded again (a second writer, a replay) adds nothing either.
      let failOnce = true;
      const flaky: SqlExecutor = {
        async query(text, params) {
          const out = await store.query(text, params);
          if (failOnce && text.startsWith("INSERT INTO danmaku_archive")) {
            failOnce = false;
            throw new Error("connection lost after commit");
          }
          return out as never;
        },
      };
      const writer = new DanmakuArchiveWriter(flaky, { flushDelayMs: 1 });
      const events: RoomEvent[] = Array.from({ length: 5 }, (_, i) => ({
        t: "danmaku",
        d: { id: `retry-${i}`, userId: "u2", name: "two", text: `t${i}`, at: Date.now() + i },
      }));
      writer.record("retried", events);
      writer.record("retried", events);
      assert.ok(await writer.flush(10_000));
      await writer.close();
      assert.equal(writer.stats().failures, 1);
      const again = await store.query<{ n: string }>(
        "SELECT count(*)::text AS n FROM danmaku_archive WHERE room_id = 'retried'",
      );
      assert.equal(again[0].n, "5");
      assert.ok((await metric(srv.url, "synapse_danmaku_archive_failures_total")) >= 1);
    } finally {
      await pg.close();
    }
  },
});
