// Flying danmaku for the live room (app.js) and the VOD page (vod_danmaku.js). They are drawn by
// the TypeScript client's overlay (client/src/danmaku/overlay.ts: lanes that never overlap,
// longer ones faster, the viewer's settings, pause on hover, off under reduced motion), which
// the page loads before this module.

/** Flies `d` over `layer`; the element, or null when it is not shown. */
export function flyDanmaku(layer, d, opts = {}) {
  return globalThis.synapseClient.fly(layer, d, opts);
}
