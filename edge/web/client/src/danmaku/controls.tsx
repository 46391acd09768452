/** The room's danmaku controls: a show/hide toggle and a settings panel (opacity, area,
 * density, speed); a note when the system's reduced-motion setting keeps them still. */
import { t } from "../i18n/i18n.ts";
import {
  AREAS,
  danmakuSettings,
  DENSITIES,
  type Density,
  reducedMotion,
  type Speed,
  SPEEDS,
  updateSettings,
} from "./settings.ts";

const value = (e: Event) => (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;

export function DanmakuControls() {
  const s = danmakuSettings.value;
  return (
    <div class="danmaku-controls">
      <button
        type="button"
        id="danmaku-toggle"
        class="pill-button"
        aria-pressed={s.on}
        onClick={() => updateSettings({ on: !s.on })}
      >
        {t("danmaku.toggle")}
      </button>
      <details class="danmaku-settings">
        <summary class="pill-button">{t("danmaku.settings")}</summary>
        <div class="popover">
          {reducedMotion.value && (
            <p class="note" id="danmaku-reduced-motion">{t("danmaku.reducedMotion")}</p>
          )}
          <label>
            <span>{t("danmaku.opacity")}</span>
            <input
              id="danmaku-opacity"
              type="range"
              min={20}
              max={100}
              step={10}
              value={Math.round(s.opacity * 100)}
              onInput={(e) => updateSettings({ opacity: Number(value(e)) / 100 })}
            />
          </label>
          <label>
            <span>{t("danmaku.area")}</span>
            <select
              id="danmaku-area"
              value={String(s.area)}
              onChange={(e) => updateSettings({ area: Number(value(e)) as typeof AREAS[number] })}
            >
              {AREAS.map((a) => (
                <option key={a} value={String(a)}>{t("danmaku.areaShare", { n: a * 100 })}</option>
              ))}
            </select>
          </label>
          <label>
            <span>{t("danmaku.density")}</span>
            <select
              id="danmaku-density"
              value={s.density}
              onChange={(e) => updateSettings({ density: value(e) as Density })}
            >
              {(Object.keys(DENSITIES) as Density[]).map((d) => (
                <option key={d} value={d}>{t(`danmaku.density.${d}`)}</option>
              ))}
            </select>
          </label>
          <label>
            <span>{t("danmaku.speed")}</span>
            <select
              id="danmaku-speed"
              value={s.speed}
              onChange={(e) => updateSettings({ speed: value(e) as Speed })}
            >
              {(Object.keys(SPEEDS) as Speed[]).map((v) => (
                <option key={v} value={v}>{t(`danmaku.speed.${v}`)}</option>
              ))}
            </select>
          </label>
        </div>
      </details>
    </div>
  );
}
