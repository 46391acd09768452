/**
 * PK battles in a cluster (two engines, one edge, NATS, Postgres): room A's streamer invites
 * live room B, a fan cannot accept for B, B's streamer accepts; fans gift on both sides; the
 * coordinator's scores follow each room's own ledger; the engine owning the coordinator is
 * killed with SIGKILL; the round goes on on the survivor (more gifts counted), A's streamer
 * ends it; the final scores equal the ledgers' totals for the round (Postgres), the winner and
 * top gifters are announced to both rooms and recorded once (`pk_battles`). Then a 30 s
 * round ends by itself (a draw), and another battle ends when a side's stream goes offline.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { partitionOf } from "../engine/partition.ts";
import {
  CLUSTER_LEASE_TTL_MS,
  CLUSTER_PARTITIONS,
  startTestCluster,
  until,
} from "./helpers/cluster.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { callJson as call } from "./helpers/http.ts";

Deno.test({
  name: "cluster PK: gifts on both sides, scores = ledgers, survives kill -9 of its engine",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const c = await startTestCluster();
    const viewers: TestViewer[] = [];
    const sql = postgres(c.databaseUrl, { max: 2, onnotice: () => {} });
    try {
      const [, , edge] = await Promise.all([
        c.start("engine", "k1"),
        c.start("engine", "k2"),
        c.start("edge", "edge-pk"),
      ]);
      const admin = await c.admin();
      await admin.settled(2, 30_000, "two engines own every partition");
      const base = edge.url;
      const api = (path: string, token?: string, json?: unknown) =>
        call(base, `/api${path}`, { token, json });
      const register = async (username: string) => {
        const r = await api("/auth/register", undefined, {
          username,
          password: "correct horse battery",
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        return { token: r.body.accessToken as string, id: r.body.user.id as string };
      };
      const hostA = await register("pk_host_a");
      const hostB = await register("pk_host_b");
      const fanA = await register("pk_fan_a");
      const fanB = await register("pk_fan_b");
      for (const [host, id] of [[hostA, "pk-a"], [hostB, "pk-b"]] as const) {
        assert.equal((await api("/rooms", host.token, { id, title: id })).status, 201);
      }
      for (const fan of [fanA, fanB]) {
        const t = await api("/wallet/topup", fan.token, {
          amount: "100000",
          idempotencyKey: `topup-${fan.id}`,
        });
        assert.equal(t.status, 201, JSON.stringify(t.body));
      }
      // Both rooms go live (as the media wiring tells a room, inside the internal envelope).
      const live = (roomId: string, state: "live" | "offline", streamerId: string) =>
        admin.client.ask("rooms", roomId, {
          kind: "internal",
          cmd: {
            kind: "stream",
            state,
            eventId: `EV_${roomId}_${state}_${Date.now()}`,
            at: Date.now(),
            source: "webrtc",
            streamerId,
          },
        });
      await live("pk-a", "live", hostA.id);
      await live("pk-b", "live", hostB.id);

      // Sockets: each fan in its room (gifts), B's streamer watches its room.
      const join = async (roomId: string, token: string) => {
        const { viewer } = await TestViewer.join(c.wsUrl(edge, roomId), roomId, token);
        viewers.push(viewer);
        return viewer;
      };
      const fanAWs = await join("pk-a", fanA.token);
      const fanBWs = await join("pk-b", fanB.token);
      const hostBWs = await join("pk-b", hostB.token);
      let giftN = 0;
      /** Sends a gift and answers its amount once the ledger committed it. */
      const gift = async (ws: TestViewer, giftId: string, count: number): Promise<bigint> => {
        const clientId = `g${++giftN}`;
        for (let attempt = 0;; attempt++) {
          ws.send({ type: "gift", giftId, count, idempotencyKey: `pk-gift-${giftN}`, clientId });
          const f = await ws.next((f) => f.clientId === clientId, 30_000);
          ws.frames.splice(ws.frames.indexOf(f), 1);
          if (f.type === "gift_ok") return BigInt(f.result.amount);
          // a room moving to the survivor answers room_unavailable: the same key again
          assert.ok(attempt < 20 && f.code === "room_unavailable", JSON.stringify(f));
          await new Promise((r) => setTimeout(r, 500));
        }
      };

      // A invites B; a fan cannot accept for B; B's streamer can.
      const fanInvite = await api("/pk", fanA.token, { from: "pk-a", to: "pk-b" });
      assert.equal(fanInvite.status, 403);
      const invite = await api("/pk", hostA.token, { from: "pk-a", to: "pk-b", durationSec: 600 });
      assert.equal(invite.status, 201, JSON.stringify(invite.body));
      const pkId: string = invite.body.pkId;
      assert.equal(invite.body.status, "invited");
      await hostBWs.next((f) =>
        f.type === "batch" &&
        f.events.some((e: Frame) => e.t === "pk" && e.pk.pkId === pkId), 15_000);
      const forged = await api(`/pk/${pkId}/accept`, fanB.token, {});
      assert.equal(forged.status, 403, JSON.stringify(forged.body));
      assert.equal(forged.body.error.code, "forbidden");
      const accepted = await api(`/pk/${pkId}/accept`, hostB.token, {});
      assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
      assert.equal(accepted.body.status, "running");

      // Gifts on both sides; the scores follow.
      let sentA = 0n;
      let sentB = 0n;
      sentA += await gift(fanAWs, "star", 2);
      sentB += await gift(fanBWs, "coffee", 3);
      sentA += await gift(fanAWs, "heart", 1);
      const scores = async (a: bigint, b: bigint) => {
        let last: Frame = {};
        await until(
          async () => {
            last = (await api(`/pk/${pkId}`)).body;
            return last.a?.score === a.toString() && last.b?.score === b.toString();
          },
          30_000,
          `scores ${a}/${b}`,
        );
        return last;
      };
      await scores(sentA, sentB);

      // Kill -9 the engine that owns the coordinator.
      let view = await admin.view();
      const owner = view.partitionTable[partitionOf(pkId, CLUSTER_PARTITIONS)].owner!;
      const victim = c.nodes.find((n) => n.id === owner)!;
      victim.signal("SIGKILL");
      assert.equal(await victim.exited, 137);
      view = await admin.settled(1, CLUSTER_LEASE_TTL_MS * 3 + 10_000, "the survivor owns all");

      // The round goes on on the survivor: more gifts, counted.
      sentB += await gift(fanBWs, "star", 3);
      sentA += await gift(fanAWs, "rose", 7);
      const after = await scores(sentA, sentB);
      assert.equal(after.status, "running");

      // A's streamer ends it; the result is the ledgers' totals for the round.
      const ended = await api(`/pk/${pkId}/end`, hostA.token, {});
      assert.equal(ended.status, 200, JSON.stringify(ended.body));
      let final: Frame = {};
      await until(
        async () => (final = (await api(`/pk/${pkId}`)).body).status === "ended",
        30_000,
        "the round ended",
      );
      const total = async (roomId: string) => {
        const [r] = await sql`SELECT coalesce(sum(amount), 0)::text AS s FROM gifts
          WHERE room_id = ${roomId} AND created_at >= ${new Date(final.startedAt)}
            AND created_at < ${new Date(final.endedAt)}`;
        return r.s as string;
      };
      assert.equal(final.a.score, await total("pk-a"));
      assert.equal(final.b.score, await total("pk-b"));
      assert.equal(final.a.score, sentA.toString());
      assert.equal(final.b.score, sentB.toString());
      assert.equal(final.winner, sentA > sentB ? "a" : sentB > sentA ? "b" : "draw");
      assert.equal(final.reason, "ended");
      assert.equal(final.by, hostA.id);
      assert.deepEqual(final.a.top.map((t: Frame) => [t.userId, t.amount]), [
        [fanA.id, sentA.toString()],
      ]);
      // Recorded once, and both rooms were told.
      const rows = await sql`SELECT score_a::text, score_b::text, winner FROM pk_battles
        WHERE id = ${pkId}`;
      assert.deepEqual(rows.map((r) => [r.score_a, r.score_b, r.winner]), [
        [final.a.score, final.b.score, final.winner],
      ]);
      for (const ws of [fanAWs, hostBWs]) {
        await ws.next((f) =>
          f.type === "batch" &&
          f.events.some((e: Frame) =>
            e.t === "pk" && e.pk.pkId === pkId && e.pk.status === "ended" &&
            e.pk.a.score === final.a.score
          ), 30_000);
      }
      const history = await api("/rooms/pk-b/pk/history");
      assert.deepEqual(history.body.battles.map((b: Frame) => b.pkId), [pkId]);

      // A short round ends by itself when its time is up: no gifts, a draw, recorded.
      const timed = await api("/pk", hostA.token, { from: "pk-a", to: "pk-b", durationSec: 30 });
      assert.equal(timed.status, 201, JSON.stringify(timed.body));
      assert.equal((await api(`/pk/${timed.body.pkId}/accept`, hostB.token, {})).status, 200);
      let over: Frame = {};
      await until(
        async () => (over = (await api(`/pk/${timed.body.pkId}`)).body).status === "ended",
        90_000,
        "the timed round ended",
      );
      assert.deepEqual([over.reason, over.winner, over.endedAt], ["time", "draw", over.endsAt]);
      const timedRows = await sql`SELECT reason FROM pk_battles WHERE id = ${timed.body.pkId}`;
      assert.deepEqual(timedRows.map((r) => r.reason), ["time"]);

      // Another battle: B's stream goes offline, the battle ends.
      const second = await api("/pk", hostB.token, { from: "pk-b", to: "pk-a", durationSec: 60 });
      assert.equal(second.status, 201, JSON.stringify(second.body));
      assert.equal((await api(`/pk/${second.body.pkId}/accept`, hostA.token, {})).status, 200);
      await live("pk-b", "offline", hostB.id);
      let gone: Frame = {};
      await until(
        async () => (gone = (await api(`/pk/${second.body.pkId}`)).body).status === "ended",
        30_000,
        "the second battle ended when B went offline",
      );
      assert.equal(gone.reason, "offline");
      assert.equal(gone.by, "pk-b");
    } finally {
      await Promise.all(viewers.map((v) => v.close().catch(() => {})));
      await sql.end();
      await c.close();
    }
  },
});
