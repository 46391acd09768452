/**
 * The stream's language: detected from what is said and written in it (captions, chat), or
 * set by the streamer in the room's settings, and followed by every AI output.
 *
 * Detection is franc-min (trigram profiles of 82 languages, scripts first): unlike a ratio of
 * Han characters it tells Japanese (kana among Han) from Chinese and one Latin-script language
 * from another, so an LLM can be told "Spanish" rather than "not Chinese". It is asked to
 * choose among the languages listed in `LANGUAGES` only, which keeps short English chat from
 * being read as a rare language with similar trigrams. Local templates exist in `zh-CN` and
 * `en` (`localeOf`); for any other language the LLM prompts name it and the local fallbacks
 * are English.
 */
import { franc } from "franc-min";
import {
  ENGLISH_NAMES,
  LANGUAGES,
  type LanguageSetting,
  type LanguageTag,
} from "./language_tags.ts";

const BY_ISO = new Map<string, LanguageTag>(
  Object.entries(LANGUAGES).map(([tag, iso]) => [iso, tag as LanguageTag]),
);
const ONLY = Object.values(LANGUAGES) as string[];

export interface LanguageGuess {
  tag: LanguageTag;
  /** How many texts and characters the guess was made from. */
  samples: number;
  chars: number;
}

/** Below this many letters (4 in CJK scripts) no guess is made (emoji or "1" say nothing). */
export const MIN_LANGUAGE_CHARS = 12;
/** At most this many characters are looked at (about 1.5 ms of CPU here). */
const MAX_SAMPLE_CHARS = 1_500;

/**
 * The language of `texts` taken together (newest last; the newest are kept when they are
 * long), or null when there is too little text. Weights: repeat a text to weigh it more.
 */
export function detectLanguage(texts: readonly string[]): LanguageGuess | null {
  const kept: string[] = [];
  let chars = 0;
  for (let i = texts.length - 1; i >= 0 && chars < MAX_SAMPLE_CHARS; i--) {
    const t = texts[i].replace(/[\p{P}\p{S}\p{N}\s]+/gu, " ").trim();
    if (t === "") continue;
    kept.push(t);
    chars += t.length;
  }
  const joined = kept.join(" ");
  const letters = joined.replace(/\s+/g, "").length;
  // a Han character carries about a word: a few of them are enough
  const min =
    /[\p{Script=Han}\p{Script=Hangul}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(joined)
      ? 4
      : MIN_LANGUAGE_CHARS;
  if (letters < min) return null;
  const iso = franc(kept.reverse().join(" | ").slice(-MAX_SAMPLE_CHARS), {
    minLength: 1,
    only: ONLY,
  });
  const tag = BY_ISO.get(iso);
  return tag ? { tag, samples: kept.length, chars } : null;
}

/** The language to use: the streamer's setting, else what was detected, else English. */
export function effectiveLanguage(
  setting: LanguageSetting | undefined,
  detected: LanguageTag | null | undefined,
): LanguageTag {
  if (setting && setting !== "auto") return setting;
  return detected ?? "en";
}

/**
 * The sentence every LLM prompt carries so its answer follows the stream's language; the
 * names are English (the prompts are), with the language's own name for Chinese.
 */
export function languageInstruction(tag: LanguageTag): string {
  const extra = tag === "zh-CN" ? "（用简体中文回答）" : "";
  return `Write every human-readable text in ${ENGLISH_NAMES[tag]} (${tag})${extra}, ` +
    "whatever language these instructions are in; keep JSON keys and enum values as given.";
}
