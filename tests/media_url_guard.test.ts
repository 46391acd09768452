/**
 * External stream URLs cannot reach internal services: names are resolved and refused when
 * any address is not public, and ffmpeg pulls through a checking proxy, so playlist
 * reloads, segments on other hosts, redirects and a name that changes its answer after the
 * check reach nothing internal either. Loopback stands in for both sides: 127.0.0.2 plays
 * the "public" stream server (the tests' policy allows only it), 127.0.0.1 the internal
 * service that must never be hit.
 */
import assert from "node:assert/strict";
import { DirectUrlResolver, UrlSource } from "../media/recorder/url_source.ts";
import {
  type HostLookup,
  isPublicAddress,
  systemLookup,
} from "../media/recorder/public_address.ts";
import { EgressGuardProxy } from "../media/recorder/egress_guard.ts";

Deno.test("isPublicAddress: private, loopback, link-local, ULA, CGNAT, mapped, unspecified refused", () => {
  const refused = [
    "0.0.0.0",
    "127.0.0.1",
    "127.9.9.9",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "100.127.255.254",
    "224.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1", // how URL writes [::ffff:127.0.0.1]
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:100.64.0.1",
    "::127.0.0.1",
    "64:ff9b::a00:1",
    "[::1]",
    "not-an-address",
    "1.2.3",
  ];
  for (const a of refused) assert.equal(isPublicAddress(a), false, a);
  for (
    const a of [
      "8.8.8.8",
      "100.63.255.255",
      "100.128.0.1",
      "172.32.0.1",
      "2606:4700::1111",
      "::ffff:8.8.8.8",
      "64:ff9b::808:808",
    ]
  ) {
    assert.equal(isPublicAddress(a), true, a);
  }
});

const fakeDns = (table: Record<string, string[]>): HostLookup => (host) =>
  table[host] ? Promise.resolve(table[host]) : Promise.reject(new Error(`ENOTFOUND ${host}`));

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return "accepted";
  } catch (err) {
    return (err as { code?: string; status?: number }).code + ":" +
      (err as { status?: number }).status;
  }
};

Deno.test("DirectUrlResolver: a public-looking name resolving to a private address is refused", async () => {
  const dns = fakeDns({
    "rebind.example": ["127.0.0.1"],
    "intranet.example": ["10.20.30.40"],
    "metadata.example": ["::ffff:169.254.169.254"],
    "cgnat.example": ["100.64.3.4"],
    "mixed.example": ["93.184.216.34", "192.168.0.10"],
    "v6ula.example": ["2606:4700::1111", "fd00::5"],
    "cdn.example": ["93.184.216.34", "2606:2800:220:1::1"],
  });
  const direct = new DirectUrlResolver({ lookup: dns });
  for (const host of ["rebind", "intranet", "metadata", "cgnat", "mixed", "v6ula"]) {
    assert.equal(
      await codeOf(direct.resolve(`https://${host}.example/live.m3u8`)),
      "url_forbidden:403",
      host,
    );
  }
  assert.equal(
    await codeOf(direct.resolve("http://nowhere.example/a.m3u8")),
    "url_unresolvable:400",
  );
  assert.equal(await codeOf(direct.resolve("http://a.b.localhost/a.m3u8")), "url_forbidden:403");
  const ok = await direct.resolve("https://cdn.example/live/x.m3u8?t=1");
  assert.deepEqual([ok.url, ok.format], ["https://cdn.example/live/x.m3u8?t=1", "hls"]);
  assert.ok(ok.egress, "a checked stream is pulled through the guard proxy");
  // Literal addresses need no lookup; the trusted mode pulls directly.
  assert.equal(
    await codeOf(direct.resolve("http://[::ffff:127.0.0.1]/a.m3u8")),
    "url_forbidden:403",
  );
  assert.equal((await direct.resolve("http://93.184.216.34/a.flv")).format, "flv");
  const trusted = await new DirectUrlResolver({ allowPrivateHosts: true }).resolve(
    "http://127.0.0.1:9/a.m3u8",
  );
  assert.equal(trusted.egress, undefined);
});

Deno.test("DirectUrlResolver: the system resolver (getaddrinfo, /etc/hosts) sees localhost as loopback", async () => {
  const addresses = await systemLookup("localhost");
  assert.ok(addresses.length > 0 && addresses.every((a) => !isPublicAddress(a)), String(addresses));
  const direct = new DirectUrlResolver();
  for (const url of ["http://localhost:8080/a.m3u8", "http://LocalHost./a.m3u8"]) {
    assert.equal(await codeOf(direct.resolve(url)), "url_forbidden:403", url);
  }
});

