/**
 * An HTTP proxy on loopback that ffmpeg (`-http_proxy`) and the ENDLIST probe pull external
 * streams through, so every connection they make is checked - not just the URL the user
 * gave. ffmpeg hands the proxy every request: the playlist, its reloads, variant playlists,
 * segments (which may name any host), and each redirect it follows. For each one the proxy
 * resolves the host itself, refuses (403) when any address is not public, and connects to
 * an address it checked - so a name that resolves to a public address for the check and to
 * an internal one a moment later (DNS rebinding) reaches nothing internal either.
 *
 * `GET http://host/...` (absolute form) is forwarded to the checked address in origin form;
 * `CONNECT host:port` (https) is tunnelled to it. Nothing else is served.
 */
import type { Logger } from "../../engine/log.ts";
import { type HostLookup, isPublicAddress, systemLookup } from "./public_address.ts";

export interface EgressPolicy {
  lookup?: HostLookup;
  /** Which resolved addresses may be reached (default: public unicast only). */
  allowAddress?: (address: string) => boolean;
}

const MAX_HEAD_BYTES = 16 * 1024;
const HEAD_TIMEOUT_MS = 10_000;
const encoder = new TextEncoder();

export class EgressGuardProxy {
  readonly url: string;
  /** Requests refused so far (forbidden or unresolvable destinations). */
  refused = 0;
  readonly #listener: Deno.TcpListener;
  readonly #conns = new Set<Deno.Conn>();
  readonly #lookup: HostLookup;
  readonly #allow: (address: string) => boolean;
  readonly #done: Promise<void>;

  constructor(policy: EgressPolicy = {}, private readonly log?: Logger) {
    this.#lookup = policy.lookup ?? systemLookup;
    this.#allow = policy.allowAddress ?? isPublicAddress;
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.url = `http://127.0.0.1:${this.#listener.addr.port}`;
    this.#done = this.#accept();
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.#listener) {
        this.#conns.add(conn);
        void this.#serve(conn).catch(() => {}).finally(() => {
          this.#conns.delete(conn);
          try {
            conn.close();
          } catch { /* closed already */ }
        });
      }
    } catch { /* listener closed */ }
  }

  /** A checked address of `host`, or undefined (refused and logged). */
  async #destination(host: string): Promise<string | undefined> {
    const bare = host.replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase();
    let addresses: string[];
    try {
      addresses = /^[\d.]+$|:/.test(bare) ? [bare] : await this.#lookup(bare);
    } catch {
      addresses = [];
    }
    const ok = !bare.endsWith(".localhost") && addresses.length > 0 &&
      addresses.every((a) => this.#allow(a));
    if (ok) return addresses[0];
    this.refused++;
    this.log?.warn("stream request to a private or unknown host refused", { host: bare });
    return undefined;
  }

  async #serve(client: Deno.Conn): Promise<void> {
    const head = await readHead(client);
    if (!head) return;
    const requestLine = head.text.slice(0, head.text.indexOf("\r\n"));
    const [method, target, version] = requestLine.split(" ");
    let host: string;
    let port: number;
    let forward: Uint8Array | undefined;
    if (method === "CONNECT") {
      const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(target ?? "");
      if (!m) return void await reply(client, "400 Bad Request");
      [host, port] = [m[1], Number(m[2])];
    } else {
      let url: URL;
      try {
        url = new URL(target ?? "");
      } catch {
        return void await reply(client, "400 Bad Request");
      }
      if (url.protocol !== "http:") return void await reply(client, "400 Bad Request");
      host = url.hostname;
      port = Number(url.port || 80);
      // Origin form to the origin; the header bytes go on untouched.
      const line = encoder.encode(`${method} ${url.pathname}${url.search} ${version}`);
      const headers = head.bytes.subarray(requestLine.length);
      forward = new Uint8Array(line.length + headers.length);
      forward.set(line);
      forward.set(headers, line.length);
    }
    const address = await this.#destination(host);
    if (!address) return void await reply(client, "403 Forbidden");
    let upstream: Deno.Conn;
    try {
      upstream = await Deno.connect({ hostname: address, port });
    } catch {
      return void await reply(client, "502 Bad Gateway");
    }
    this.#conns.add(upstream);
    try {
      if (forward) await writeAll(upstream, forward);
      else await writeAll(client, encoder.encode("HTTP/1.1 200 Connection Established\r\n\r\n"));
      if (head.extra.length > 0) await writeAll(upstream, head.extra);
      await Promise.all([pump(client, upstream), pump(upstream, client)]);
    } finally {
      this.#conns.delete(upstream);
      try {
        upstream.close();
      } catch { /* closed already */ }
    }
  }

  async close(): Promise<void> {
    try {
      this.#listener.close();
    } catch { /* closed already */ }
    for (const c of this.#conns) {
      try {
        c.close();
      } catch { /* closed already */ }
    }
    await this.#done;
  }
}

/** The request head (up to the blank line) and whatever bytes came after it. */
async function readHead(
  conn: Deno.Conn,
): Promise<{ text: string; bytes: Uint8Array; extra: Uint8Array } | undefined> {
  const buf = new Uint8Array(MAX_HEAD_BYTES);
  let n = 0;
  const timer = setTimeout(() => {
    try {
      conn.close();
    } catch { /* closed already */ }
  }, HEAD_TIMEOUT_MS);
  try {
    while (n < buf.length) {
      const got = await conn.read(buf.subarray(n));
      if (got === null) return undefined;
      n += got;
      const text = new TextDecoder("latin1").decode(buf.subarray(0, n));
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        // latin1: one character per byte, so string offsets are byte offsets.
        return {
          text: text.slice(0, end + 4),
          bytes: buf.slice(0, end + 4),
          extra: buf.slice(end + 4, n),
        };
      }
    }
    await reply(conn, "431 Request Header Fields Too Large");
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

async function reply(conn: Deno.Conn, status: string): Promise<void> {
  await writeAll(
    conn,
    encoder.encode(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`),
  ).catch(() => {});
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}

/** Copy `from` -> `to` until `from` ends, then half-close `to`. */
async function pump(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const n = await from.read(buf);
      if (n === null) break;
      await writeAll(to, buf.subarray(0, n));
    }
  } catch { /* either side closed */ }
  try {
    await to.closeWrite();
  } catch { /* closed already */ }
}

/**
 * A `Deno.HttpClient` whose every connection goes through its own `EgressGuardProxy`, both made
 * on the first request (`client`): a worker that has sent nothing holds neither the proxy's
 * listener nor the client's TLS roots (issue 18: an idle edge).
 */
export class GuardedHttpClient {
  #proxy: EgressGuardProxy | undefined;
  #client: Deno.HttpClient | undefined;

  constructor(private readonly policy: EgressPolicy, private readonly log?: Logger) {}

  /** The client to pass to `fetch` (made now if it was not). */
  get client(): Deno.HttpClient {
    if (!this.#client) {
      this.#proxy = new EgressGuardProxy(this.policy, this.log);
      this.#client = Deno.createHttpClient({ proxy: { url: this.#proxy.url } });
    }
    return this.#client;
  }

  async close(): Promise<void> {
    this.#client?.close();
    this.#client = undefined;
    await this.#proxy?.close();
    this.#proxy = undefined;
  }
}
