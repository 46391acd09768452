/**
 * One run of the bridged-vs-native latency benchmark: an embedded engine (room actor with the
 * production tick, bridge and links actors, Deno KV state) and a local Bilibili-protocol
 * server. Every `PACE_MS` one DANMU_MSG frame goes out from the Bilibili server and one native
 * `say` through the room client; each is timed until its danmaku appears in a batch on
 * `rooms.out.{roomId}`.
 */
import { bridgeActorType } from "../../../actors/bridges/bridge_actor.ts";
import { linksActorType } from "../../../actors/bridges/links_actor.ts";
import { LINKS_ACTOR_TYPE } from "../../../actors/bridges/address.ts";
import { RoomClient } from "../../../actors/room/client.ts";
import { type RoomBatch, roomOutSubject } from "../../../actors/room/contract.ts";
import { roomActorType } from "../../../actors/room/room_actor.ts";
import { parseConfig } from "../../../edge/wiring/config.ts";
import { startEmbeddedEngine } from "../../../engine/embedded.ts";
import { createLogger } from "../../../engine/log.ts";
import { DenoKvStateStore } from "../../../engine/state_store_denokv.ts";
import { commandPacket, danmuMsg, startBilibiliServer } from "../../helpers/bilibili_server.ts";
import { LatencyHistogram } from "./stats.ts";

const MESSAGES = Number(Deno.env.get("BRIDGES_MESSAGES") ?? 300);
const PACE_MS = 5;

export interface LatencyRun {
  messages: number;
  bridged: { p50: number; p99: number; seen: number };
  native: { p50: number; p99: number; seen: number };
}

export async function bridgedLatency(): Promise<LatencyRun> {
  const dir = await Deno.makeTempDir({ prefix: "bench_bridges_" });
  const bili = startBilibiliServer();
  const config = parseConfig({
    BILIBILI_LIVE_API: bili.baseUrl,
    BILIBILI_API: bili.baseUrl,
    BILIBILI_WS_SCHEME: "ws",
  });
  const store = await DenoKvStateStore.open(`${dir}/state.kv`);
  const log = createLogger({ bench: "bridges" }, "error");
  const engine = await startEmbeddedEngine({
    store,
    log,
    types: [
      roomActorType({ tickMs: config.ROOM_TICK_MS, ai: false }),
      bridgeActorType({
        config,
        secrets: null,
        sink: {
          deliver: (room, link, events, reach) =>
            new RoomClient(reach).bridged(room, link, events).then(() => {}),
        },
      }),
      linksActorType({ secrets: null, maxLinks: 2 }),
    ],
  });
  const rooms = new RoomClient(engine.client);
  const roomId = "bench";
  const sentAt = new Map<string, number>();
  const hist = { bridged: new LatencyHistogram(), native: new LatencyHistogram() };
  const sub = engine.transport.subscribe(roomOutSubject(roomId), (m) => {
    const now = performance.now();
    const batch = JSON.parse(new TextDecoder().decode(m.data)) as RoomBatch;
    for (const e of batch.events) {
      if (e.t !== "danmaku") continue;
      const t0 = sentAt.get(e.d.text);
      if (t0 === undefined) continue;
      sentAt.delete(e.d.text);
      (e.d.via ? hist.bridged : hist.native).record(now - t0);
    }
  });
  try {
    await engine.client.ask(LINKS_ACTOR_TYPE, roomId, {
      kind: "link",
      request: { platform: "bilibili", roomId: bili.shortId },
    });
    while (bili.sockets.length === 0) await new Promise((r) => setTimeout(r, 10));
    await rooms.info(roomId);
    for (let i = 0; i < MESSAGES; i++) {
      const b = `b ${i}`;
      const n = `n ${i}`;
      sentAt.set(b, performance.now());
      bili.send(commandPacket(danmuMsg(10_000 + i, `远方${i}`, b)));
      sentAt.set(n, performance.now());
      rooms.say(roomId, { userId: `u${i}`, name: `user${i}`, kind: "user", roles: [] }, n)
        .catch(() => {});
      await new Promise((r) => setTimeout(r, PACE_MS));
    }
    const deadline = performance.now() + 10_000;
    while (sentAt.size > 0 && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    sub.unsubscribe();
    await engine.close();
    store.close();
    await bili.close();
    await Deno.remove(dir, { recursive: true });
  }
  const q = (h: LatencyHistogram) => ({
    p50: h.quantile(0.5),
    p99: h.quantile(0.99),
    seen: h.count,
  });
  return { messages: MESSAGES, bridged: q(hist.bridged), native: q(hist.native) };
}
