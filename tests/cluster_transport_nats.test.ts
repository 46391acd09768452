/** NatsTransport against a real nats-server: the shared transport contract plus reconnects. */
import assert from "node:assert/strict";
import { NatsTransport } from "../engine/transport_nats.ts";
import { startNatsServer, systemNatsUrl, uniquePrefix } from "./helpers/nats.ts";
import { transportContract } from "./helpers/transport_contract.ts";
import { createLogger } from "../engine/log.ts";

const log = createLogger({ test: "cluster_transport_nats" }, "error");

transportContract("nats", async () => {
  const servers = await systemNatsUrl();
  const a = await NatsTransport.connect({ servers, name: "contract-a", log });
  const b = await NatsTransport.connect({ servers, name: "contract-b", log });
  return {
    a,
    b,
    prefix: uniquePrefix("contract"),
    close: async () => {
      await a.close();
      await b.close();
    },
  };
});

Deno.test("nats transport: subscriptions survive a server restart", async () => {
  const server = await startNatsServer();
  const a = await NatsTransport.connect({ servers: server.url, name: "restart-a", log });
  const b = await NatsTransport.connect({ servers: server.url, name: "restart-b", log });
  try {
    const sub = b.subscribe("svc.echo", (m) => m.respond(m.data));
    await b.flush();
    const enc = new TextEncoder();
    assert.equal(
      new TextDecoder().decode((await a.request("svc.echo", enc.encode("1"))).data),
      "1",
    );
    await server.stop();
    await server.start();
    // Both clients reconnect by themselves; the subscription is restored.
    let answer = "";
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && answer !== "2") {
      try {
        answer = new TextDecoder().decode(
          (await a.request("svc.echo", enc.encode("2"), { timeoutMs: 300 })).data,
        );
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    assert.equal(answer, "2");
    assert.equal(a.isConnected(), true);
    assert.equal(b.isConnected(), true);
    sub.unsubscribe();
  } finally {
    await a.close();
    await b.close();
    await server.dispose();
  }
});
