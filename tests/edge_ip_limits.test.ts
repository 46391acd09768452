/**
 * Per-client-IP limits (edge/ip_limits.ts): the limiter's buckets, slots and eviction on a
 * fake clock, the client-address rules, and a real server with small limits: viewer sockets
 * past the cap are refused with 429 `too_many_connections` and closing one frees a slot,
 * guest sessions and sign-in attempts past their burst get 429 `rate_limited` with
 * `Retry-After` and recover, and X-Forwarded-For counts only behind trusted proxies.
 */
import assert from "node:assert/strict";
import { clientIpKey, IpConnections, ipKey, IpLimits, IpTokenBuckets } from "../edge/ip_limits.ts";
import { parseConfig } from "../edge/wiring/config.ts";
import { hasChromium, launchChromium } from "./helpers/browser.ts";
import { TestViewer } from "./helpers/edge_client.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";

const ROOM = "iplimits";

// --- units

Deno.test("ip limits: a token bucket refuses past its burst, says when, and refills", () => {
  let now = 1_000_000;
  const b = new IpTokenBuckets({ burst: 3, perMinute: 6, now: () => now });
  for (let i = 0; i < 3; i++) assert.deepEqual(b.take("1.2.3.4"), { ok: true });
  assert.deepEqual(b.take("1.2.3.4"), { ok: false, retryAfterS: 10 });
  assert.deepEqual(b.take("5.6.7.8"), { ok: true }, "another address has its own bucket");
  now += 9_000;
  assert.equal(b.take("1.2.3.4").ok, false, "not yet one token");
  now += 1_000;
  assert.equal(b.take("1.2.3.4").ok, true, "one token after 10 s");
  assert.equal(b.take("1.2.3.4").ok, false);
});

Deno.test("ip limits: refilled buckets are swept and the table has a hard cap", () => {
  let now = 0;
  const b = new IpTokenBuckets({ burst: 2, perMinute: 60, maxEntries: 50, now: () => now });
  for (let i = 0; i < 40; i++) b.take(`10.0.0.${i}`), b.take(`10.0.0.${i}`); // emptied
  assert.equal(b.size, 40);
  now += 1_000; // one token back: not yet full, nothing to drop
  assert.equal(b.sweep(), 0);
  assert.equal(b.size, 40);
  now += 2_000; // past a full refill (2 tokens at 1/s) since that sweep
  b.take("10.1.0.1"); // a take a refill period after the last sweep runs the next one
  assert.equal(b.size, 1, "only the address just seen is kept");

  // An address still short of tokens keeps its bucket through a sweep.
  for (let i = 0; i < 3; i++) b.take("10.9.9.9");
  now += 1_000;
  assert.equal(b.sweep(), 1, "10.1.0.1 has refilled; 10.9.9.9 has not");
  assert.equal(b.size, 1);
  assert.equal(b.take("10.9.9.9").ok, true, "the one token it earned");
  assert.equal(b.take("10.9.9.9").ok, false, "its bucket was kept, not reset");

  // Many distinct addresses within one refill period: bounded by maxEntries.
  for (let i = 0; i < 500; i++) {
    b.take(`172.16.${i >> 8}.${i & 255}`);
    assert.ok(b.size <= 50, `size ${b.size}`);
  }
  assert.ok(b.size >= 45, "evicted down to 90% of the cap at most");

  // Past the cap the least recently used goes (and comes back with a fresh bucket).
  const lru = new IpTokenBuckets({ burst: 1, perMinute: 1, maxEntries: 3, now: () => now });
  lru.take("a"), lru.take("b"), lru.take("c");
  assert.equal(lru.take("a").ok, false, "a is held, and now the most recently used");
  lru.take("d"); // over the cap: the oldest (b, c) go, down to 2
  assert.equal(lru.size, 2);
  assert.equal(lru.take("a").ok, false, "a survived: b and c were older");
  lru.take("e"), lru.take("f"); // a is the oldest by now
  assert.equal(lru.size, 2);
  assert.equal(lru.take("a").ok, true, "a was evicted: a fresh bucket");
});

