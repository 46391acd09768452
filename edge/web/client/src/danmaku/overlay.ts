/**
 * Flies danmaku over a video layer: each in the topmost free lane of the area the viewer
 * allows (lanes.ts: never overlapping, longer ones faster), at most the density's count at
 * once (the rest are only in the chat list), paused while the pointer is on one, none at all
 * when switched off or when the system asks for reduced motion. The layer is aria-hidden: the
 * chat list carries the same text for screen readers.
 */
import { effect } from "@preact/signals";
import { type Flight, gone, pickLane } from "./lanes.ts";
import { danmakuSettings, DENSITIES, reducedMotion, SPEEDS } from "./settings.ts";

export const LANE_PX = 30;
/** Pixels kept between two danmaku of one lane. */
export const GAP_PX = 24;

export interface FlyItem {
  text: string;
  userId?: string;
  name?: string;
  id?: string;
}
export interface FlyOptions {
  mine?: boolean;
  burst?: boolean;
}

interface LayerState {
  /** The last flight of each lane. */
  last: (Flight | undefined)[];
  /** Everything still on screen. */
  flying: Set<Flight>;
}
const layers = new WeakMap<HTMLElement, LayerState>();

// Settings that apply to what is already flying: opacity, and hidden when switched off.
effect(() => {
  const s = danmakuSettings.value;
  const root = document.documentElement;
  root.style.setProperty("--danmaku-opacity", String(s.opacity));
  root.classList.toggle("danmaku-off", !s.on || reducedMotion.value);
});

/** Flies `d` over `layer`; returns its element, or null when it is not shown. */
export function fly(layer: HTMLElement, d: FlyItem, opts: FlyOptions = {}): HTMLElement | null {
  const s = danmakuSettings.value;
  if (!s.on || reducedMotion.value) return null;
  let state = layers.get(layer);
  if (!state) layers.set(layer, state = { last: [], flying: new Set() });
  const layerWidth = layer.clientWidth;
  const now = performance.now();
  for (const f of state.flying) if (gone(f, layerWidth, now)) state.flying.delete(f);
  if (state.flying.size >= DENSITIES[s.density]) return null;

  const item = document.createElement("div");
  item.className = "danmaku" + (opts.mine ? " mine" : "") + (opts.burst ? " burst" : "");
  if (d.userId) item.dataset.user = d.userId;
  if (d.name) item.dataset.name = d.name;
  if (d.id) item.dataset.id = d.id;
  item.textContent = d.text;
  item.style.visibility = "hidden";
  layer.append(item);
  const width = item.offsetWidth;
  const durationMs = SPEEDS[s.speed];
  const laneCount = Math.max(1, Math.floor((layer.clientHeight * s.area - 10) / LANE_PX));
  const lane = pickLane(state.last, laneCount, width, durationMs, layerWidth, now, GAP_PX);
  if (lane < 0) {
    item.remove();
    return null;
  }
  const flight: Flight = {
    lane,
    width,
    startedAt: now,
    durationMs,
    pausedMs: 0,
    // Where its CSS animation really is (0 until it has started: it holds the lane's entry).
    elapsed: () => {
      const t = item.getAnimations()[0]?.currentTime;
      return typeof t === "number" ? t : 0;
    },
  };
  state.last[lane] = flight;
  state.flying.add(flight);
  item.dataset.lane = String(lane);
  item.style.top = `${5 + lane * LANE_PX}px`;
  item.style.setProperty("--distance", `${-(layerWidth + width)}px`);
  item.style.setProperty("--duration", `${durationMs}ms`);
  item.style.visibility = "";
  // Pause on hover (the model pauses with it, so its lane stays held).
  item.addEventListener("mouseenter", () => {
    flight.pausedSince = performance.now();
    item.classList.add("paused");
  });
  item.addEventListener("mouseleave", () => {
    if (flight.pausedSince !== undefined) {
      flight.pausedMs += performance.now() - flight.pausedSince;
      flight.pausedSince = undefined;
    }
    item.classList.remove("paused");
  });
  item.addEventListener("animationend", () => {
    flight.done = true;
    item.remove();
    state.flying.delete(flight);
  });
  return item;
}
