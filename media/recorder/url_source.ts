/**
 * Recording an external live stream (HLS or FLV over HTTP) pulled by ffmpeg. Platform page
 * URLs (a channel page rather than a stream) go through a `StreamUrlResolver`. The server
 * makes these requests for a user, so they must not reach internal services (SSRF): see
 * `DirectUrlResolver` and `EgressGuardProxy` (egress_guard.ts).
 */
import { MediaError } from "../errors.ts";
import { EgressGuardProxy, type EgressPolicy } from "./egress_guard.ts";
import { assertPublicHost, type HostLookup, systemLookup } from "./public_address.ts";
import type { RecordingSource } from "./session.ts";
import type { SegmenterInput } from "./segmenter.ts";

export interface ResolvedStream {
  url: string;
  format: "hls" | "flv";
  /**
   * Pull through an `EgressGuardProxy` with this policy (every request ffmpeg makes is
   * checked); unset: connect directly (trusted URLs, tests of loopback streams).
   */
  egress?: EgressPolicy;
  /** Request headers the source expects (a platform's referer or cookie): never logged. */
  headers?: Record<string, string>;
  /** The live room behind a platform page URL (media/platforms/). */
  room?: { platform: string; roomId: string; anchor: string; title: string };
  /** The quality chosen (platform URLs). */
  quality?: string;
}

export interface ResolveOptions {
  /** Wanted quality (`OD`, `UHD`, `HD`, `SD`, `LD`); platform URLs only. */
  quality?: "OD" | "UHD" | "HD" | "SD" | "LD";
}

/** Turns what a user pasted into a pullable stream URL. */
export interface StreamUrlResolver {
  resolve(input: string, opts?: ResolveOptions): Promise<ResolvedStream>;
}

/**
 * Accepts direct stream URLs only (`.m3u8` → HLS, `.flv` → FLV, http/https). Platform
 * resolvers (which scrape or call a platform API) wrap this one. The server pulls the URL,
 * so a user must not point it at internal services: unless `allowPrivateHosts`, a host that
 * is, or resolves to, any address that is not public is refused (`url_forbidden`, 403),
 * and the stream is pulled through an `EgressGuardProxy` that checks every later request
 * too (playlist reloads, segments on other hosts, redirects) and connects only to the
 * addresses it checked.
 */
export class DirectUrlResolver implements StreamUrlResolver {
  readonly #lookup: HostLookup;

  constructor(
    private readonly opts: {
      allowPrivateHosts?: boolean;
      lookup?: HostLookup;
      /** Tests only: which resolved addresses count as public (default `isPublicAddress`). */
      allowAddress?: (address: string) => boolean;
    } = {},
  ) {
    this.#lookup = opts.lookup ?? systemLookup;
  }

  async resolve(input: string): Promise<ResolvedStream> {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      throw new MediaError("url_invalid", "not a URL");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new MediaError("url_unsupported", "only http(s) stream URLs can be recorded");
    }
    const format = url.pathname.endsWith(".m3u8")
      ? "hls"
      : url.pathname.endsWith(".flv")
      ? "flv"
      : undefined;
    if (!format) {
      throw new MediaError(
        "url_unsupported",
        "no resolver knows this URL: give an .m3u8 (HLS) or .flv stream URL",
      );
    }
    if (this.opts.allowPrivateHosts) return { url: url.href, format };
    await assertPublicHost(url, this.#lookup, this.opts.allowAddress);
    return {
      url: url.href,
      format,
      egress: { lookup: this.#lookup, allowAddress: this.opts.allowAddress },
    };
  }
}

/** Tries each resolver in turn; the first that does not refuse with `url_unsupported` wins. */
export class ChainResolver implements StreamUrlResolver {
  constructor(private readonly resolvers: StreamUrlResolver[]) {}
  async resolve(input: string, opts?: ResolveOptions): Promise<ResolvedStream> {
    let last: unknown = new MediaError("url_unsupported", "no resolver configured");
    for (const r of this.resolvers) {
      try {
        return await r.resolve(input, opts);
      } catch (err) {
        last = err;
        if (!(err instanceof MediaError && err.code === "url_unsupported")) throw err;
      }
    }
    throw last;
  }
}

export class UrlSource implements RecordingSource {
  readonly kind = "url" as const;
  readonly describe: string;
  #proxy?: EgressGuardProxy;
  #client?: Deno.HttpClient;

  constructor(private readonly stream: ResolvedStream) {
    const u = new URL(stream.url);
    this.describe = `${stream.format} ${u.protocol}//${u.host}${u.pathname}`; // no query: may hold tokens
  }

  /** The guard proxy (started on the first run, kept until `close`), when the stream has one. */
  #guard(): EgressGuardProxy | undefined {
    if (!this.stream.egress) return undefined;
    if (!this.#proxy) {
      this.#proxy = new EgressGuardProxy(this.stream.egress);
      this.#client = Deno.createHttpClient({ proxy: { url: this.#proxy.url } });
    }
    return this.#proxy;
  }

  /** Requests the guard proxy refused (0 without one). */
  get refusedRequests(): number {
    return this.#proxy?.refused ?? 0;
  }

  open(_dir: string): Promise<SegmenterInput> {
    const proxy = this.#guard();
    return Promise.resolve({
      args: [
        "-rw_timeout",
        "10000000",
        // Every request (reloads, segments, redirects) goes through the checking proxy.
        // and nothing else (an HLS playlist may name file: URLs, read locally otherwise).
        ...(proxy
          ? ["-http_proxy", proxy.url, "-protocol_whitelist", "http,https,tls,tcp,httpproxy,crypto"]
          : []),
        ...(this.stream.headers
          ? [
            "-headers",
            Object.entries(this.stream.headers).map(([k, v]) => `${k}: ${v}\r\n`).join(""),
          ]
          : []),
        "-i",
        this.stream.url,
      ],
      outputArgs: ["-map", "0:v:0?", "-map", "0:a:0?"],
    });
  }

  /**
   * ffmpeg exits 0 both when a stream ends and when its server vanishes, so look: an HLS
   * stream is over when its playlist carries ENDLIST. Otherwise (unreachable, still live,
   * or FLV) the session restarts ffmpeg, and gives up as `source_lost` after its retries.
   * The probe goes through the same guard proxy as ffmpeg (redirects are checked there).
   */
  async ended(): Promise<boolean> {
    if (this.stream.format !== "hls") return false;
    this.#guard();
    try {
      const res = await fetch(this.stream.url, {
        signal: AbortSignal.timeout(5_000),
        client: this.#client,
        headers: this.stream.headers,
      });
      if (!res.ok) {
        await res.body?.cancel();
        return false;
      }
      return (await res.text()).includes("#EXT-X-ENDLIST");
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.#client?.close();
    this.#client = undefined;
    await this.#proxy?.close();
    this.#proxy = undefined;
  }
}