Deno.test("ip limits: connection slots are capped, released once, and leave no entry", () => {
  const c = new IpConnections(2);
  const a = c.tryAcquire("1.1.1.1");
  const b = c.tryAcquire("1.1.1.1");
  assert.ok(a !== null && b !== null);
  assert.equal(c.tryAcquire("1.1.1.1"), null);
  assert.ok(c.tryAcquire("2.2.2.2"), "another address is not affected");
  a();
  a(); // idempotent: must not free a second slot
  assert.equal(c.count("1.1.1.1"), 1);
  const again = c.tryAcquire("1.1.1.1");
  assert.ok(again);
  assert.equal(c.tryAcquire("1.1.1.1"), null);
  b();
  again!();
  assert.equal(c.count("1.1.1.1"), 0);
  assert.equal(c.size, 1, "only 2.2.2.2 is left");
  assert.ok(new IpConnections(0).tryAcquire("x"), "0 means unlimited");
});

Deno.test("ip limits: client address keys and X-Forwarded-For rules", () => {
  assert.equal(ipKey("127.0.0.1"), "127.0.0.1");
  assert.equal(ipKey("::ffff:192.0.2.7"), "192.0.2.7");
  assert.equal(ipKey("[2001:db8:1:2:aaaa::1]"), "2001:db8:1:2::/64");
  assert.equal(ipKey("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
  assert.equal(ipKey("::1"), "0:0:0:0::/64");
  for (const bad of ["", "999.1.1.1", "a.b.c.d", "1::2::3", "hello", "1:2:3:4:5:6:7:8:9"]) {
    assert.equal(ipKey(bad), null, bad);
  }
  // Not trusted: the header is ignored whatever it says.
  assert.equal(clientIpKey("127.0.0.1", "203.0.113.9", 0), "127.0.0.1");
  // One proxy: the entry it appended (rightmost) is the client; spoofed entries are left of it.
  assert.equal(clientIpKey("10.0.0.2", "1.1.1.1, 203.0.113.9", 1), "203.0.113.9");
  assert.equal(clientIpKey("10.0.0.2", "1.1.1.1, 203.0.113.9, 10.0.0.1", 2), "203.0.113.9");
  assert.equal(clientIpKey("10.0.0.2", "203.0.113.9", 3), "203.0.113.9", "fewer hops: leftmost");
  assert.equal(clientIpKey("10.0.0.2", "not-an-ip", 1), "10.0.0.2", "garbage: the peer");
  assert.equal(clientIpKey("10.0.0.2", undefined, 1), "10.0.0.2");
});

Deno.test("ip limits: configuration defaults and validation", () => {
  const c = parseConfig({});
  const limits = new IpLimits({
    wsPerIp: c.EDGE_WS_PER_IP,
    guestBurst: c.EDGE_GUEST_BURST,
    guestPerMinute: c.EDGE_GUEST_PER_MIN,
    authBurst: c.EDGE_AUTH_BURST,
    authPerMinute: c.EDGE_AUTH_PER_MIN,
    trustedProxies: c.EDGE_TRUSTED_PROXIES,
  });
  assert.ok(limits.connections.max > 0 && limits.guests.enabled && limits.auth.enabled);
  assert.equal(c.EDGE_TRUSTED_PROXIES, 0, "X-Forwarded-For is not trusted by default");
  assert.throws(() => parseConfig({ EDGE_GUEST_PER_MIN: "0" }), /EDGE_GUEST_PER_MIN/);
  assert.throws(() => parseConfig({ EDGE_WS_PER_IP: "-1" }), /EDGE_WS_PER_IP/);
});

// --- a real server

interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
  conn: Deno.TcpConn;
}

/** A WebSocket upgrade over raw TCP, so the test can send headers and read a refusal's body. */
async function rawUpgrade(
  srv: TestServer,
  extra: Record<string, string> = {},
): Promise<RawResponse> {
  const u = new URL(srv.wsUrl(ROOM));
  const conn = await Deno.connect({ hostname: u.hostname, port: Number(u.port) });
  const key = crypto.getRandomValues(new Uint8Array(16)).toBase64();
  const lines = [
    `GET ${u.pathname} HTTP/1.1`,
    `Host: ${u.host}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Key: ${key}`,
    "Sec-WebSocket-Version: 13",
    ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`),
  ];
  await conn.write(new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n"));
  let data = new Uint8Array(0);
  const buf = new Uint8Array(4096);
  const text = () => new TextDecoder().decode(data);
  const read = async () => {
    const n = await conn.read(buf);
    if (n === null) throw new Error(`connection closed; got ${text()}`);
    const next = new Uint8Array(data.length + n);
    next.set(data);
    next.set(buf.subarray(0, n), data.length);
    data = next;
  };
  while (!text().includes("\r\n\r\n")) await read();
  const [head] = text().split("\r\n\r\n");
  const [statusLine, ...headerLines] = head.split("\r\n");
  const headers = new Map(headerLines.map((l) => {
    const i = l.indexOf(":");
    return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()] as [string, string];
  }));
  const status = Number(statusLine.split(" ")[1]);
  const length = Number(headers.get("content-length") ?? 0);
  const bodyStart = new TextEncoder().encode(head + "\r\n\r\n").length;
  while (status !== 101 && data.length < bodyStart + length) await read();
  const body = new TextDecoder().decode(data.subarray(bodyStart, bodyStart + length));
  return { status, headers, body, conn };
}

async function refusals(srv: TestServer, reason: string): Promise<number> {
  const text = await (await fetch(`${srv.url}/metrics`)).text();
  const m = text.match(
    new RegExp(`^synapse_ip_refusals_total\\{reason="${reason}"\\} (\\d+)$`, "m"),
  );
  return m ? Number(m[1]) : 0;
}

/** Retries `fn` until it returns a value, waiting `stepMs` between tries (bounded). */
async function eventually<T>(fn: () => Promise<T | undefined>, tries = 50, stepMs = 100) {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error("condition not reached");
}

function guestRequest(srv: TestServer, headers: Record<string, string> = {}) {
  return fetch(`${srv.url}/api/session/guest`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: "{}",
  });
}

Deno.test("edge: viewer sockets past the per-IP cap get 429 too_many_connections", async () => {
  const srv = await startTestServer({ env: { EDGE_WS_PER_IP: "3", EDGE_GUEST_BURST: "0" } });
  const viewers: TestViewer[] = [];
  try {
    const before = await refusals(srv, "too_many_connections");
    for (let i = 0; i < 3; i++) {
      const token = await srv.mintToken({ sub: `v${i}`, name: `v${i}`, kind: "guest" });
      viewers.push((await TestViewer.join(srv.wsUrl(ROOM), ROOM, token)).viewer);
    }
    // The 4th from the same address: refused before any upgrade, with the coded JSON.
    const refused = await rawUpgrade(srv);
    refused.conn.close();
    assert.equal(refused.status, 429);
    assert.equal(JSON.parse(refused.body).error.code, "too_many_connections");
    // Browsers cannot read that response: a plain GET of the URL says why.
    const probe = await fetch(srv.wsUrl(ROOM).replace(/^ws/, "http"));
    assert.equal(probe.status, 429);
    assert.equal((await probe.json()).error.code, "too_many_connections");
    await assert.rejects(TestViewer.open(srv.wsUrl(ROOM)), "a WebSocket client cannot open");
    assert.ok((await refusals(srv, "too_many_connections")) >= before + 2);
    // The three that got in still work.
    viewers[0].send({ type: "ping", t: 7 });
    assert.equal((await viewers[0].next((f) => f.type === "pong")).t, 7);

    // Closing one frees its slot.
    await viewers.pop()!.close();
    const token = await srv.mintToken({ sub: "late", name: "late", kind: "guest" });
    const late = await eventually(async () => {
      try {
        return (await TestViewer.join(srv.wsUrl(ROOM), ROOM, token)).viewer;
      } catch {
        return undefined;
      }
    });
    viewers.push(late);
    const probeAfter = await fetch(srv.wsUrl(ROOM).replace(/^ws/, "http"));
    assert.equal(probeAfter.status, 429, "full again with the new viewer");
    await probeAfter.body?.cancel();

    // A socket the server closes (no hello in time, bad hello...) frees its slot too.
    await viewers.pop()!.close();
    const silent = await eventually(async () => {
      try {
        return await TestViewer.open(srv.wsUrl(ROOM));
      } catch {
        return undefined;
      }
    });
    silent.send({ type: "nonsense" });
    assert.equal((await silent.waitClose()).code, 4400);
    const again = await eventually(async () => {
      try {
        return (await TestViewer.join(srv.wsUrl(ROOM), ROOM, token)).viewer;
      } catch {
        return undefined;
      }
    });
    viewers.push(again);
    const plain = await fetch(srv.wsUrl(ROOM).replace(/^ws/, "http"));
    assert.equal(plain.status, 429);
    await plain.body?.cancel();
  } finally {
    for (const v of viewers) await v.close();
    await srv.close();
  }
});

Deno.test("edge: guest sessions past the burst get 429 rate_limited with Retry-After, then recover", async () => {
  const srv = await startTestServer({
    env: { EDGE_GUEST_BURST: "3", EDGE_GUEST_PER_MIN: "60" },
  });
  try {
    const before = await refusals(srv, "guest_rate_limited");
    for (let i = 0; i < 3; i++) {
      const res = await guestRequest(srv);
      assert.equal(res.status, 201, await res.clone().text());
      await res.body?.cancel();
    }
    const refused = await guestRequest(srv);
    assert.equal(refused.status, 429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After ${retryAfter}`);
    const body = await refused.json();
    assert.equal(body.error.code, "rate_limited");
    assert.match(body.error.message, /guest sessions/);
    // X-Forwarded-For is not trusted here: a made-up address changes nothing.
    const spoofed = await guestRequest(srv, { "x-forwarded-for": "203.0.113.50" });
    assert.equal(spoofed.status, 429);
    await spoofed.body?.cancel();
    assert.ok((await refusals(srv, "guest_rate_limited")) >= before + 2);

    // After Retry-After a token is back.
    await new Promise((r) => setTimeout(r, retryAfter * 1000));
    const recovered = await eventually(
      async () => {
        const res = await guestRequest(srv);
        if (res.status === 201) return await res.json();
        await res.body?.cancel();
      },
      20,
      250,
    );
    assert.ok(typeof recovered.token === "string");
    // ... and the identity it mints works on a socket.
    const { viewer, welcome } = await TestViewer.join(srv.wsUrl(ROOM), ROOM, recovered.token);
    assert.equal(welcome.you.kind, "guest");
    await viewer.close();
  } finally {
    await srv.close();
  }
});

