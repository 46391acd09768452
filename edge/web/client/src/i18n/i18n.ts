/**
 * `t(key, params)` reads the catalogue of the current locale; `errorText(code)` turns a
 * server error code into a sentence. Both read the `locale` signal, so components that call
 * them re-render when the language switches. Each language's catalogue and its error
 * sentences are chunks of their own, loaded for the language in use only: an entry awaits
 * `catalogueReady()` before it renders; the error sentences follow right after start.
 */
import { effect, signal } from "@preact/signals";
import { type Locale, locale } from "./locale.ts";
import type { Message, MessageKey } from "./messages_en.ts";

export type Params = Record<string, string | number>;

const CATALOGUES: Partial<Record<Locale, Record<MessageKey, Message>>> = {};
/** Bumped when a language's catalogue arrives (re-renders what showed another language). */
const cataloguesLoaded = signal(0);
const CATALOGUE_LOADERS: Record<Locale, () => Promise<Record<MessageKey, Message>>> = {
  en: () => import("./messages_en.ts").then((m) => m.en),
  "zh-CN": () => import("./messages_zh_cn.ts").then((m) => m.zhCN),
};
const catalogueLoads: Partial<Record<Locale, Promise<void>>> = {};

function loadCatalogue(lang: Locale): Promise<void> {
  return catalogueLoads[lang] ??= CATALOGUE_LOADERS[lang]().then((messages) => {
    CATALOGUES[lang] = messages;
    cataloguesLoaded.value++;
  });
}

/** Resolves once the current language's catalogue is in (entries render after it). */
export function catalogueReady(): Promise<void> {
  return loadCatalogue(locale.value);
}
const ERRORS: Partial<Record<Locale, Record<string, string>>> = {};
/** Bumped when a language's error sentences arrive (re-renders what showed a fallback). */
const errorsLoaded = signal(0);

const LOADERS: Record<Locale, () => Promise<Record<string, string>>> = {
  en: () => import("./errors_en.ts").then((m) => m.errorsEn),
  "zh-CN": () => import("./errors_zh_cn.ts").then((m) => m.errorsZhCN),
};
effect(() => {
  const lang = locale.value;
  loadCatalogue(lang).catch(() => {});
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

/** The catalogue to read: the current language's, else (while it loads) the one there is. */
function catalogue(): { lang: Locale; messages: Partial<Record<MessageKey, Message>> } {
  void cataloguesLoaded.value;
  const lang = locale.value;
  const messages = CATALOGUES[lang];
  if (messages) return { lang, messages };
  const other = (Object.keys(CATALOGUES) as Locale[])[0];
  return other ? { lang: other, messages: CATALOGUES[other]! } : { lang, messages: {} };
}

/** Whether the catalogue has `key` (for keys made from what the server sent). */
export function hasMessage(key: string): key is MessageKey {
  return key in catalogue().messages;
}

export function t(key: MessageKey, params?: Params): string {
  const { lang, messages } = catalogue();
  const message = messages[key];
  if (message === undefined) return key;
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
