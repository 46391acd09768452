/**
 * Fail-over of the durable actors of issue 15 on a real NATS cluster: a Bilibili bridge actor
 * and a room's AI co-host live on engine A; A is killed with kill -9 mid-reply. Engine B takes
 * A's partitions after the lease TTL, re-arms their durable alarms, and both come back by
 * themselves: the bridge reconnects to the Bilibili stand-in and keeps delivering into the
 * room; the co-host says `resumed` and answers what it had not finished, in order, starting
 * again the reply it was cut in.
 */
import assert from "node:assert/strict";
import { BRIDGE_ACTOR_TYPE, LINKS_ACTOR_TYPE } from "../actors/bridges/address.ts";
import { COHOST_ACTOR_TYPE, type CoHostOut } from "../actors/cohost/cohost_actor.ts";
import type { CoHostEvent } from "../actors/cohost/events.ts";
import { RoomClient } from "../actors/room/client.ts";
import { ActorClient } from "../engine/client.ts";
import { createLogger } from "../engine/log.ts";
import { partitionOf } from "../engine/partition.ts";
import { NatsTransport } from "../engine/transport_nats.ts";
import { commandPacket, danmuMsg, startBilibiliServer } from "./helpers/bilibili_server.ts";
import {
  CLUSTER_LEASE_TTL_MS,
  CLUSTER_PARTITIONS,
  startTestCluster,
  until,
} from "./helpers/cluster.ts";
import { startFakeOpenAi } from "./helpers/fake_openai.ts";

