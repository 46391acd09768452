/**
 * The viewer's danmaku settings, remembered per browser: shown or not, opacity, the share of
 * the video they may cover, density (how many at once) and speed. `reducedMotion` follows the
 * system's prefers-reduced-motion: while it asks for less motion nothing flies (the chat list
 * carries every message).
 */
import { effect, signal } from "@preact/signals";

const KEY = "synapse.danmaku";

export const AREAS = [0.25, 0.5, 0.75, 1] as const;
export const DENSITIES = { low: 12, normal: 40, high: 120 } as const;
export type Density = keyof typeof DENSITIES;
/** Milliseconds to cross the layer. */
export const SPEEDS = { slow: 11_000, normal: 8_000, fast: 5_500 } as const;
export type Speed = keyof typeof SPEEDS;

export interface DanmakuSettings {
  on: boolean;
  opacity: number;
  area: typeof AREAS[number];
  density: Density;
  speed: Speed;
}

const DEFAULTS: DanmakuSettings = {
  on: true,
  opacity: 1,
  area: 1,
  density: "normal",
  speed: "normal",
};

function load(): DanmakuSettings {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? "{}");
    const s = { ...DEFAULTS, ...saved };
    if (!AREAS.includes(s.area)) s.area = DEFAULTS.area;
    if (!(s.density in DENSITIES)) s.density = DEFAULTS.density;
    if (!(s.speed in SPEEDS)) s.speed = DEFAULTS.speed;
    s.opacity = Math.min(1, Math.max(0.2, Number(s.opacity) || 1));
    s.on = s.on !== false;
    return s;
  } catch {
    return { ...DEFAULTS };
  }
}

export const danmakuSettings = signal<DanmakuSettings>(load());
effect(() => localStorage.setItem(KEY, JSON.stringify(danmakuSettings.value)));

export function updateSettings(patch: Partial<DanmakuSettings>): void {
  danmakuSettings.value = { ...danmakuSettings.value, ...patch };
}

const motionQuery = matchMedia("(prefers-reduced-motion: reduce)");
export const reducedMotion = signal(motionQuery.matches);
motionQuery.addEventListener("change", (e) => (reducedMotion.value = e.matches));
