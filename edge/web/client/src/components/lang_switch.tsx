/** The language switch in the header: a labelled select, remembered across visits. */
import { t } from "../i18n/i18n.ts";
import { type Locale, locale, LOCALES, setLocale } from "../i18n/locale.ts";

export function LangSwitch() {
  return (
    <label class="lang-switch">
      <span class="visually-hidden">{t("lang.label")}</span>
      <select
        id="lang-select"
        value={locale.value}
        onChange={(e) => setLocale((e.currentTarget as HTMLSelectElement).value as Locale)}
      >
        {LOCALES.map((l) => <option key={l} value={l} lang={l}>{t(`lang.${l}`)}</option>)}
      </select>
    </label>
  );
}
