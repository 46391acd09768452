/**
 * Local sentiment for danmaku: a lexicon of Chinese and English chat slang, emoji and
 * meme spellings (哈哈哈, 666, 破防, 泪目, ？？？, yyds, xswl, pog, 💀...), matched in one
 * Aho–Corasick pass, with negation (不/没/not), intensity from repetition and `!!!`, and
 * sarcasm markers (呵呵, 就这, 好好好, 🙄, 🤡, /s, "yeah right") that turn praise into its
 * opposite. Plus a per-minute aggregation helper for the room's mood series.
 */
import { AhoCorasick } from "./moderation/aho_corasick.ts";

export type Emotion =
  | "laugh"
  | "hype"
  | "love"
  | "moved"
  | "sad"
  | "angry"
  | "confused"
  | "bored"
  | "sarcasm";

export interface SentimentResult {
  /** -1 (hostile) .. 1 (delighted). */
  score: number;
  label: "positive" | "neutral" | "negative";
  emotions: Emotion[];
  sarcasm: boolean;
  source: "local";
}

export interface Lex {
  v: number;
  e?: Emotion;
  /** Latin entries match whole words only. */
  word?: boolean;
  sarcasm?: boolean;
}

const L = (v: number, e?: Emotion, extra: Partial<Lex> = {}): Lex => ({ v, e, ...extra });
const S: Lex = { v: 0, e: "sarcasm", sarcasm: true };

