/**
 * tests/helpers/go_tools.ts `onFreePorts`: a server that lost its picked port to another
 * process is started again on new ports; other failures are not retried. A real listener holds
 * the port the first start picks, so the first attempt really fails to bind.
 */
import assert from "node:assert/strict";
import { freeTcpPort, onFreePorts } from "./helpers/go_tools.ts";

/** Binds `port` as a server would, throwing what a Go server prints when it is taken. */
function bindAs(port: number): Deno.Listener {
  try {
    return Deno.listen({ hostname: "127.0.0.1", port });
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) {
      throw new Error(
        `server exited while starting:\nlisten tcp :${port}: bind: address already in use`,
      );
    }
    throw err;
  }
}

Deno.test("free ports: a port taken between pick and bind is picked again", async () => {
  const picked: number[] = [];
  let thief: Deno.Listener | undefined;
  const server = await onFreePorts(() => {
    const port = freeTcpPort();
    picked.push(port);
    if (!thief) thief = Deno.listen({ hostname: "127.0.0.1", port }); // another process takes it
    return Promise.resolve(bindAs(port));
  });
  try {
    assert.equal(picked.length, 2);
    assert.notEqual(picked[0], picked[1]);
    assert.equal((server.addr as Deno.NetAddr).port, picked[1]);
  } finally {
    server.close();
    thief?.close();
  }
});

Deno.test("free ports: other failures and the last try are thrown as they are", async () => {
  let calls = 0;
  await assert.rejects(
    onFreePorts(() => {
      calls++;
      return Promise.reject(new Error("minio exited while starting: disk full"));
    }),
    /disk full/,
  );
  assert.equal(calls, 1);
  calls = 0;
  await assert.rejects(
    onFreePorts(() => {
      calls++;
      return Promise.reject(new Error("bind: address already in use"));
    }, 3),
    /already in use/,
  );
  assert.equal(calls, 3);
});
