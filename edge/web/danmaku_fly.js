// Flying danmaku over a video: one item per message, in the freest lane of its layer, moved
// by the `fly` CSS animation (style.css). Shared by the live room (app.js) and the VOD page
// (vod_danmaku.js).
import { el } from "./api.js";

export const FLY_MS = 8000;
/** Per layer: the time (performance.now) each lane is free again. */
const lanesOf = new WeakMap();

export function flyDanmaku(layer, d, { mine = false, burst = false, flyMs = FLY_MS } = {}) {
  let lanes = lanesOf.get(layer);
  if (!lanes) lanesOf.set(layer, lanes = []);
  const laneHeight = 30;
  const laneCount = Math.max(1, Math.floor((layer.clientHeight - 10) / laneHeight));
  const now = performance.now();
  let lane = 0;
  for (let i = 0; i < laneCount; i++) {
    if ((lanes[i] ?? 0) <= now) {
      lane = i;
      break;
    }
    if ((lanes[i] ?? 0) < (lanes[lane] ?? 0)) lane = i;
  }
  const item = el("div", {
    class: "danmaku" + (mine ? " mine" : "") + (burst ? " burst" : ""),
    "data-user": d.userId,
    "data-name": d.name,
  }, d.text);
  if (d.id) item.dataset.id = d.id;
  item.style.top = `${5 + lane * laneHeight}px`;
  layer.append(item);
  const width = item.offsetWidth;
  const distance = layer.clientWidth + width;
  item.style.setProperty("--distance", `${-distance}px`);
  item.style.setProperty("--duration", `${flyMs}ms`);
  // The lane is free once this item's tail has entered the screen (plus a small gap).
  lanes[lane] = now + (flyMs * (width + 40)) / distance;
  item.addEventListener("animationend", () => item.remove());
  return item;
}