/** term → entry. Latin terms are whole-word unless they contain a non-letter. */
export const LEXICON: Readonly<Record<string, Lex>> = {
  // laughter and hype
  "哈哈": L(0.6, "laugh"),
  "hh": L(0.4, "laugh", { word: true }),
  "xswl": L(0.7, "laugh"),
  "笑死": L(0.7, "laugh"),
  "笑死我了": L(0.8, "laugh"),
  "蚌埠住了": L(0.6, "laugh"),
  "绷不住": L(0.6, "laugh"),
  "草": L(0.3, "laugh"),
  "233": L(0.6, "laugh"),
  "lol": L(0.6, "laugh"),
  "lmao": L(0.7, "laugh"),
  "rofl": L(0.7, "laugh"),
  "haha": L(0.6, "laugh"),
  "😂": L(0.6, "laugh"),
  "🤣": L(0.7, "laugh"),
  "💀": L(0.4, "laugh"),
  "😆": L(0.5, "laugh"),
  "666": L(0.7, "hype"),
  "牛": L(0.6, "hype"),
  "牛逼": L(0.8, "hype"),
  "nb": L(0.7, "hype"),
  "yyds": L(0.9, "hype"),
  "绝了": L(0.8, "hype"),
  "太强了": L(0.8, "hype"),
  "强": L(0.4, "hype"),
  "厉害": L(0.7, "hype"),
  "秀": L(0.5, "hype"),
  "冲冲冲": L(0.6, "hype"),
  "冲": L(0.3, "hype"),
  "好活": L(0.7, "hype"),
  "名场面": L(0.7, "hype"),
  "上头": L(0.5, "hype"),
  "燃": L(0.6, "hype"),
  "pog": L(0.8, "hype"),
  "poggers": L(0.8, "hype"),
  "pogchamp": L(0.8, "hype"),
  "w": L(0.5, "hype"),
  "goat": L(0.8, "hype"),
  "fire": L(0.6, "hype"),
  "insane": L(0.6, "hype"),
  "clutch": L(0.7, "hype"),
  "gg": L(0.4, "hype"),
  "based": L(0.5, "hype"),
  "hype": L(0.6, "hype"),
  "lets go": L(0.7, "hype"),
  "let's go": L(0.7, "hype"),
  "🔥": L(0.6, "hype"),
  "👏": L(0.6, "hype"),
  "💯": L(0.6, "hype"),
  "🎉": L(0.6, "hype"),
  "👍": L(0.5, "hype"),
  // love and approval
  "awsl": L(0.8, "love"),
  "爱了": L(0.8, "love"),
  "好帅": L(0.7, "love"),
  "好美": L(0.7, "love"),
  "好可爱": L(0.7, "love"),
  "可爱": L(0.6, "love"),
  "喜欢": L(0.6, "love"),
  "好看": L(0.6, "love"),
  "帅": L(0.5, "love"),
  "不错": L(0.5),
  "好听": L(0.6, "love"),
  "支持": L(0.5, "love"),
  "感谢": L(0.5, "love"),
  "谢谢": L(0.4, "love"),
  "好": L(0.3),
  "棒": L(0.6),
  "赞": L(0.6),
  "舒服": L(0.5),
  "值": L(0.4),
  "香": L(0.5, "love"),
  "稳": L(0.4),
  "love": L(0.7, "love"),
  "cute": L(0.6, "love"),
  "nice": L(0.6),
  "great": L(0.6),
  "awesome": L(0.7),
  "amazing": L(0.7),
  "good": L(0.5),
  "best": L(0.6),
  "cool": L(0.5),
  "beautiful": L(0.7, "love"),
  "thanks": L(0.4, "love"),
  "wow": L(0.5, "hype"),
  "❤": L(0.7, "love"),
  "❤️": L(0.7, "love"),
  "😍": L(0.8, "love"),
  "🥰": L(0.7, "love"),
  "😊": L(0.5, "love"),
  // moved / sad
  "泪目": L(0.3, "moved"),
  "破防": L(-0.2, "moved"),
  "感动": L(0.5, "moved"),
  "哭了": L(-0.1, "moved"),
  "呜呜": L(-0.2, "sad"),
  "难过": L(-0.6, "sad"),
  "心疼": L(-0.3, "sad"),
  "emo": L(-0.4, "sad"),
  "sad": L(-0.5, "sad"),
  "😭": L(-0.1, "moved"),
  "😢": L(-0.4, "sad"),
  "rip": L(-0.4, "sad"),
  "f in the chat": L(-0.3, "sad"),
  "寄了": L(-0.5, "sad"),
  "凉了": L(-0.5, "sad"),
  "完了": L(-0.4, "sad"),
  // anger, contempt, boredom
  "垃圾": L(-0.8, "angry"),
  "无语": L(-0.6, "angry"),
  "离谱": L(-0.4, "angry"),
  "下头": L(-0.6, "angry"),
  "恶心": L(-0.8, "angry"),
  "烂": L(-0.6, "angry"),
  "差": L(-0.4, "angry"),
  "退钱": L(-0.8, "angry"),
  "取关": L(-0.8, "angry"),
  "失望": L(-0.7, "sad"),
  "坑": L(-0.5, "angry"),
  "骗": L(-0.6, "angry"),
  "割韭菜": L(-0.8, "angry"),
  "智商税": L(-0.7, "angry"),
  "假": L(-0.4, "angry"),
  "难看": L(-0.6, "angry"),
  "trash": L(-0.7, "angry"),
  "bad": L(-0.5, "angry"),
  "worst": L(-0.8, "angry"),
  "cringe": L(-0.6, "angry"),
  "boring": L(-0.6, "bored"),
  "mid": L(-0.4, "bored"),
  "scam": L(-0.8, "angry"),
  "l": L(-0.4, "angry"),
  "ratio": L(-0.4, "angry"),
  "hate": L(-0.7, "angry"),
  "awful": L(-0.7, "angry"),
  "terrible": L(-0.7, "angry"),
  "refund": L(-0.5, "angry"),
  "unfollow": L(-0.7, "angry"),
  "👎": L(-0.6, "angry"),
  "😡": L(-0.8, "angry"),
  "无聊": L(-0.6, "bored"),
  "困了": L(-0.4, "bored"),
  "睡着了": L(-0.5, "bored"),
  "😴": L(-0.5, "bored"),
  // confusion
  "？？？": L(-0.3, "confused"),
  "???": L(-0.3, "confused"),
  "啥": L(-0.1, "confused"),
  "看不懂": L(-0.3, "confused"),
  "什么鬼": L(-0.4, "confused"),
  "wtf": L(-0.4, "confused"),
  "huh": L(-0.2, "confused"),
  "🤔": L(-0.1, "confused"),
  // sarcasm markers
  "呵呵": S,
  "就这": S,
  "就这?": S,
  "好好好": S,
  "真行": S,
  "真有你的": S,
  "典": S,
  "急了": S,
  "孝": S,
  "🙄": S,
  "🤡": S,
  "/s": S,
  "yeah right": S,
  "sure jan": S,
  "sure buddy": S,
  "totally": { v: 0, sarcasm: false },
  "wow just wow": S,
  "nice try": S,
};

