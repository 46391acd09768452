/**
 * Platform live page URL → a recordable stream (`StreamUrlResolver`), with the room's anchor
 * and title. Every request made for it is checked like the recorder's own (SSRF rules of
 * public_address.ts): the platform's page or API host, and the stream host the page names,
 * must resolve to public addresses only, and the page is fetched through an
 * `EgressGuardProxy` that connects only to the address it checked (redirects included).
 * Cookies configured for a platform are sent to it and never logged.
 */
import { MediaError } from "../errors.ts";
import { EgressGuardProxy, type EgressPolicy } from "../recorder/egress_guard.ts";
import { assertPublicHost, type HostLookup, systemLookup } from "../recorder/public_address.ts";
import type { ResolvedStream, StreamUrlResolver } from "../recorder/url_source.ts";
import {
  chooseStream,
  type LivePlatform,
  type LiveRoomInfo,
  type PlatformFetch,
  type Quality,
} from "./platform.ts";

const MAX_PAGE_BYTES = 8 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 15_000;

export interface PlatformResolverOptions {
  platforms: LivePlatform[];
  lookup?: HostLookup;
  /** Tests only: which resolved addresses count as public (default `isPublicAddress`). */
  allowAddress?: (address: string) => boolean;
}

export class PlatformResolver implements StreamUrlResolver {
  readonly #policy: EgressPolicy;
  readonly #lookup: HostLookup;

  constructor(private readonly opts: PlatformResolverOptions) {
    this.#lookup = opts.lookup ?? systemLookup;
    this.#policy = { lookup: this.#lookup, allowAddress: opts.allowAddress };
  }

  /** The platform that reads this URL, or undefined. */
  platformOf(input: string): LivePlatform | undefined {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      return undefined;
    }
    return this.opts.platforms.find((p) => p.matches(url));
  }

  /** The room behind a live page URL (`url_unsupported` when no platform reads it). */
  async room(input: string): Promise<LiveRoomInfo> {
    const platform = this.platformOf(input) ??
      (() => {
        throw new MediaError("url_unsupported", "no platform resolver knows this URL");
      })();
    const proxy = new EgressGuardProxy(this.#policy);
    const client = Deno.createHttpClient({ proxy: { url: proxy.url } });
    try {
      return await platform.info(new URL(input), this.#fetcher(client, proxy));
    } finally {
      client.close();
      await proxy.close();
    }
  }

  async resolve(input: string, opts: { quality?: Quality } = {}): Promise<ResolvedStream> {
    const info = await this.room(input);
    if (!info.live) {
      throw new MediaError("stream_offline", `${info.anchor || info.roomId} is not live now`, 409);
    }
    const chosen = chooseStream(info.streams, opts.quality);
    if (!chosen) {
      throw new MediaError("platform_unreadable", "the live room lists no stream URL", 502);
    }
    let url: URL;
    try {
      url = new URL(chosen.url);
    } catch {
      throw new MediaError("platform_unreadable", "the live room's stream URL is not a URL", 502);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new MediaError("url_unsupported", "only http(s) streams can be recorded");
    }
    await assertPublicHost(url, this.#lookup, this.opts.allowAddress);
    return {
      url: url.href,
      format: chosen.format,
      egress: this.#policy,
      headers: info.headers,
      room: {
        platform: info.platform,
        roomId: info.roomId,
        anchor: info.anchor,
        title: info.title,
      },
      quality: chosen.quality,
    };
  }

  #fetcher(client: Deno.HttpClient, proxy: EgressGuardProxy): PlatformFetch {
    return {
      text: async (target, headers) => {
        const url = new URL(target);
        await assertPublicHost(url, this.#lookup, this.opts.allowAddress);
        let res: Response;
        try {
          res = await fetch(url, {
            headers,
            client,
            signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
          });
        } catch {
          throw new MediaError("platform_unreachable", `${url.host} did not answer`, 502);
        }
        if (proxy.refused > 0) {
          await res.body?.cancel();
          // a redirect (or the host itself, re-resolved) pointing at a private address
          throw new MediaError("url_forbidden", "the platform pointed at a private network", 403);
        }
        if (!res.ok) {
          await res.body?.cancel();
          throw new MediaError("platform_unreachable", `${url.host} answered ${res.status}`, 502);
        }
        const body = new Uint8Array(await res.arrayBuffer());
        if (body.length > MAX_PAGE_BYTES) {
          throw new MediaError("platform_unreadable", `${url.host} answered too much`, 502);
        }
        return new TextDecoder().decode(body);
      },
    };
  }
}
