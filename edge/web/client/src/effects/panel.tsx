/** The Go live page's effect switches, with the running effects' figures once live. */
import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n/i18n.ts";
import type { MessageKey } from "../i18n/messages_en.ts";
import { running } from "./effects.ts";
import type { MeterStats } from "./meter.ts";
import { type EffectSettings, effectSettings, STICKERS, updateEffects } from "./settings.ts";

type Switch = "noise" | "blur" | "background" | "beauty";
const SWITCHES: Switch[] = ["noise", "blur", "background", "beauty"];
const SLIDERS = ["smoothing", "brightness", "warmth"] as const;

function useStats(): MeterStats | undefined {
  const [stats, setStats] = useState<MeterStats | undefined>(undefined);
  useEffect(() => {
    const timer = setInterval(() => setStats(running.value?.video?.stats()), 1000);
    return () => clearInterval(timer);
  }, []);
  return stats;
}

export function EffectsPanel() {
  const s: EffectSettings = effectSettings.value;
  const stats = useStats();
  return (
    <fieldset class="effects-panel" id="effects-panel">
      <legend>{t("effects.title")}</legend>
      {SWITCHES.map((k) => (
        <label key={k} class="effects-switch">
          <input
            type="checkbox"
            role="switch"
            id={`effect-${k}`}
            checked={s[k]}
            onChange={(e) => updateEffects({ [k]: (e.currentTarget as HTMLInputElement).checked })}
          />
          <span>{t(`effects.${k}` as MessageKey)}</span>
        </label>
      ))}
      {s.beauty && SLIDERS.map((k) => (
        <label key={k} class="effects-slider">
          <span>{t(`effects.${k}`)}</span>
          <input
            type="range"
            id={`effect-${k}`}
            min={0}
            max={100}
            step={5}
            value={Math.round(s[k] * 100)}
            onInput={(e) =>
              updateEffects({ [k]: Number((e.currentTarget as HTMLInputElement).value) / 100 })}
          />
        </label>
      ))}
      <label class="effects-slider">
        <span>{t("effects.sticker")}</span>
        <select
          id="effect-sticker"
          value={s.sticker}
          onChange={(e) =>
            updateEffects({
              sticker: (e.currentTarget as HTMLSelectElement).value as EffectSettings["sticker"],
            })}
        >
          {STICKERS.map((k) => <option key={k} value={k}>{t(`effects.sticker.${k}`)}</option>)}
        </select>
      </label>
      <label class="effects-switch">
        <input
          type="checkbox"
          id="effect-autoOff"
          checked={s.autoOff}
          onChange={(e) =>
            updateEffects({ autoOff: (e.currentTarget as HTMLInputElement).checked })}
        />
        <span>{t("effects.autoOff")}</span>
      </label>
      {stats && (
        <p class="note" id="effects-stats">
          {t("effects.stats", {
            fps: stats.fps,
            ms: stats.latencyMs.toFixed(1),
            modelFps: stats.modelFps,
          })}
        </p>
      )}
      <p class="note">{t("effects.local")}</p>
    </fieldset>
  );
}
