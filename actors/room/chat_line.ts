/**
 * One chat line in the forms the room's parts read, each computed at most once per message
 * and only when a part asks for it: the cleaned text viewers see (`text`, from
 * `cleanDanmaku`), the comparison form (`key`: NFKC folded and lower-cased; duplicates,
 * bursts, links, sentiment, words, questions), the blocklist form (`blockForm`: look-alikes,
 * leetspeak and separators folded; blocked words and per-user repeats) and the words
 * (`words`: topics and the Q&A queue). Before, each of those parts folded the text again.
 */
import { normaliseForMatch } from "../ai/moderation/normalise.ts";
import { tokenizeFolded } from "../ai/tokenize.ts";
import { matchKey } from "./sanitize.ts";

export class ChatLine {
  #key: string | undefined;
  #blockForm: string | undefined;
  #words: readonly string[] | undefined;

  /** `text`: already cleaned by `cleanDanmaku`. */
  constructor(readonly text: string) {}

  get key(): string {
    return this.#key ??= matchKey(this.text);
  }

  get blockForm(): string {
    return this.#blockForm ??= normaliseForMatch(this.text);
  }

  get words(): readonly string[] {
    return this.#words ??= tokenizeFolded(this.key);
  }
}