/** A loopback HTTP server counting its requests. */
function serve(hostname: string, handler: (path: string) => Response | Promise<Response>) {
  const hits: string[] = [];
  const server = Deno.serve({ hostname, port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    hits.push(path);
    return handler(path);
  });
  return { hits, origin: `http://${hostname}:${server.addr.port}`, close: () => server.shutdown() };
}

async function makeHls(dir: string): Promise<void> {
  const out = await new Deno.Command("ffmpeg", {
    args: [
      "-hide_banner",
      "-loglevel",
      "error",
      "-f",
      "lavfi",
      "-i",
      "testsrc=size=160x120:rate=10:duration=2",
      "-c:v",
      "libx264",
      "-g",
      "10",
      "-f",
      "hls",
      "-hls_time",
      "1",
      "-hls_playlist_type",
      "vod",
      `${dir}/live.m3u8`,
    ],
  }).output();
  assert.equal(out.code, 0, "ffmpeg made the test stream");
}

/** Run ffmpeg with the source's input args, decoding to null; exit code and stderr tail. */
async function pull(source: UrlSource): Promise<{ code: number; tail: string }> {
  const input = await source.open("/tmp");
  const out = await new Deno.Command("ffmpeg", {
    args: ["-hide_banner", "-nostdin", ...input.args, "-f", "null", "-"],
    stderr: "piped",
  }).output();
  return { code: out.code, tail: new TextDecoder().decode(out.stderr).slice(-3000) };
}

