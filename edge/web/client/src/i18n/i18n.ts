/**
 * `t(key, params)` reads the catalogue of the current locale; `errorText(code)` turns a
 * server error code into a sentence. Both read the `locale` signal, so components that call
 * them re-render when the language switches. The error sentences (the bulk of the text) are
 * loaded for the current language only, right after start, as a chunk of their own.
 */
import { effect, signal } from "@preact/signals";
import { type Locale, locale } from "./locale.ts";
import { en, type Message, type MessageKey } from "./messages_en.ts";
import { zhCN } from "./messages_zh_cn.ts";

export type Params = Record<string, string | number>;

const CATALOGUES: Record<string, Record<MessageKey, Message>> = { en, "zh-CN": zhCN };
const ERRORS: Partial<Record<Locale, Record<string, string>>> = {};
/** Bumped when a language's error sentences arrive (re-renders what showed a fallback). */
const errorsLoaded = signal(0);

const LOADERS: Record<Locale, () => Promise<Record<string, string>>> = {
  en: () => import("./errors_en.ts").then((m) => m.errorsEn),
  "zh-CN": () => import("./errors_zh_cn.ts").then((m) => m.errorsZhCN),
};
effect(() => {
  const lang = locale.value;
  if (ERRORS[lang]) return;
  LOADERS[lang]().then((sentences) => {
    ERRORS[lang] = sentences;
    errorsLoaded.value++;
  }, () => {});
});

function fill(template: string, params: Params | undefined): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name) => {
    const v = params[name];
    return v === undefined ? whole : String(v);
  });
}

export function t(key: MessageKey, params?: Params): string {
  const lang = locale.value;
  const message = CATALOGUES[lang][key];
  if (typeof message === "string") return fill(message, params);
  // `count` (a number) picks the plural form when `n` is a formatted string.
  const n = Number(params?.count ?? params?.n ?? 0);
  const form = new Intl.PluralRules(lang).select(n) === "one" ? message.one : message.other;
  return fill(form, params);
}

/** The sentence for a server error code in the current language (never the raw message). */
export function errorText(code: string): string {
  void errorsLoaded.value;
  return ERRORS[locale.value]?.[code] ?? t("error.unknown", { code });
}
