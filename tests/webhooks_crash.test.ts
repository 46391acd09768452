/**
 * Webhook delivery across a crash (issue 14, README "Webhooks for integrators"): a server is
 * killed with SIGKILL while its lane's request is in flight, so the attempt is never recorded
 * and the lane's lease is never released. A second server on the same database takes the lane
 * once the lease lapses and sends the delivery again with the same `webhook-id` and body: at
 * least once, de-duplicated by the receiver on the id.
 */
import assert from "node:assert/strict";
import { openPostgresStore } from "../engine/sql/postgres_store.ts";
import { createScratchDatabase } from "./helpers/db.ts";
import { callJson } from "./helpers/http.ts";
import { startServerProcess } from "./helpers/server.ts";
import { waitForValue } from "./helpers/wait.ts";

Deno.test({
  name:
    "webhooks: after kill -9 mid-delivery the lease lapses and another server resends the same id",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const scratch = await createScratchDatabase();
    const store = openPostgresStore(scratch.url, { max: 1 });
    // The first request is held (the sender dies meanwhile); later ones are answered 200.
    const got: { id: string; body: string }[] = [];
    const held: (() => void)[] = [];
    const receiver = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      async (req) => {
        got.push({ id: req.headers.get("webhook-id") ?? "", body: await req.text() });
        if (got.length === 1) await new Promise<void>((r) => held.push(r));
        return new Response("ok");
      },
    );
    const env = {
      DATABASE_URL: scratch.url,
      WEBHOOK_ALLOW_ADDRESSES: "127.0.0.1",
      // Lease = max(30 s, 10 × timeout): 30 s here.
      WEBHOOK_TIMEOUT_MS: "3000",
      WEBHOOK_RETRY_SCHEDULE: "0.5,0.5,0.5",
    };
    let second: Awaited<ReturnType<typeof startServerProcess>> | undefined;
    try {
      const first = await startServerProcess([], env);
      const api = (path: string, json?: unknown, token?: string) =>
        callJson(first.url, `/api${path}`, { json, token });
      const reg = await api("/auth/register", {
        username: "crash_host",
        password: "a fine password",
      });
      const token = reg.body.accessToken as string;
      assert.equal((await api("/rooms", { id: "crashroom", title: "Crash" }, token)).status, 201);
      const url = `http://127.0.0.1:${receiver.addr.port}/hook`;
      const made = await api("/webhooks/endpoints", { url }, token);
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const endpointId = made.body.endpoint.id as string;
      const queued = await api(`/webhooks/endpoints/${endpointId}/test`, {}, token);
      assert.equal(queued.status, 202, JSON.stringify(queued.body));

      await waitForValue(
        "the first attempt reaches the receiver",
        () => Promise.resolve(got.length >= 1 || undefined),
        { timeoutMs: 60_000, stepMs: 20 },
      );
      await first.stop("SIGKILL");
      const [lane] = await store.query<{ lane_owner: string | null; held: boolean }>(
        `SELECT lane_owner, lane_until > now() AS held FROM webhook_endpoints WHERE id = $1`,
        [endpointId],
      );
      assert.ok(lane.lane_owner, "the dead server's lease is still on the endpoint");
      const deadOwner = lane.lane_owner;
      const [before] = await store.query<{ status: string; attempts: number }>(
        `SELECT status, attempts FROM webhook_deliveries WHERE endpoint_id = $1`,
        [endpointId],
      );
      assert.equal(before.status, "pending");
      assert.equal(Number(before.attempts), 0, "the in-flight attempt was never recorded");

      second = await startServerProcess([], env);
      await waitForValue(
        "the second server resends after the lease lapses",
        () => Promise.resolve(got.length >= 2 || undefined),
        { timeoutMs: 180_000, stepMs: 250 },
      );
      assert.equal(got[1].id, got[0].id, "the same webhook-id");
      assert.equal(got[1].body, got[0].body, "the same body");
      const delivered = await waitForValue("recorded as delivered", async () => {
        const [row] = await store.query<{ status: string }>(
          `SELECT status FROM webhook_deliveries WHERE endpoint_id = $1`,
          [endpointId],
        );
        return row.status === "delivered" ? row : undefined;
      }, { timeoutMs: 60_000, stepMs: 250 });
      assert.equal(delivered.status, "delivered");
      const [after] = await store.query<{ lane_owner: string | null }>(
        `SELECT lane_owner FROM webhook_endpoints WHERE id = $1`,
        [endpointId],
      );
      assert.notEqual(after.lane_owner, deadOwner, "the lane was taken over");
    } finally {
      for (const r of held.splice(0)) r();
      await second?.stop();
      await receiver.shutdown();
      await store.close();
      await scratch.drop();
    }
  },
});