Deno.test({
  name: "cluster: kill -9 the engine of a bridge and a co-host; both come back on the survivor",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const bili = startBilibiliServer();
    const llm = startFakeOpenAi();
    llm.streamDelayMs = 150;
    llm.chatReply = (messages) => {
      const last = String(messages[messages.length - 1].content).split(": ").pop();
      return `About ${last}, let me think for a while now. That is all.`;
    };
    const c = await startTestCluster();
    const env = {
      BILIBILI_LIVE_API: bili.baseUrl,
      BILIBILI_API: bili.baseUrl,
      BILIBILI_WS_SCHEME: "ws",
      BILIBILI_HEARTBEAT_MS: "500",
      BRIDGE_REVIVE_MS: "1000",
      LLM_BASE_URL: llm.url,
      LLM_MODEL: "fake",
      LLM_API_KEY: "k",
      COHOST_TTS: "off",
    };
    const watch = await NatsTransport.connect({
      servers: c.nats.url,
      name: "test-watch",
      log: createLogger({ test: "watch" }, "error"),
    });
    try {
      const [fa, fb] = await Promise.all([
        c.start("engine", "fa", env),
        c.start("engine", "fb", env),
      ]);
      const admin = await c.admin();
      const view = await admin.settled(2, 30_000, "two engines own every partition");
      // Linking reaches the Bilibili stand-in over HTTP: generous on a loaded machine.
      const client = new ActorClient(watch, {
        partitions: CLUSTER_PARTITIONS,
        timeoutMs: 20_000,
        retries: 3,
      });
      const rooms = new RoomClient(client);
      const ask = <T>(type: string, id: string, msg: unknown) => client.ask<T>(type, id, msg);

      // A bridge (its actor lives where its link id's partition is: that engine dies).
      const room = "bridged-room";
      const request = { platform: "bilibili", roomId: bili.shortId };
      let linkId = await ask<{ link: { id: string } }>(LINKS_ACTOR_TYPE, room, {
        kind: "link",
        request,
      }).then((r) => r.link.id, () => "");
      if (!linkId) {
        // Linking connects to the stand-in first; on a loaded machine that may outlast the ask:
        // the link is then listed all the same.
        await until(
          async () => {
            const list = await ask<{ links: { id: string }[] }>(LINKS_ACTOR_TYPE, room, {
              kind: "list",
            });
            linkId = list.links[0]?.id ?? "";
            return linkId !== "";
          },
          30_000,
          "the link is listed",
        );
      }
      const doomed = view.partitionTable[partitionOf(linkId, CLUSTER_PARTITIONS)].owner ?? "fa";
      const a = doomed === "fa" ? fa : fb;
      await until(() => bili.sockets.length === 1, 30_000, "bridge connected");
      const bridgedTexts = async () =>
        (await rooms.window(room, { from: 0, to: Date.now() + 60_000, limit: 100 })).danmaku
          .map((d) => d.text);
      bili.send(commandPacket(danmuMsg(21, "远方", "before the crash")));
      await until(
        async () => (await bridgedTexts()).includes("before the crash"),
        20_000,
        "bridged before",
      );

      // A co-host on the same engine with a queue: one answering, three waiting.
      const host = c.roomOwnedBy(view, doomed, "co");
      const events: CoHostEvent[] = [];
      watch.subscribe(`cohost.out.${host}`, (m) => {
        const out = JSON.parse(new TextDecoder().decode(m.data)) as CoHostOut;
        events.push(...out.events);
      });
      await ask(COHOST_ACTOR_TYPE, host, {
        kind: "configure",
        persona: { enabled: true, language: "en", voice: false },
      });
      const texts = ["q1", "q2", "q3", "q4"];
      for (const [i, text] of texts.entries()) {
        await ask(COHOST_ACTOR_TYPE, host, {
          kind: "input",
          input: {
            id: `in-${i}`,
            origin: "proxy",
            user: { id: "streamer", name: "streamer" },
            text,
            at: Date.now(),
            trusted: true,
          },
        });
      }
      await until(
        () =>
          events.some((e) => e.op === "taken" && e.input.text === "q1") &&
          events.some((e) => e.op === "delta"),
        20_000,
        "the co-host is answering q1",
      );
      const takenBefore = events.filter((e) => e.op === "taken").length;

      a.signal("SIGKILL");
      assert.equal(await a.exited, 137);
      await admin.settled(1, CLUSTER_LEASE_TTL_MS * 3 + 10_000, "B took every partition");

      // The co-host comes back by itself (nobody sends it anything) and answers on, in order.
      await until(
        () => events.some((e) => e.op === "resumed"),
        40_000,
        "the co-host resumed on B",
      );
      const resumed = events.find((e) => e.op === "resumed")!;
      assert(resumed.op === "resumed");
      const unfinished = texts.length - takenBefore + 1; // the reply cut by the crash, and after
      assert.equal(resumed.count, unfinished);
      await until(
        () => events.filter((e) => e.op === "end" && e.reason === "done").length >= unfinished,
        60_000,
        "the resumed inputs answered",
      );
      const after = events.slice(events.indexOf(resumed));
      const taken = after.flatMap((e) => e.op === "taken" ? [e.input.text] : []);
      assert.deepEqual(taken, texts.slice(takenBefore - 1));
      const turns = after.flatMap((e) => e.op === "taken" ? [e.turn] : []);
      assert(turns[0] > takenBefore - 1, `turn numbers go on (${turns})`);
      const status = await ask<{ queue: unknown[]; state: string }>(COHOST_ACTOR_TYPE, host, {
        kind: "status",
      });
      assert.deepEqual(status.queue, []);

      // The bridge is back on B, connected again, and keeps delivering into the room.
      await until(
        async () => {
          const h = await ask<{ active: boolean; platform: { connected: boolean } | null }>(
            BRIDGE_ACTOR_TYPE,
            linkId,
            { kind: "health" },
          ).catch(() => null);
          return h?.active === true && h.platform?.connected === true && bili.sockets.length >= 1;
        },
        40_000,
        "bridge revived and reconnected on B",
      );
      bili.send(commandPacket(danmuMsg(21, "远方", "after the crash")));
      await until(
        async () => (await bridgedTexts()).includes("after the crash"),
        20_000,
        "bridged after the fail-over",
      );
    } finally {
      await watch.close();
      await c.close();
      await llm.close();
      await bili.close();
    }
  },
});
