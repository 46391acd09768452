/**
 * The AI room manager's words to a viewer (errors, warnings, `ai_notice` texts) in the
 * stream's language: zh-CN or English (the codes stay the same; clients may translate by code).
 */
import { byLocale, type LanguageTag } from "../../ai/language_tags.ts";

export type NoticeKind = "hidden" | "muted_for" | "warned" | "late_hidden" | "unmuted";

export function noticeText(
  kind: NoticeKind,
  language: LanguageTag,
  reasons: string[] = [],
  seconds = 0,
): string {
  const why = reasons.join(", ");
  switch (kind) {
    case "hidden":
      return byLocale(
        language,
        `你的消息已被房间管理隐藏（${why}）`,
        `your message was hidden by the room's moderation (${why})`,
      );
    case "muted_for":
      return byLocale(
        language,
        `你的消息已被隐藏，并被禁言 ${seconds} 秒（${why}）`,
        `your message was hidden and you are muted for ${seconds} s (${why})`,
      );
    case "warned":
      return byLocale(
        language,
        `你的消息已发出，但违反了房间规则（${why}）`,
        `your message was delivered, but breaks the room's rules (${why})`,
      );
    case "late_hidden":
      return byLocale(
        language,
        `你的一条消息已被房间管理隐藏（${why}）`,
        `a message of yours was hidden by the room's moderation (${why})`,
      );
    case "unmuted":
      return byLocale(language, "房管已解除你的禁言", "a room admin lifted your mute");
  }
}
