/**
 * `t(key, params)` reads the catalogue of the current locale; `errorText(code)` turns a
 * server error code into a sentence. Both read the `locale` signal, so components that call
 * them re-render when the language switches.
 */
import { errorsEn } from "./errors_en.ts";
import { errorsZhCN } from "./errors_zh_cn.ts";
import { locale } from "./locale.ts";
import { en, type Message, type MessageKey } from "./messages_en.ts";
import { zhCN } from "./messages_zh_cn.ts";

export type Params = Record<string, string | number>;

const CATALOGUES: Record<string, Record<MessageKey, Message>> = { en, "zh-CN": zhCN };
const ERRORS: Record<string, Record<string, string>> = { en: errorsEn, "zh-CN": errorsZhCN };

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
  const sentence = ERRORS[locale.value][code];
  return sentence ?? t("error.unknown", { code });
}

/** Every code the catalogues know (the i18n test compares it with the server's codes). */
export const knownErrorCodes = (lang: "en" | "zh-CN"): string[] => Object.keys(ERRORS[lang]);
