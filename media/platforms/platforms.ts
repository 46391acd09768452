/**
 * The platforms a recording URL may name, from configuration, chained before the direct
 * stream-URL resolver (an `.m3u8`/`.flv` URL is recorded as it is).
 */
import { ChainResolver, DirectUrlResolver } from "../recorder/url_source.ts";
import type { HostLookup } from "../recorder/public_address.ts";
import { BilibiliPlatform } from "./bilibili.ts";
import type { PlatformConfig } from "./config.ts";
import { DouyinPlatform } from "./douyin.ts";
import { PlatformResolver } from "./resolver.ts";

export interface UrlResolvers {
  platforms: PlatformResolver;
  /** Platform pages first, then direct stream URLs. */
  chain: ChainResolver;
}

export function urlResolvers(
  config: PlatformConfig & { BILIBILI_LIVE_API: string },
  policy: { lookup?: HostLookup; allowAddress?: (address: string) => boolean } = {},
): UrlResolvers {
  const platforms = new PlatformResolver({
    platforms: [
      new DouyinPlatform({ baseUrl: config.DOUYIN_BASE_URL, cookie: config.DOUYIN_COOKIE }),
      new BilibiliPlatform({ apiBaseUrl: config.BILIBILI_LIVE_API }),
    ],
    ...policy,
  });
  return { platforms, chain: new ChainResolver([platforms, new DirectUrlResolver(policy)]) };
}
