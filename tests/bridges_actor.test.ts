/**
 * Bridge actors in the engine: linking a Bilibili room starts one bridge actor per link whose
 * events reach the room's sink, tagged with the link; unlinking stops it; a link with a cookie
 * is refused without a secret key and sealed with one; a bridge comes back by itself after a
 * process restart (its revival alarm).
 */
import assert from "node:assert/strict";
import { bridgeActorType, type BridgeHealth } from "../actors/bridges/bridge_actor.ts";
import { parseConfig } from "../edge/wiring/config.ts";
import type { BridgeEvent } from "../actors/bridges/events.ts";
import { linksActorType } from "../actors/bridges/links_actor.ts";
import { LINKS_ACTOR_TYPE } from "../actors/bridges/address.ts";
import { SecretBox } from "../actors/bridges/secret_box.ts";
import { startEmbeddedEngine } from "../engine/embedded.ts";
import { createLogger } from "../engine/log.ts";
import { DenoKvStateStore } from "../engine/state_store_denokv.ts";
import { commandPacket, danmuMsg, startBilibiliServer } from "./helpers/bilibili_server.ts";
import { waitForValue } from "./helpers/wait.ts";

const waitFor = (what: string, cond: () => boolean) =>
  waitForValue(what, () => Promise.resolve(cond() ? true : undefined), { stepMs: 20 });

const log = createLogger({ test: "bridges_actor" }, "warn");

async function world(dir: string, baseUrl: string, key?: string) {
  const config = parseConfig({
    BILIBILI_LIVE_API: baseUrl,
    BILIBILI_API: baseUrl,
    BILIBILI_WS_SCHEME: "ws",
    BILIBILI_HEARTBEAT_MS: "200",
    BRIDGE_REVIVE_MS: "150",
    BRIDGE_SECRET_KEY: key,
  });
  const secrets = SecretBox.fromBase64(config.BRIDGE_SECRET_KEY);
  const delivered: { roomId: string; linkId: string; events: BridgeEvent[] }[] = [];
  const store = await DenoKvStateStore.open(`${dir}/state.kv`);
  const engine = await startEmbeddedEngine({
    store,
    log,
    types: [
      bridgeActorType({
        config,
        secrets,
        sink: {
          deliver: (roomId, linkId, events) => {
            delivered.push({ roomId, linkId, events });
            return Promise.resolve();
          },
        },
        flushMs: 20,
      }),
      linksActorType({ secrets, maxLinks: 2 }),
    ],
  });
  const chats = () =>
    delivered.flatMap((d) =>
      d.events.flatMap((e) => e.kind === "chat" ? [`${d.roomId}/${d.linkId}:${e.text}`] : [])
    );
  return {
    engine,
    delivered,
    chats,
    ask: <T>(type: string, id: string, msg: unknown) => engine.client.ask<T>(type, id, msg),
    async close() {
      await engine.close();
      store.close();
    },
  };
}

Deno.test("bridge actors: link, events to the room, health, unlink; a restart revives the bridge", async () => {
  const dir = await Deno.makeTempDir();
  const server = startBilibiliServer();
  let w = await world(dir, server.baseUrl);
  try {
    const linked = await w.ask<{ link: { id: string; label: string }; health: BridgeHealth }>(
      LINKS_ACTOR_TYPE,
      "room1",
      { kind: "link", request: { platform: "bilibili", roomId: server.shortId } },
    );
    const linkId = linked.link.id;
    assert.equal(linked.link.label, `bilibili ${server.shortId}`);
    await waitFor("bridge connected", () => server.sockets.length === 1);
    server.send(commandPacket(danmuMsg(9, "远方", "from bilibili")));
    await waitFor("delivered", () => w.chats().length === 1);
    assert.deepEqual(w.chats(), [`room1/${linkId}:from bilibili`]);

    const health = await w.ask<BridgeHealth>("bridges", linkId, { kind: "health" });
    assert.equal(health.active, true);
    assert.equal(health.platform?.connected, true);
    assert.equal(health.forwarded, 1);

    // The same outside room twice, and a bad request, are refused with stable codes.
    await assert.rejects(
      w.ask(LINKS_ACTOR_TYPE, "room1", {
        kind: "link",
        request: { platform: "bilibili", roomId: server.shortId },
      }),
      (e: Error & { code?: string }) => e.code === "already_linked",
    );
    await assert.rejects(
      w.ask(LINKS_ACTOR_TYPE, "room1", {
        kind: "link",
        request: { platform: "bilibili", roomId: -1 },
      }),
      (e: Error & { code?: string }) => e.code === "bad_link",
    );
    await assert.rejects(
      w.ask(LINKS_ACTOR_TYPE, "room1", {
        kind: "link",
        request: { platform: "bilibili", roomId: 99, cookie: "SESSDATA=x" },
      }),
      (e: Error & { code?: string }) => e.code === "secret_storage_off",
    );

    // A process restart: the engine goes away and comes back on the same store.
    await w.close();
    await waitFor("server saw the bridge leave", () => server.sockets.length === 0);
    const before = server.connectionsTotal;
    w = await world(dir, server.baseUrl);
    await waitFor(
      "bridge revived by its alarm",
      () => server.connectionsTotal > before && server.sockets.length === 1,
    );
    server.send(commandPacket(danmuMsg(9, "远方", "after restart")));
    await waitFor("delivered after restart", () => w.chats().length === 1);
    assert.deepEqual(w.chats(), [`room1/${linkId}:after restart`]);

    const list = await w.ask<{ links: { id: string }[] }>(LINKS_ACTOR_TYPE, "room1", {
      kind: "list",
    });
    assert.deepEqual(list.links.map((l) => l.id), [linkId]);
    await w.ask(LINKS_ACTOR_TYPE, "room1", { kind: "unlink", linkId });
    await waitFor("bridge disconnected", () => server.sockets.length === 0);
    const after = await w.ask<{ links: unknown[] }>(LINKS_ACTOR_TYPE, "room1", { kind: "list" });
    assert.deepEqual(after.links, []);
    await assert.rejects(
      w.ask(LINKS_ACTOR_TYPE, "room1", { kind: "unlink", linkId }),
      (e: Error & { code?: string }) => e.code === "link_not_found",
    );
  } finally {
    await w.close();
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bridge actors: a cookie is sealed at rest and used by the bridge, never stored in clear", async () => {
  const dir = await Deno.makeTempDir();
  const server = startBilibiliServer({ loginMid: 4242 });
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
  const w = await world(dir, server.baseUrl, key);
  try {
    await w.ask(LINKS_ACTOR_TYPE, "room2", {
      kind: "link",
      request: { platform: "bilibili", roomId: server.shortId, cookie: "SESSDATA=good-secret" },
    });
    await waitFor("connected", () => server.sockets.length === 1);
    assert.equal(server.auths[0].uid, 4242);
    await w.close();
    const kv = await Deno.openKv(`${dir}/state.kv`);
    let dump = "";
    for await (const e of kv.list({ prefix: [] })) dump += JSON.stringify(e.value);
    kv.close();
    assert(dump.includes("sealedSecret"), "the link is stored");
    assert(!dump.includes("good-secret"), "the cookie is not stored in clear");
  } finally {
    await w.close().catch(() => {});
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
