/**
 * The vendored media libraries, loaded only when a page plays something: `livekit-client`
 * (/vendor/livekit-client.js, WebRTC) and `hls.js` (/vendor/hls.js, recordings), UMD builds
 * served from node_modules by the edge (pinned in deno.json, never from a CDN).
 */
export interface HlsLike {
  loadSource(url: string): void;
  attachMedia(v: HTMLVideoElement): void;
  destroy(): void;
}
interface HlsCtor {
  new (): HlsLike;
  isSupported(): boolean;
}

const scripts = new Map<string, Promise<unknown>>();
/** Loads a vendored UMD build once; resolves to its global. */
export function loadVendor<T>(name: string, global: string): Promise<T> {
  if (!scripts.has(name)) {
    scripts.set(
      name,
      new Promise((resolve, reject) => {
        const s = document.createElement("script");
        s.src = `/vendor/${name}.js`;
        const g = globalThis as unknown as Record<string, unknown>;
        s.onload = () => (g[global] ? resolve(g[global]) : reject(new Error(name)));
        s.onerror = () => reject(new Error(`could not load /vendor/${name}.js`));
        document.head.append(s);
      }),
    );
  }
  return scripts.get(name) as Promise<T>;
}

/** Plays an HLS playlist in `video` (hls.js, or natively where the browser can). */
export async function playHls(video: HTMLVideoElement, url: string): Promise<HlsLike> {
  if (video.canPlayType("application/vnd.apple.mpegurl") && !/Chrome/.test(navigator.userAgent)) {
    video.src = url;
    return { destroy: () => video.removeAttribute("src") } as HlsLike;
  }
  const Hls = await loadVendor<HlsCtor>("hls", "Hls");
  if (!Hls.isSupported()) throw new Error("this browser cannot play HLS");
  const hls = new Hls();
  hls.loadSource(url);
  hls.attachMedia(video);
  return hls;
}