const NEGATORS_HAN = /[不没別别无非]$/u;
const NEGATORS_EN =
  /\b(?:not|no|never|dont|don't|isnt|isn't|aint|ain't|wasnt|wasn't|cant|can't|nothing)\s+(?:\S+\s+)?$/u;

interface Compiled extends Lex {
  term: string;
}

const matcher = new AhoCorasick<Compiled>(
  Object.entries(LEXICON).map(([term, lex]) => ({
    pattern: term,
    value: { ...lex, term, word: lex.word ?? /^[a-z' ]+$/.test(term) },
  })),
);

const isWordChar = (ch: string | undefined) => ch !== undefined && /[a-z0-9']/.test(ch);

/** Normalises repeats so one lexicon entry covers 哈哈哈哈 and 66666: the count adds intensity. */
function prepare(folded: string): string {
  return folded
    .replace(/[?？]{3,}/g, "？？？")
    .replace(/[?？]{2}/g, "？？？");
}

/** Scores one message. Pure and fast (one pass over the text plus a few regexes). */
export function scoreSentiment(text: string): SentimentResult {
  return scoreFolded(text.normalize("NFKC").toLowerCase());
}

/** `scoreSentiment` of text already NFKC folded and lower-cased (a chat line's `key`). */
export function scoreFolded(folded: string): SentimentResult {
  const t = prepare(folded);
  let sum = 0;
  let sarcasm = false;
  const emotions = new Set<Emotion>();
  let lastEnd = -1;
  const matches = matcher.findAll(t);
  // prefer the longest match among overlapping ones (笑死我了 over 笑死)
  matches.sort((a, b) => a.start - b.start || b.end - a.end);
  for (const m of matches) {
    if (m.start < lastEnd) continue;
    const lex = m.value;
    if (lex.word && (isWordChar(t[m.start - 1]) || isWordChar(t[m.end]))) continue;
    lastEnd = m.end;
    if (lex.sarcasm) sarcasm = true;
    let v = lex.v;
    const before = t.slice(Math.max(0, m.start - 24), m.start);
    const negated = NEGATORS_HAN.test(before) || NEGATORS_EN.test(before);
    if (negated) v = -v * 0.7;
    else if (lex.e) emotions.add(lex.e);
    sum += v;
  }
  // repetition: 哈哈哈哈哈 and 6666666 are stronger than 哈哈 and 666
  const laughRun =
    t.match(/(?:哈|ha|h|2333*|w){5,}/g)?.reduce((a, s) => Math.max(a, s.length), 0) ?? 0;
  if (laughRun >= 5) sum += Math.min(0.5, laughRun / 20);
  const bangs = (t.match(/[!！]/g) ?? []).length;
  if (bangs >= 2) sum *= 1.3;
  if (sarcasm) {
    // praise next to a sarcasm marker means the opposite
    sum = sum > 0 ? -sum * 0.8 : sum - 0.4;
  }
  const score = Math.tanh(sum);
  return {
    score: Math.round(score * 1000) / 1000,
    label: score > 0.15 ? "positive" : score < -0.15 ? "negative" : "neutral",
    emotions: [...emotions],
    sarcasm,
    source: "local",
  };
}

/** One minute of a room's mood. */
export interface MoodPoint {
  /** Start of the minute, ms since the epoch. */
  minute: number;
  count: number;
  /** Mean score, -1..1. */
  mean: number;
  positive: number;
  neutral: number;
  negative: number;
  emotions: Partial<Record<Emotion, number>>;
  source: "local" | "llm";
}

export interface MoodSnapshot {
  open: (MoodPoint & { sum: number })[];
  history: MoodPoint[];
}

/**
 * Aggregates scored messages per minute. `add` is O(1); `closed(now)` hands out (and forgets)
 * the minutes that are over, for the room actor to persist; `series()` keeps the last
 * `keepMinutes` for broadcast.
 */
export class MoodAggregator {
  readonly #open = new Map<number, MoodPoint & { sum: number }>();
  readonly #history: MoodPoint[] = [];

  constructor(private readonly keepMinutes = 240) {}

  add(at: number, s: Pick<SentimentResult, "score" | "label" | "emotions">): void {
    const minute = Math.floor(at / 60_000) * 60_000;
    let p = this.#open.get(minute);
    if (!p) {
      p = {
        minute,
        count: 0,
        mean: 0,
        sum: 0,
        positive: 0,
        neutral: 0,
        negative: 0,
        emotions: {},
        source: "local",
      };
      this.#open.set(minute, p);
    }
    p.count++;
    p.sum += s.score;
    p.mean = p.sum / p.count;
    p[s.label]++;
    for (const e of s.emotions) p.emotions[e] = (p.emotions[e] ?? 0) + 1;
  }

  /** Minutes that ended before `now`, oldest first; they move to the history. */
  closed(now: number): MoodPoint[] {
    const current = Math.floor(now / 60_000) * 60_000;
    const out: MoodPoint[] = [];
    for (const [minute, p] of [...this.#open].sort((a, b) => a[0] - b[0])) {
      if (minute >= current) continue;
      this.#open.delete(minute);
      const { sum: _sum, ...point } = p;
      point.mean = Math.round(point.mean * 1000) / 1000;
      out.push(point);
      this.#history.push(point);
    }
    if (this.#history.length > this.keepMinutes) {
      this.#history.splice(0, this.#history.length - this.keepMinutes);
    }
    return out;
  }

  /** Closed minutes kept, oldest first. */
  series(): MoodPoint[] {
    return [...this.#history];
  }

  /** Plain JSON for persistence: open minutes (with their running sums) and the history. */
  snapshot(): MoodSnapshot {
    return { open: [...this.#open.values()].map((p) => ({ ...p })), history: [...this.#history] };
  }

  static restore(snap: MoodSnapshot, keepMinutes = 240): MoodAggregator {
    const m = new MoodAggregator(keepMinutes);
    for (const p of snap.open) m.#open.set(p.minute, { ...p });
    m.#history.push(...snap.history);
    return m;
  }

  /** The minute in progress, if any message arrived in it. */
  current(now: number): MoodPoint | undefined {
    const p = this.#open.get(Math.floor(now / 60_000) * 60_000);
    if (!p) return undefined;
    const { sum: _sum, ...point } = p;
    return point;
  }
}
