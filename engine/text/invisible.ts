/**
 * The one definition of "invisible" shared by every boundary that shows text to people (chat,
 * names, titles, knowledge-base entries) and by the moderation normaliser: Unicode's
 * Default_Ignorable_Code_Point set (zero-width characters, joiners, bidi marks, embeddings,
 * overrides and isolates, soft hyphen U+00AD, combining grapheme joiner U+034F, Hangul fillers
 * U+115F/U+1160/U+3164/U+FFA0, Mongolian selectors U+180B-U+180F, variation selectors,
 * tag characters...), plus the fillers Unicode does not list there but that render as nothing
 * (Braille blank U+2800, interlinear annotation controls U+FFF9-U+FFFB) and C0/C1 control
 * characters other than whitespace.
 *
 * `cleanVisibleText` removes them (keeping the zero-width joiner and variation selectors
 * where they build an emoji or an ideographic variant), normalises to NFC and collapses whitespace; text that is empty
 * afterwards is blank (`isBlank`).
 */

/** Emoji glue: the zero-width joiner and variation selectors (U+FE00-FE0F, U+E0100-E01EF). */
const EMOJI_GLUE_CLASS = "\\u200D\\uFE00-\\uFE0F\\u{E0100}-\\u{E01EF}";
/**
 * Default_Ignorable_Code_Point without the emoji glue, spelled out as ranges (Unicode 15.1
 * DerivedCoreProperties; faster to match than the property escape). With the glue it is the
 * whole property: tests/text_policy.test.ts checks that against
 * `\p{Default_Ignorable_Code_Point}` code point by code point, so newer Unicode data in the
 * engine makes the test say so.
 */
const IGNORABLE_NOT_GLUE = "\\u00AD\\u034F\\u061C\\u115F\\u1160\\u17B4\\u17B5\\u180B-\\u180F" +
  "\\u200B\\u200C\\u200E\\u200F\\u202A-\\u202E\\u2060-\\u206F\\u3164\\uFEFF\\uFFA0\\uFFF0-\\uFFF8" +
  "\\u{1BCA0}-\\u{1BCA3}\\u{1D173}-\\u{1D17A}\\u{E0000}-\\u{E00FF}\\u{E01F0}-\\u{E0FFF}";
/** Invisible besides Default_Ignorable: Braille blank, interlinear annotation, controls. */
const OTHER_INVISIBLE = "\\u2800\\uFFF9-\\uFFFB\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u009F";

/** Default_Ignorable_Code_Point as a character class body (exported for the test). */
export const DEFAULT_IGNORABLE_CLASS = IGNORABLE_NOT_GLUE + EMOJI_GLUE_CLASS;

/** Every invisible character (global), glue included: for comparison forms. */
export const INVISIBLE_ALL = new RegExp(
  `[${IGNORABLE_NOT_GLUE}${EMOJI_GLUE_CLASS}${OTHER_INVISIBLE}]`,
  "gu",
);
/** Invisible characters other than emoji glue (global). */
const INVISIBLE_EXCEPT_GLUE = new RegExp(`[${IGNORABLE_NOT_GLUE}${OTHER_INVISIBLE}]`, "gu");
/** A variation selector not right after an emoji-capable character or a Han ideograph. */
const STRAY_SELECTOR = /(?<![\p{Emoji}\p{Script=Han}])[\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/gu;
/** A zero-width joiner is kept only inside an emoji sequence (e.g. woman, ZWJ, laptop: a technologist). */
const STRAY_ZWJ =
  /(?<!\p{Extended_Pictographic}[\uFE0E\uFE0F]?|\p{Emoji_Modifier})\u200D|\u200D(?!\p{Extended_Pictographic})/gu;
const WHITESPACE_RUN = /\s+/gu;
/** Any emoji glue at all (most text has none: the glue passes are skipped). */
const HAS_GLUE = new RegExp(`[${EMOJI_GLUE_CLASS}]`, "u");

/** `text` without any invisible character, glue included (for matching, not for display). */
export function stripAllInvisible(text: string): string {
  return text.replace(INVISIBLE_ALL, "");
}

/**
 * `text` without invisible characters, except a joiner between emoji and a variation selector
 * right after an emoji or a Han ideograph (a variation sequence). Whitespace is left as it is.
 */
export function removeInvisible(text: string): string {
  const visible = text.replace(INVISIBLE_EXCEPT_GLUE, "");
  return HAS_GLUE.test(visible)
    ? visible.replace(STRAY_SELECTOR, "").replace(STRAY_ZWJ, "")
    : visible;
}

/** NFC, invisible characters removed, whitespace runs collapsed to one space, trimmed. */
export function cleanVisibleText(raw: string): string {
  return removeInvisible(raw.normalize("NFC")).replace(WHITESPACE_RUN, " ").trim();
}

/** True when nothing visible is left of `raw` (only whitespace and invisible characters). */
export function isBlank(raw: string): boolean {
  return cleanVisibleText(raw).length === 0;
}
