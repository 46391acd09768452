/**
 * Recording an external live stream (HLS or FLV over HTTP) pulled by ffmpeg. Platform page
 * URLs (a channel page rather than a stream) go through a `StreamUrlResolver`.
 */
import { MediaError } from "../errors.ts";
import type { RecordingSource } from "./session.ts";
import type { SegmenterInput } from "./segmenter.ts";

export interface ResolvedStream {
  url: string;
  format: "hls" | "flv";
}

/** Turns what a user pasted into a pullable stream URL. */
export interface StreamUrlResolver {
  resolve(input: string): Promise<ResolvedStream>;
}

/** Loopback, private, link-local and unspecified hosts (by literal address or name). */
export function isPrivateHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost") || h === "::" || h === "::1") return true;
  if (/^(fc|fd)[0-9a-f]{2}:/.test(h) || h.startsWith("fe80:") || h.startsWith("::ffff:")) {
    return true;
  }
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(h);
  if (!v4) return false;
  const [a, b] = [Number(v4[1]), Number(v4[2])];
  return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}

/**
 * Accepts direct stream URLs only (`.m3u8` → HLS, `.flv` → FLV, http/https). Platform
 * resolvers (which scrape or call a platform API) wrap this one. Hosts on private networks
 * are refused (`url_forbidden`) unless allowed: the server pulls the URL, so a user must
 * not point it at internal services. (Names that resolve to private addresses are not
 * caught here; deployments restrict egress at the network too.)
 */
export class DirectUrlResolver implements StreamUrlResolver {
  constructor(private readonly opts: { allowPrivateHosts?: boolean } = {}) {}

  resolve(input: string): Promise<ResolvedStream> {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      return Promise.reject(new MediaError("url_invalid", "not a URL"));
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      return Promise.reject(
        new MediaError("url_unsupported", "only http(s) stream URLs can be recorded"),
      );
    }
    if (!this.opts.allowPrivateHosts && isPrivateHost(url.hostname)) {
      return Promise.reject(
        new MediaError("url_forbidden", "stream URLs on private networks are not recorded", 403),
      );
    }
    if (url.pathname.endsWith(".m3u8")) return Promise.resolve({ url: url.href, format: "hls" });
    if (url.pathname.endsWith(".flv")) return Promise.resolve({ url: url.href, format: "flv" });
    return Promise.reject(
      new MediaError(
        "url_unsupported",
        "no resolver knows this URL: give an .m3u8 (HLS) or .flv stream URL",
      ),
    );
  }
}

/** Tries each resolver in turn; the first that does not refuse with `url_unsupported` wins. */
export class ChainResolver implements StreamUrlResolver {
  constructor(private readonly resolvers: StreamUrlResolver[]) {}
  async resolve(input: string): Promise<ResolvedStream> {
    let last: unknown = new MediaError("url_unsupported", "no resolver configured");
    for (const r of this.resolvers) {
      try {
        return await r.resolve(input);
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

  constructor(private readonly stream: ResolvedStream) {
    const u = new URL(stream.url);
    this.describe = `${stream.format} ${u.protocol}//${u.host}${u.pathname}`; // no query: may hold tokens
  }

  open(_dir: string): Promise<SegmenterInput> {
    return Promise.resolve({
      args: [
        "-rw_timeout",
        "10000000",
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
   */
  async ended(): Promise<boolean> {
    if (this.stream.format !== "hls") return false;
    try {
      const res = await fetch(this.stream.url, { signal: AbortSignal.timeout(5_000) });
      const text = await res.text();
      return res.ok && text.includes("#EXT-X-ENDLIST");
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
