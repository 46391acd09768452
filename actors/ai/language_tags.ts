/**
 * The languages the room's AI can be set to and writes in, without the detector (so the room's
 * contract and the web client can use them without loading franc). Local templates exist in
 * `zh-CN` and `en` (`localeOf`).
 */
/** Languages the room setting offers and detection may answer: BCP-47 tag -> ISO 639-3. */
export const LANGUAGES = {
  "zh-CN": "cmn",
  "en": "eng",
  "ja": "jpn",
  "ko": "kor",
  "es": "spa",
  "pt": "por",
  "fr": "fra",
  "de": "deu",
  "ru": "rus",
  "it": "ita",
  "vi": "vie",
  "th": "tha",
  "id": "ind",
  "ar": "arb",
  "tr": "tur",
} as const;
export type LanguageTag = keyof typeof LANGUAGES;
export const LANGUAGE_TAGS = Object.keys(LANGUAGES) as LanguageTag[];

/** The room setting: a language, or `auto` (follow what detection finds). */
export type LanguageSetting = LanguageTag | "auto";
export const LANGUAGE_SETTINGS: readonly LanguageSetting[] = ["auto", ...LANGUAGE_TAGS];

/** The languages the local templates are written in. */
export type LocalLocale = "zh-CN" | "en";

export const ENGLISH_NAMES: Record<LanguageTag, string> = {
  "zh-CN": "Simplified Chinese",
  "en": "English",
  "ja": "Japanese",
  "ko": "Korean",
  "es": "Spanish",
  "pt": "Portuguese",
  "fr": "French",
  "de": "German",
  "ru": "Russian",
  "it": "Italian",
  "vi": "Vietnamese",
  "th": "Thai",
  "id": "Indonesian",
  "ar": "Arabic",
  "tr": "Turkish",
};

/** The local templates' language for `tag`. */
export function localeOf(tag: string | null | undefined): LocalLocale {
  return tag?.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

/** Picks the zh-CN or the English text for `tag`. */
export function byLocale<T>(tag: string | null | undefined, zh: T, en: T): T {
  return localeOf(tag) === "zh-CN" ? zh : en;
}

export function isLanguageTag(x: unknown): x is LanguageTag {
  return typeof x === "string" && x in LANGUAGES;
}

/** The stream's language as the room reports it (`ai` state). */
export interface StreamLanguageView {
  setting: LanguageSetting;
  /** What detection found in the recent captions and chat (null: too little text yet). */
  detected: LanguageTag | null;
  /** The language AI output uses now. */
  effective: LanguageTag;
}
