/**
 * The streamer's effect switches, remembered per browser: noise suppression, background blur,
 * a virtual background (blur and background exclude each other), the beauty filter with its
 * three strengths, and a face sticker. Everything is off until the streamer turns it on.
 */
import { effect, signal } from "@preact/signals";

const KEY = "synapse.effects";

export const STICKERS = ["none", "crown", "glasses"] as const;
export type Sticker = typeof STICKERS[number];

export interface EffectSettings {
  noise: boolean;
  blur: boolean;
  background: boolean;
  beauty: boolean;
  /** Beauty strengths, 0–1. */
  smoothing: number;
  brightness: number;
  warmth: number;
  sticker: Sticker;
  /** Turn the video effects off when the device cannot keep up (meter.ts). */
  autoOff: boolean;
}

export const DEFAULT_EFFECTS: EffectSettings = {
  noise: false,
  blur: false,
  background: false,
  beauty: false,
  smoothing: 0.5,
  brightness: 0.3,
  warmth: 0.3,
  sticker: "none",
  autoOff: true,
};

const unit = (v: unknown, d: number) => {
  const n = Number(v);
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : d;
};

/** A clean settings object from anything (storage, a caller). */
export function normalise(raw: Partial<EffectSettings>): EffectSettings {
  const s = { ...DEFAULT_EFFECTS, ...raw };
  return {
    noise: s.noise === true,
    blur: s.blur === true,
    background: s.background === true && s.blur !== true,
    beauty: s.beauty === true,
    smoothing: unit(s.smoothing, DEFAULT_EFFECTS.smoothing),
    brightness: unit(s.brightness, DEFAULT_EFFECTS.brightness),
    warmth: unit(s.warmth, DEFAULT_EFFECTS.warmth),
    sticker: STICKERS.includes(s.sticker) ? s.sticker : "none",
    autoOff: s.autoOff !== false,
  };
}

function load(): EffectSettings {
  try {
    return normalise(JSON.parse(localStorage.getItem(KEY) ?? "{}"));
  } catch {
    return { ...DEFAULT_EFFECTS };
  }
}

export const effectSettings = signal<EffectSettings>(load());
effect(() => localStorage.setItem(KEY, JSON.stringify(effectSettings.value)));

/** Change some switches; turning blur on turns the virtual background off and back. */
export function updateEffects(patch: Partial<EffectSettings>): void {
  const next = { ...effectSettings.value, ...patch };
  if (patch.blur) next.background = false;
  if (patch.background) next.blur = false;
  effectSettings.value = normalise(next);
}

/** Whether any video effect is on. */
export function anyVideoEffect(s: EffectSettings): boolean {
  return s.blur || s.background || s.beauty || s.sticker !== "none";
}