Deno.test("edge: behind a trusted proxy the X-Forwarded-For client is limited, not the proxy", async () => {
  const srv = await startTestServer({
    env: {
      EDGE_TRUSTED_PROXIES: "1",
      EDGE_WS_PER_IP: "2",
      EDGE_GUEST_BURST: "2",
      EDGE_GUEST_PER_MIN: "1",
    },
  });
  const conns: Deno.TcpConn[] = [];
  try {
    const a = { "x-forwarded-for": "198.51.100.1" };
    // A client may prepend anything; the proxy's own (rightmost) entry is what counts.
    const b = { "x-forwarded-for": "198.51.100.1, 198.51.100.2" };
    for (let i = 0; i < 2; i++) {
      const res = await guestRequest(srv, a);
      assert.equal(res.status, 201);
      await res.body?.cancel();
    }
    const limited = await guestRequest(srv, a);
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get("retry-after")) >= 1);
    await limited.body?.cancel();
    const other = await guestRequest(srv, b);
    assert.equal(other.status, 201, "another client behind the same proxy is not limited");
    await other.body?.cancel();

    for (let i = 0; i < 2; i++) {
      const ok = await rawUpgrade(srv, a);
      conns.push(ok.conn);
      assert.equal(ok.status, 101);
    }
    const full = await rawUpgrade(srv, a);
    full.conn.close();
    assert.equal(full.status, 429);
    assert.equal(JSON.parse(full.body).error.code, "too_many_connections");
    const fromB = await rawUpgrade(srv, b);
    conns.push(fromB.conn);
    assert.equal(fromB.status, 101, "B has its own slots");
    // The proxy's own address (loopback, no header) is a client like any other.
    const direct = await rawUpgrade(srv);
    conns.push(direct.conn);
    assert.equal(direct.status, 101);
  } finally {
    for (const c of conns) {
      try {
        c.close();
      } catch { /* closed by the server */ }
    }
    await srv.close();
  }
});

