/**
 * The embedded media servers' plan, before anything runs: what this machine has, the ports
 * OBS is told (a taken RTMP port is replaced, not fought over), and configuration that keeps
 * every server on loopback with STUN pointed nowhere outside.
 */
import assert from "node:assert/strict";
import { createLogger } from "../engine/log.ts";
import { ingressYaml, livekitYaml } from "../media/local/config_files.ts";
import { LocalMedia } from "../media/local/local_media.ts";

Deno.test("local media: a taken RTMP port is replaced; pieces are reported before launch", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const dir = await Deno.makeTempDir({ prefix: "synapse-local-media-" });
  try {
    const port = (taken.addr as Deno.NetAddr).port;
    const media = await LocalMedia.prepare({
      dataDir: dir,
      toolsDir: `${dir}/tools`,
      publicHost: "stream.example",
      rtmpPort: port,
      log: createLogger({ test: "local_media" }, "error"),
    });
    const rtmp = new URL(media.ingressUrls.rtmp.replace("rtmp:", "http:"));
    assert.equal(rtmp.hostname, "stream.example");
    assert.notEqual(Number(rtmp.port), port);
    assert.match(media.ingressUrls.whip, /^http:\/\/stream\.example:\d+\/w$/);
    assert.match(media.settings.wsUrl, /^ws:\/\/127\.0\.0\.1:\d+$/);
    const pieces = media.pieces();
    assert.deepEqual(pieces.map((p) => p.piece), ["redis", "livekit-server", "ingress"]);
    for (const p of pieces) {
      // nothing runs before launch; a piece this machine lacks says what to install
      assert.ok(["stopped", "building", "missing"].includes(p.state), `${p.piece}: ${p.state}`);
      if (p.state === "missing") assert.ok(p.detail && p.detail.length > 10, p.piece);
    }
    await media.close();
  } finally {
    taken.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("local media: configuration stays on loopback, STUN goes nowhere, ingress is admitted", () => {
  const lk = livekitYaml({
    ports: { http: 7880, rtcTcp: 7881, rtcUdp: 7882 },
    apiKey: "synapse",
    apiSecret: "s3cret",
    redisAddress: "127.0.0.1:6390",
    webhookUrl: "http://127.0.0.1:8080/webhooks/livekit",
    ingress: { rtmpBaseUrl: "rtmp://localhost:1935/live", whipBaseUrl: "http://localhost:8085/w" },
  });
  assert.match(lk, /bind_addresses:\n {2}- 127\.0\.0\.1/);
  assert.match(lk, /node_ip: 127\.0\.0\.1/);
  assert.match(lk, /use_external_ip: false/);
  assert.match(lk, /stun_servers:\n {4}- "127\.0\.0\.1:3478"/);
  assert.match(lk, /rtmp_base_url: "rtmp:\/\/localhost:1935\/live"/);
  assert.match(lk, /urls:\n {4}- "http:\/\/127\.0\.0\.1:8080\/webhooks\/livekit"/);
  const noRedis = livekitYaml({
    ports: { http: 7880, rtcTcp: 7881, rtcUdp: 7882 },
    apiKey: "k",
    apiSecret: "s",
    webhookUrl: "http://127.0.0.1:1/webhooks/livekit",
  });
  assert.doesNotMatch(noRedis, /redis:|ingress:/);
  const ing = ingressYaml({
    ports: { rtmp: 1935, whip: 8085, relay: 9090, health: 9091, rtcUdp: 7890 },
    apiKey: "synapse",
    apiSecret: "s3cret",
    wsUrl: "ws://127.0.0.1:7880",
    redisAddress: "127.0.0.1:6390",
  });
  assert.match(ing, /stun_servers:\n {4}- "127\.0\.0\.1:3478"/);
  assert.match(ing, /udp_port: 7890/);
  const cost = Number(ing.match(/rtmp_cpu_cost: ([\d.]+)/)![1]);
  assert.ok(cost > 0 && cost < 1, `rtmp_cpu_cost ${cost} admits a stream on a small machine`);
});
