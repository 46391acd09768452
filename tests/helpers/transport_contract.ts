/**
 * The behaviour every `Transport` must show, as Deno tests parametrised by a factory:
 * `transportContract("nats", async () => ({ a, b, close }))`. `a` and `b` may be the same
 * transport (in-process) or two connections to one server (NATS).
 */
import assert from "node:assert/strict";
import {
  type Message,
  NoRespondersError,
  RequestTimeoutError,
  type Subscription,
  type Transport,
} from "../../engine/transport.ts";

export interface TransportPair {
  a: Transport;
  b: Transport;
  /** Subject prefix unique to this run (shared servers). */
  prefix: string;
  close(): Promise<void>;
}

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Wait until `cond()` holds or fail after `timeoutMs`. */
async function until(cond: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function transportContract(name: string, make: () => Promise<TransportPair>): void {
  const t = (what: string, fn: (p: TransportPair) => Promise<void>) =>
    Deno.test(`${name} transport: ${what}`, async () => {
      const pair = await make();
      try {
        await fn(pair);
      } finally {
        await pair.close();
      }
    });

  t("publish reaches exact, * and > subscribers, not others", async ({ a, b, prefix }) => {
    const got: Record<string, string[]> = { exact: [], star: [], tail: [], other: [] };
    const subs = [
      b.subscribe(`${prefix}.x.y`, (m) => void got.exact.push(dec(m.data))),
      b.subscribe(`${prefix}.*.y`, (m) => void got.star.push(m.subject)),
      b.subscribe(`${prefix}.>`, (m) => void got.tail.push(m.subject)),
      b.subscribe(`${prefix}.z.*`, (m) => void got.other.push(m.subject)),
    ];
    await b.flush();
    a.publish(`${prefix}.x.y`, enc("hello"));
    a.publish(`${prefix}.x.y.z`, enc("deep"));
    await a.flush();
    await until(() => got.exact.length === 1 && got.star.length === 1 && got.tail.length === 2);
    assert.deepEqual(got.exact, ["hello"]);
    assert.deepEqual(got.star, [`${prefix}.x.y`]);
    assert.deepEqual(got.tail.sort(), [`${prefix}.x.y`, `${prefix}.x.y.z`]);
    assert.deepEqual(got.other, []);
    subs.forEach((s) => s.unsubscribe());
  });

  t("messages from one publisher arrive in order", async ({ a, b, prefix }) => {
    const got: number[] = [];
    const sub = b.subscribe(`${prefix}.seq`, (m) => void got.push(Number(dec(m.data))));
    await b.flush();
    for (let i = 0; i < 200; i++) a.publish(`${prefix}.seq`, enc(String(i)));
    await a.flush();
    await until(() => got.length === 200);
    assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => i));
    sub.unsubscribe();
  });

  t("a queue group delivers each message to one member", async ({ a, b, prefix }) => {
    const counts = [0, 0, 0];
    const subs = [
      b.subscribe(`${prefix}.q`, () => void counts[0]++, { queue: "workers" }),
      b.subscribe(`${prefix}.q`, () => void counts[1]++, { queue: "workers" }),
      a.subscribe(`${prefix}.q`, () => void counts[2]++, { queue: "workers" }),
    ];
    await Promise.all([a.flush(), b.flush()]);
    for (let i = 0; i < 60; i++) a.publish(`${prefix}.q`, enc("m"));
    await a.flush();
    await until(() => counts.reduce((x, y) => x + y, 0) === 60);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(counts.reduce((x, y) => x + y, 0), 60);
    subs.forEach((s) => s.unsubscribe());
  });

  t("request/reply carries data and headers both ways", async ({ a, b, prefix }) => {
    const sub = b.subscribe(`${prefix}.echo`, (m: Message) => {
      assert.equal(m.expectsReply, true);
      m.respond(enc(`re:${dec(m.data)}`), { traceparent: m.headers?.traceparent ?? "none" });
    });
    await b.flush();
    const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const reply = await a.request(`${prefix}.echo`, enc("ping"), { headers: { traceparent: tp } });
    assert.equal(dec(reply.data), "re:ping");
    assert.equal(reply.headers?.traceparent, tp);
    sub.unsubscribe();
  });

  t("a plain publish does not expect a reply", async ({ a, b, prefix }) => {
    const flags: boolean[] = [];
    const sub = b.subscribe(`${prefix}.plain`, (m) => void flags.push(m.expectsReply));
    await b.flush();
    a.publish(`${prefix}.plain`, enc("x"));
    await a.flush();
    await until(() => flags.length === 1);
    assert.deepEqual(flags, [false]);
    sub.unsubscribe();
  });

  t("request to an unserved subject fails with NoRespondersError", async ({ a, prefix }) => {
    await assert.rejects(
      a.request(`${prefix}.nobody`, enc("x"), { timeoutMs: 2_000 }),
      NoRespondersError,
    );
  });

  t("request to a silent responder fails with RequestTimeoutError", async ({ a, b, prefix }) => {
    const sub = b.subscribe(`${prefix}.silent`, () => {});
    await b.flush();
    await assert.rejects(
      a.request(`${prefix}.silent`, enc("x"), { timeoutMs: 150 }),
      RequestTimeoutError,
    );
    sub.unsubscribe();
  });

  t(
    "drain answers the requests already on their way; later ones find no responder",
    async ({ a, b, prefix }) => {
      // A partition hand-over stops serving while requests are in flight: none may be left to
      // wait out its timeout (issue 17: "waited exactly 5.0 s, then room_unavailable").
      let drained: Promise<void> | undefined;
      const sub: Subscription = b.subscribe(`${prefix}.d`, (m) => {
        drained ??= sub.drain(); // stop at the first request, with the others in flight
        m.respond(enc("ok"));
      });
      await b.flush();
      const outcomes = await Promise.all(
        Array.from(
          { length: 50 },
          () =>
            a.request(`${prefix}.d`, enc("x"), { timeoutMs: 10_000 }).then(
              () => "answered",
              (e) => e instanceof NoRespondersError ? "no_responders" : String(e),
            ),
        ),
      );
      await drained;
      assert.ok(outcomes.includes("answered"));
      assert.deepEqual(
        outcomes.filter((o) => o !== "answered" && o !== "no_responders"),
        [],
      );
      a.publish(`${prefix}.d`, enc("late"));
      await a.request(`${prefix}.d`, enc("x"), { timeoutMs: 2_000 }).then(
        () => assert.fail("a drained subscription answered"),
        (e) => assert.ok(e instanceof NoRespondersError, String(e)),
      );
    },
  );

  t("unsubscribe stops delivery", async ({ a, b, prefix }) => {
    let n = 0;
    const sub = b.subscribe(`${prefix}.u`, () => void n++);
    await b.flush();
    a.publish(`${prefix}.u`, enc("1"));
    await a.flush();
    await until(() => n === 1);
    sub.unsubscribe();
    await b.flush();
    a.publish(`${prefix}.u`, enc("2"));
    await a.flush();
    await b.flush();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(n, 1);
    assert.equal(a.isConnected(), true);
  });
}
