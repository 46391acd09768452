/**
 * The language a user reads what the platform sends them in (push and e-mail notifications):
 * zh-CN or en, the two the web client and the notification texts are written in.
 */
import { z } from "zod";

export const USER_LANGUAGES = ["zh-CN", "en"] as const;
export type UserLanguage = (typeof USER_LANGUAGES)[number];
export const UserLanguageInput = z.enum(USER_LANGUAGES);

/**
 * The user language an `Accept-Language` header prefers: the highest-weighted of its tags that
 * is Chinese (`zh`, `zh-CN`, `zh-Hans`...) or English; undefined when it names neither (or is
 * absent), so the caller picks its default.
 */
export function languageFromAcceptLanguage(header: string | null | undefined):
  | UserLanguage
  | undefined {
  if (!header) return undefined;
  const tags = header.split(",").slice(0, 32).map((part, i) => {
    const [tag, ...params] = part.trim().split(";");
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), i };
  }).filter((t) => t.tag && Number.isFinite(t.q) && t.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of tags) {
    if (tag === "zh" || tag.startsWith("zh-")) return "zh-CN";
    if (tag === "en" || tag.startsWith("en-")) return "en";
  }
  return undefined;
}