Deno.test({
  name:
    "guard proxy: ffmpeg records the public stream; redirects, foreign segments and rebinding reach nothing internal",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "synapse-url-guard-" });
    await makeHls(dir);
    const secret = serve("127.0.0.1", () => new Response("internal"));
    const playlist = await Deno.readTextFile(`${dir}/live.m3u8`);
    const segments = playlist.split("\n").filter((l) => l.endsWith(".ts"));
    assert.ok(segments.length >= 2, playlist);
    const pub = serve("127.0.0.2", async (path) => {
      if (path === "/live.m3u8") return new Response(playlist);
      if (path === "/moved.m3u8") return Response.redirect(`${secret.origin}/live.m3u8`, 302);
      if (path === "/foreign.m3u8") {
        // Segments on another host, and one that redirects there.
        return new Response(
          playlist.replace(segments[0], `${secret.origin}/steal.ts`).replace(segments[1], "hop.ts"),
        );
      }
      if (path === "/local.m3u8") {
        // A segment read from this machine's disk: not allowed for a pulled stream.
        return new Response(playlist.replace(segments[0], `file://${dir}/${segments[0]}`));
      }
      if (path === "/hop.ts") return Response.redirect(`${secret.origin}/hop.ts`, 302);
      if (path.endsWith(".ts")) return new Response(await Deno.readFile(`${dir}${path}`));
      return new Response("no", { status: 404 });
    });
    const onlyPublic = (a: string) => a === "127.0.0.2";
    const resolver = new DirectUrlResolver({
      lookup: fakeDns({ "stream.test": ["127.0.0.2"], "inside.test": ["127.0.0.1"] }),
      allowAddress: onlyPublic,
    });
    const sources: UrlSource[] = [];
    const source = async (url: string) => {
      const s = new UrlSource(await resolver.resolve(url));
      sources.push(s);
      return s;
    };
    const port = new URL(pub.origin).port;
    try {
      // The URL itself naming the internal server: refused before anything runs.
      assert.equal(
        await codeOf(resolver.resolve(`http://inside.test:${new URL(secret.origin).port}/a.m3u8`)),
        "url_forbidden:403",
      );

      // 1. The public stream: ffmpeg pulls every segment through the proxy; ENDLIST seen.
      const good = await source(`http://stream.test:${port}/live.m3u8`);
      const run = await pull(good);
      assert.equal(run.code, 0, run.tail);
      assert.ok(pub.hits.filter((p) => p.endsWith(".ts")).length >= 2, String(pub.hits));
      assert.equal(await good.ended(), true);
      assert.equal(good.refusedRequests, 0);

      // 2. A playlist that redirects to the internal server: ffmpeg and the probe refused.
      const moved = await source(`http://stream.test:${port}/moved.m3u8`);
      assert.notEqual((await pull(moved)).code, 0);
      assert.equal(await moved.ended(), false);
      assert.ok(moved.refusedRequests >= 2, String(moved.refusedRequests));

      // 3. Segments listed on the internal host, or redirecting there: refused.
      const foreign = await source(`http://stream.test:${port}/foreign.m3u8`);
      await pull(foreign);
      assert.ok(pub.hits.includes("/hop.ts"), String(pub.hits));
      assert.ok(foreign.refusedRequests >= 2, String(foreign.refusedRequests));

      // 4. A segment named as a local file: refused by ffmpeg's protocol whitelist.
      const local = await source(`http://stream.test:${port}/local.m3u8`);
      const localRun = await pull(local);
      assert.match(localRun.tail, /Protocol 'file' not on whitelist/, localRun.tail);

      // 5. The name answers "public" for the check and "internal" afterwards (rebinding):
      //    the proxy resolves again and connects only to what it checked.
      let asked = 0;
      const rebinding = new DirectUrlResolver({
        lookup: () => Promise.resolve(asked++ === 0 ? ["127.0.0.2"] : ["127.0.0.1"]),
        allowAddress: onlyPublic,
      });
      const rebound = new UrlSource(
        await rebinding.resolve(`http://flip.test:${new URL(secret.origin).port}/live.m3u8`),
      );
      sources.push(rebound);
      assert.notEqual((await pull(rebound)).code, 0);
      assert.ok(rebound.refusedRequests >= 1);

      assert.deepEqual(secret.hits, [], "the internal server was never reached");
    } finally {
      for (const s of sources) await s.close();
      await pub.close();
      await secret.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("guard proxy: CONNECT tunnels to allowed addresses only; bad requests refused", async () => {
  const echo = Deno.listen({ hostname: "127.0.0.2", port: 0 });
  const echoing = (async () => {
    for await (const c of echo) {
      (async () => {
        const buf = new Uint8Array(64);
        const n = await c.read(buf);
        if (n) await c.write(buf.subarray(0, n));
        c.close();
      })();
    }
  })().catch(() => {});
  const proxy = new EgressGuardProxy({
    lookup: fakeDns({ "ok.test": ["127.0.0.2"], "bad.test": ["127.0.0.2", "127.0.0.1"] }),
    allowAddress: (a) => a === "127.0.0.2",
  });
  const port = new URL(proxy.url).port;
  const exchange = async (request: string, then?: string) => {
    const c = await Deno.connect({ hostname: "127.0.0.1", port: Number(port) });
    await c.write(new TextEncoder().encode(request));
    if (then) {
      // Wait for the tunnel's 200, then speak through it.
      const buf = new Uint8Array(256);
      const n = await c.read(buf);
      await c.write(new TextEncoder().encode(then));
      let text = new TextDecoder().decode(buf.subarray(0, n ?? 0));
      for (;;) {
        const m = await c.read(buf);
        if (m === null) break;
        text += new TextDecoder().decode(buf.subarray(0, m));
      }
      c.close();
      return text;
    }
    let text = "";
    const buf = new Uint8Array(256);
    for (;;) {
      const m = await c.read(buf);
      if (m === null) break;
      text += new TextDecoder().decode(buf.subarray(0, m));
    }
    c.close();
    return text;
  };
  try {
    const echoPort = (echo.addr as Deno.NetAddr).port;
    const tunnel = await exchange(`CONNECT ok.test:${echoPort} HTTP/1.1\r\n\r\n`, "ping");
    assert.match(tunnel, /^HTTP\/1\.1 200 [^\r]*\r\n\r\nping$/);
    assert.match(
      await exchange(`CONNECT bad.test:${echoPort} HTTP/1.1\r\n\r\n`),
      /^HTTP\/1\.1 403 /,
    );
    assert.match(
      await exchange(`CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\n\r\n`),
      /^HTTP\/1\.1 403 /,
    );
    assert.match(await exchange(`GET /relative HTTP/1.1\r\n\r\n`), /^HTTP\/1\.1 400 /);
    assert.match(
      await exchange(`GET ftp://ok.test/x HTTP/1.1\r\n\r\n`),
      /^HTTP\/1\.1 400 /,
    );
    assert.equal(proxy.refused, 2);
  } finally {
    await proxy.close();
    echo.close();
    await echoing;
  }
});
