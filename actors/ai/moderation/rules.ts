/**
 * Spam, flood and link rules. Links and contact solicitations are found on the raw text
 * and on a compact form (so `w w w . x . com`, `点com`, `加 v x` are caught); flood looks at
 * one user's recent messages. A room-wide wave of the same text from many users (`666`) is
 * normal chat, not flood, so only per-user repetition counts.
 */

export interface RuleHit {
  rule: "link" | "contact" | "flood_rate" | "flood_repeat" | "char_spam" | "caps";
  /** 1: doubtful, 2: hide and warn, 3: hide and mute. */
  severity: 1 | 2 | 3;
  detail: string;
}

export interface RuleOptions {
  /** Domains that may be posted (the room's own shop, the platform). */
  allowDomains: string[];
  /**
   * More than `max` messages in `windowMs` from one user is flood. `null`: no rate rule here
   * (the caller limits each user's rate itself: a room's token bucket refuses before the AI
   * sees a message, so a room keeps its one per-user rate limit there).
   */
  rate: { max: number; windowMs: number } | null;
  /** The same (normalised) text `max` times within `windowMs` from one user is flood. */
  repeat: { max: number; windowMs: number };
}

export const DEFAULT_RULES: RuleOptions = {
  allowDomains: [],
  rate: { max: 6, windowMs: 10_000 },
  repeat: { max: 3, windowMs: 60_000 },
};

const URL_RE =
  /\b(?:https?:\/\/|www\.)[^\s]+|\b[a-z0-9-]{2,}\.(?:com|net|org|io|cn|xyz|top|cc|me|tv|gg|ru|vip|shop|site|info|biz|co|app|link|club|live)\b(?:\/[^\s]*)?/giu;
const OBFUSCATED_DOT =
  /(?:\b|\p{Script=Han})(?:dot|点|點|\(\.\)|\[\.\])\s*(?:com|net|org|cn|xyz|top|cc|io)\b/iu;
const CONTACT_RE =
  /(?:加|\+|add)\s*(?:我\s*)?(?:v|w|微|薇|威|q|扣|电报|tg|telegram)\s*(?:x|信|x?号|q|群)?|(?:vx|wx|微信|薇信|qq|扣扣|whatsapp|telegram|tg)\s*[:：号]?\s*[\w-]{5,}|(?:私聊|私信|dm me)\s*(?:领|拿|送|赚|get|for)|(?:兼职|日赚|刷单|代练|免费领|free (?:skins?|robux|vbucks|gift ?cards?))/iu;

function hostOf(link: string): string {
  const withScheme = /^https?:\/\//i.test(link) ? link : `http://${link}`;
  try {
    return new URL(withScheme).hostname.toLowerCase();
  } catch {
    return link.toLowerCase();
  }
}

/** Links and contact solicitations in `raw`. */
export function linkRules(raw: string, allowDomains: readonly string[]): RuleHit[] {
  return linkRulesFolded(raw.normalize("NFKC"), allowDomains);
}

/** What any link (or obfuscated one) contains: a dot, `点`/`點`, `dot` or `http`. */
const MAY_LINK = /[.点點]|dot|http/i;

/** `linkRules` of text already NFKC-folded (any case: the patterns ignore case). */
export function linkRulesFolded(text: string, allowDomains: readonly string[]): RuleHit[] {
  const hits: RuleHit[] = [];
  const compact = /\s/.test(text) ? text.replace(/\s+/g, "") : text;
  const mayLink = MAY_LINK.test(text);
  const links = mayLink
    ? new Set([...(text.match(URL_RE) ?? []), ...(compact.match(URL_RE) ?? [])])
    : [];
  for (const m of links) {
    const host = hostOf(m);
    const allowed = allowDomains.some((d) => host === d || host.endsWith(`.${d}`));
    if (!allowed) {
      hits.push({ rule: "link", severity: 2, detail: host });
      break;
    }
  }
  if (hits.length === 0 && mayLink && OBFUSCATED_DOT.test(text)) {
    hits.push({ rule: "link", severity: 2, detail: "obfuscated link" });
  }
  if (CONTACT_RE.test(text) || (compact !== text && CONTACT_RE.test(compact))) {
    hits.push({ rule: "contact", severity: 2, detail: "contact or scam solicitation" });
  }
  return hits;
}

/** Content-only spam: long runs of one character, shouting. */
export function contentRules(raw: string): RuleHit[] {
  const hits: RuleHit[] = [];
  // both rules need at least 20 (caps) or 30 (runs) characters: short lines skip the scans
  if (raw.length < 20) return hits;
  // 哈哈哈 and 666 are how danmaku laughs and cheers: only absurd runs count
  if (raw.length >= 30 && (/(.)\1{29,}/u.test(raw) || /(.{2,4})\1{14,}/u.test(raw))) {
    hits.push({ rule: "char_spam", severity: 1, detail: "long repeated run" });
  }
  const letters = raw.match(/\p{L}/gu) ?? [];
  const upper = raw.match(/\p{Lu}/gu) ?? [];
  if (letters.length >= 20 && upper.length / letters.length > 0.8) {
    hits.push({ rule: "caps", severity: 1, detail: "shouting" });
  }
  return hits;
}

/** Removes the entries `expired` says are gone, in place (a filter without a new array). */
function dropExpired<T>(list: T[], expired: (x: T) => boolean): void {
  let kept = 0;
  for (let i = 0; i < list.length; i++) if (!expired(list[i])) list[kept++] = list[i];
  list.length = kept;
}

interface UserHistory {
  at: number[];
  texts: { at: number; text: string }[];
}

/** Per-user recent messages for flood rules. Memory is bounded by `maxUsers`. */
export class FloodTracker {
  readonly #users = new Map<string, UserHistory>();

  constructor(private readonly opts: RuleOptions, private readonly maxUsers = 50_000) {}

  /** Records a message and returns the flood hits it causes. */
  record(userId: string, normText: string, at: number): RuleHit[] {
    let h = this.#users.get(userId);
    if (!h) {
      if (this.#users.size >= this.maxUsers) this.#evict(at);
      h = { at: [], texts: [] };
      this.#users.set(userId, h);
    }
    const rate = this.opts.rate;
    const repeatFrom = at - this.opts.repeat.windowMs;
    const hits: RuleHit[] = [];
    if (rate !== null) {
      const rateFrom = at - rate.windowMs;
      dropExpired(h.at, (t) => t <= rateFrom);
      h.at.push(at);
      if (h.at.length > rate.max) {
        hits.push({ rule: "flood_rate", severity: 2, detail: `${h.at.length} messages` });
      }
    }
    dropExpired(h.texts, (t) => t.at <= repeatFrom);
    h.texts.push({ at, text: normText });
    let same = 0;
    for (const t of h.texts) if (t.text === normText) same++;
    if (normText.length > 0 && same >= this.opts.repeat.max) {
      hits.push({ rule: "flood_repeat", severity: 2, detail: `same text ${same} times` });
    }
    return hits;
  }

  #evict(now: number): void {
    const horizon = now - Math.max(this.opts.rate?.windowMs ?? 0, this.opts.repeat.windowMs);
    for (const [user, h] of this.#users) {
      const last = Math.max(h.at.at(-1) ?? 0, h.texts.at(-1)?.at ?? 0);
      if (last < horizon) this.#users.delete(user);
    }
    // still full: drop the oldest half (Map keeps insertion order)
    if (this.#users.size >= this.maxUsers) {
      let n = Math.floor(this.#users.size / 2);
      for (const user of this.#users.keys()) {
        if (n-- <= 0) break;
        this.#users.delete(user);
      }
    }
  }
}
