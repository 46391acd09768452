/** The languages the client speaks, and which one a browser's preferences pick (pure, so
 * server-side tests can import it). */
export const LOCALES = ["zh-CN", "en"] as const;
export type Locale = typeof LOCALES[number];

/** The first of the browser's languages we speak (any `zh*` is zh-CN), else English. */
export function fromBrowser(languages: readonly string[]): Locale {
  for (const lang of languages) {
    const l = lang.toLowerCase();
    if (l.startsWith("zh")) return "zh-CN";
    if (l.startsWith("en")) return "en";
  }
  return "en";
}