Deno.test("edge: login and register attempts are limited per IP (credential stuffing)", async () => {
  const srv = await startTestServer({
    accounts: true,
    // One token a minute: however slowly a loaded machine hashes passwords, no token comes
    // back during the test (the refill itself is the bucket's unit test above).
    env: { EDGE_AUTH_BURST: "3", EDGE_AUTH_PER_MIN: "1" },
  });
  const post = (path: string, body: unknown) =>
    fetch(`${srv.url}/api/auth/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  try {
    const before = await refusals(srv, "auth_rate_limited");
    const reg = await post("register", { username: "stuffed", password: "correct horse 1" });
    assert.equal(reg.status, 201, await reg.clone().text());
    await reg.body?.cancel();
    // Different usernames each time: the per-username lockout never triggers, the IP does.
    for (const user of ["alice", "bob"]) {
      const res = await post("login", { username: user, password: "guess-123456" });
      assert.equal(res.status, 401);
      await res.body?.cancel();
    }
    const refused = await post("login", { username: "stuffed", password: "correct horse 1" });
    assert.equal(refused.status, 429, "even the right password waits");
    const retryAfter = Number(refused.headers.get("retry-after"));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.equal((await refused.json()).error.code, "rate_limited");
    const reg2 = await post("register", { username: "another", password: "correct horse 2" });
    assert.equal(reg2.status, 429, "register shares the bucket");
    await reg2.body?.cancel();
    assert.ok((await refusals(srv, "auth_rate_limited")) >= before + 2);
  } finally {
    await srv.close();
  }
});

const chromium = await hasChromium("edge_ip_limits");

Deno.test({
  name: "web: the room page says why when its socket or guest session is refused",
  ignore: !chromium,
  // Playwright keeps pipes and timers of its own beyond close().
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const srv = await startTestServer({
      env: { EDGE_WS_PER_IP: "1", EDGE_GUEST_BURST: "2", EDGE_GUEST_PER_MIN: "1" },
    });
    const browser = await launchChromium();
    let holder: TestViewer | undefined;
    try {
      // Another viewer from this address holds the only slot.
      const token = await srv.mintToken({ sub: "holder", name: "holder", kind: "guest" });
      holder = (await TestViewer.join(srv.wsUrl(ROOM), ROOM, token)).viewer;
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${srv.url}/r/${ROOM}`);
      await page.locator("#notice", { hasText: "too many open connections" }).waitFor({
        timeout: 10_000,
      });
      assert.equal(await page.locator("#conn").textContent(), "too many connections");

      // Guest sessions used up from this address: a fresh browser is told to wait.
      for (let i = 0; i < 3; i++) await (await guestRequest(srv)).body?.cancel();
      const fresh = await (await browser.newContext()).newPage();
      await fresh.goto(`${srv.url}/r/${ROOM}`);
      await fresh.locator("#notice", { hasText: "too many new guest sessions" }).waitFor({
        timeout: 10_000,
      });
    } finally {
      await holder?.close();
      await browser.close();
      await srv.close();
    }
  },
});
