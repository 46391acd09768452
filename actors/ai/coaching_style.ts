/**
 * The coaching lines' style, after the Douyin document (docs 002, section 8): each line is
 * something the streamer can say now, ends in a call to action, promises nothing absolute
 * (China's advertising law forbids 最/第一/国家级-style claims; English "best", "#1",
 * "guaranteed" are the same kind), and the frequent questions (price, size, shipping) get an
 * answer template with blanks the streamer fills. Applied to local and LLM tips alike.
 */
import type { LocalLocale } from "./language_tags.ts";

/** Viewers' words quoted in a line are theirs, not the streamer's claim. */
const QUOTED = /「[^」]*」|“[^”]*”|"[^"]*"|『[^』]*』/g;

const ABSOLUTE_ZH =
  /最(?![近后初终])|第一|首选|100\s*[%％]|百分之百|百分百|绝对|保证|永久|万能|根治|零风险|全网|国家级|世界级|顶级|极致|史上|独一无二|唯一|无敌|秒杀全/g;
const ABSOLUTE_EN =
  /\b(?:best|cheapest|greatest|number one|no\.\s?1|guarantee[ds]?|risk[- ]free|forever|never fails?|miracle|lowest price|unbeatable)\b|#1\b|100\s*%/gi;

/** The absolute or exaggerated claims in `text` (outside quoted viewer words). */
export function absoluteClaims(text: string): string[] {
  const own = text.replace(QUOTED, " ");
  return [
    ...new Set([...own.matchAll(ABSOLUTE_ZH), ...own.matchAll(ABSOLUTE_EN)].map((m) => m[0])),
  ];
}

const CTA_ZH =
  /扣\s*[0-9一二三]|关注|点赞|点击|点一?下|小黄车|下单|去拍|拍下|公屏|评论|弹幕|粉丝团|领券|分享|告诉我|问一句|说一句/;
const CTA_EN =
  /\b(?:type|follow|tap|click|comment|drop|grab|share|like|join|ask|tell|say|reply|answer)\b/i;

/** Does the line ask the viewers (or the streamer) to do something specific now? */
export function hasCallToAction(text: string, locale: LocalLocale): boolean {
  return (locale === "zh-CN" ? CTA_ZH : CTA_EN).test(text);
}

type TipKind = "welcome" | "product" | "interaction" | "closing";

const DEFAULT_CTA: Record<LocalLocale, Record<TipKind, string>> = {
  "zh-CN": {
    welcome: "新来的朋友点个关注。",
    product: "想要的扣1，点击下方小黄车就能下单。",
    interaction: "有问题打在公屏上，我一个个回答。",
    closing: "点个关注，下次开播就能收到提醒。",
  },
  en: {
    welcome: "Ask newcomers to follow.",
    product: "Say: “type 1 if you want one — the link is below.”",
    interaction: "Say: “drop your questions in the chat, I'll answer each one.”",
    closing: "Ask viewers to follow so they hear about the next stream.",
  },
};

/** The line, with its type's call to action appended when it has none. */
export function withCallToAction(text: string, type: TipKind, locale: LocalLocale): string {
  if (hasCallToAction(text, locale)) return text;
  const sep = locale === "zh-CN" ? "" : " ";
  return `${text.trim()}${sep}${DEFAULT_CTA[locale][type]}`;
}

/** The frequent questions the templates answer. */
export type FrequentQuestion = "price" | "size" | "shipping";

const ASKS: Record<FrequentQuestion, RegExp> = {
  price: /多少钱|价格|价钱|几块|啥价|\bprice\b|\bhow much\b|\bcost\b/i,
  size: /尺码|码数|多大码|什么码|身高|体重|偏大|偏小|\bsize\b|\bfit\b|\bxl\b/i,
  shipping:
    /发货|快递|包邮|运费|几天到|什么时候到|\bship(?:ping)?\b|\bdelivery\b|\barrive\b|\bpostage\b/i,
};

/** Which frequent question a chat line asks, if any (price first, then size, shipping). */
export function frequentQuestion(text: string): FrequentQuestion | null {
  for (const k of ["price", "size", "shipping"] as const) if (ASKS[k].test(text)) return k;
  return null;
}

/**
 * An answer template the streamer can read out, with blanks in 【】/[ ] for what only the
 * shop knows; `price` fills the price when the screen shows one.
 */
export function answerTemplate(
  q: FrequentQuestion,
  locale: LocalLocale,
  price?: string,
): string {
  if (locale === "zh-CN") {
    switch (q) {
      case "price":
        return `「这款直播间价格是${
          price ?? "【价格】"
        }，优惠以小黄车里显示的为准，想要的点击下方小黄车【链接号】直接拍。」`;
      case "size":
        return "「把身高体重打在公屏上，我帮你对一下尺码；详情页有尺码表，拿不准的先看尺码表再下单。」";
      case "shipping":
        return "「拍下后【发货时间】内发货，快递和运费以详情页为准，有疑问的打在公屏上。」";
    }
  }
  switch (q) {
    case "price":
      return `“It's ${
        price ?? "[price]"
      } in this stream — the offer shown on the product card applies; tap the link below to order.”`;
    case "size":
      return "“Type your height and usual size in the chat and I'll check the size chart for you.”";
    case "shipping":
      return "“Orders ship within [shipping time]; delivery costs are on the product page — ask in the chat if anything is unclear.”";
  }
}
