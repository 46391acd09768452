/**
 * Blocklist entries and the matcher built from them. Entries are normalised like messages
 * (see normalise.ts) and matched with Aho–Corasick. `match` controls word boundaries on the
 * normalised text: `any` (also inside words: `fucking`), `prefix` (`retarded`), `word`
 * (whole token only: `ass` but not `class`). Han terms match anywhere.
 */
import { z } from "zod";
import { AhoCorasick } from "./aho_corasick.ts";
import { normaliseForMatch } from "./normalise.ts";

export const BlockEntry = z.object({
  term: z.string().min(1).max(64),
  category: z.enum(["profanity", "insult", "hate", "sexual", "violence", "spam"]),
  /** 1: doubtful (escalate), 2: hide and warn, 3: hide and mute. */
  severity: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  match: z.enum(["any", "prefix", "word"]).default("any"),
});
export type BlockEntry = z.infer<typeof BlockEntry>;

const e = (
  term: string,
  category: BlockEntry["category"],
  severity: 1 | 2 | 3,
  match: BlockEntry["match"] = "any",
): BlockEntry => ({ term, category, severity, match });

/** A starting list; rooms add their own terms. */
export const DEFAULT_BLOCKLIST: BlockEntry[] = [
  e("fuck", "profanity", 2),
  e("fck", "profanity", 2, "word"),
  e("fuk", "profanity", 2, "prefix"),
  e("fk off", "profanity", 2),
  e("shit", "profanity", 2, "prefix"),
  e("bitch", "insult", 2),
  e("asshole", "insult", 2),
  e("ass", "profanity", 1, "word"),
  e("cunt", "insult", 3, "word"),
  e("dick", "sexual", 1, "word"),
  e("whore", "insult", 3),
  e("slut", "insult", 3, "prefix"),
  e("motherfucker", "insult", 3),
  e("bastard", "insult", 2, "prefix"),
  e("stfu", "insult", 2, "word"),
  e("faggot", "hate", 3),
  e("fag", "hate", 3, "word"),
  e("nigger", "hate", 3),
  e("nigga", "hate", 3),
  e("retard", "hate", 2, "prefix"),
  e("kys", "violence", 3, "word"),
  e("kill yourself", "violence", 3),
  e("go die", "violence", 2),
  e("idiot", "insult", 1, "prefix"),
  e("moron", "insult", 1, "prefix"),
  e("stupid", "insult", 1),
  e("loser", "insult", 1, "word"),
  e("trash", "insult", 1, "word"),
  e("dumb", "insult", 1, "word"),
  // Chinese, with common homophone and pinyin spellings
  e("傻逼", "insult", 2),
  e("傻b", "insult", 2),
  e("煞笔", "insult", 2),
  e("沙比", "insult", 2),
  e("傻比", "insult", 2),
  e("傻叉", "insult", 2),
  e("sb", "insult", 2, "word"),
  e("shabi", "insult", 2, "word"),
  e("你妈死了", "insult", 3),
  e("nmsl", "insult", 3, "word"),
  e("草泥马", "profanity", 2),
  e("操你妈", "profanity", 3),
  e("艹你妈", "profanity", 3),
  e("cnm", "profanity", 2, "word"),
  e("死全家", "violence", 3),
  e("去死", "violence", 2),
  e("婊子", "insult", 3),
  e("狗东西", "insult", 2),
  e("脑残", "insult", 2),
  e("弱智", "insult", 1),
  e("智障", "insult", 1),
  e("废物", "insult", 1),
  e("垃圾", "insult", 1),
];

export interface BlockHit {
  entry: BlockEntry;
  /** The matched text in normalised form. */
  found: string;
}

const isBoundary = (text: string, i: number) => i < 0 || i >= text.length || text[i] === " ";
const HAN = /\p{Script=Han}/u;

export class BlocklistMatcher {
  readonly #ac: AhoCorasick<BlockEntry>;

  constructor(entries: BlockEntry[]) {
    this.#ac = new AhoCorasick(
      entries.map((entry) => ({ pattern: normaliseForMatch(entry.term), value: entry })),
    );
  }

  get size(): number {
    return this.#ac.size;
  }

  /** Hits in an already normalised text. */
  matchNormalised(norm: string): BlockHit[] {
    const hits: BlockHit[] = [];
    for (const m of this.#ac.findAll(norm)) {
      const entry = m.value;
      const han = HAN.test(norm[m.start]);
      const startOk = han || entry.match === "any" || isBoundary(norm, m.start - 1);
      const endOk = han || entry.match !== "word" || isBoundary(norm, m.end);
      if (startOk && endOk) hits.push({ entry, found: norm.slice(m.start, m.end) });
    }
    return hits;
  }

  match(text: string): BlockHit[] {
    return this.matchNormalised(normaliseForMatch(text));
  }
}
