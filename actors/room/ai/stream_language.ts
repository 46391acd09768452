/**
 * The room's live view of the stream's language: the last chat lines and caption cues are
 * kept (bounded) and looked at again from the tick at most every `everyMs` when enough new
 * text came in, so detection (about 1.5 ms for 1,500 characters) never runs on the say path.
 * The streamer's speech weighs twice a chat line. The streamer's setting wins over detection.
 */
import { detectLanguage, effectiveLanguage } from "../../ai/language.ts";
import {
  isLanguageTag,
  type LanguageSetting,
  type LanguageTag,
  type StreamLanguageView,
} from "../../ai/language_tags.ts";

const KEEP_CHAT = 80;
const KEEP_CUES = 20;
const NEW_TEXTS_BEFORE_LOOKING = 5;

export class StreamLanguage {
  #chat: string[] = [];
  #cues: string[] = [];
  #fresh = 0;
  #lastLookAt = -Infinity;
  #detected: LanguageTag | null;

  constructor(
    private readonly setting: () => LanguageSetting,
    detected: unknown,
    private readonly everyMs = 20_000,
  ) {
    this.#detected = isLanguageTag(detected) ? detected : null;
  }

  chat(text: string): void {
    this.#chat.push(text);
    if (this.#chat.length > KEEP_CHAT) this.#chat.shift();
    this.#fresh++;
  }

  caption(text: string): void {
    this.#cues.push(text);
    if (this.#cues.length > KEEP_CUES) this.#cues.shift();
    this.#fresh += 2;
  }

  /** Looks again when due; true when the detected language changed. */
  tick(now: number): boolean {
    if (this.#fresh < NEW_TEXTS_BEFORE_LOOKING || now - this.#lastLookAt < this.everyMs) {
      return false;
    }
    return this.detectNow(now);
  }

  /** Looks now if anything new came in since the last look (a state read). */
  refresh(now: number): boolean {
    return this.#fresh > 0 ? this.detectNow(now) : false;
  }

  /** Looks now; true when the detected language changed. */
  detectNow(now: number): boolean {
    this.#lastLookAt = now;
    this.#fresh = 0;
    const guess = detectLanguage([...this.#chat, ...this.#cues.flatMap((c) => [c, c])]);
    if (!guess || guess.tag === this.#detected) return false;
    this.#detected = guess.tag;
    return true;
  }

  get detected(): LanguageTag | null {
    return this.#detected;
  }

  /** The language AI output uses now. */
  get effective(): LanguageTag {
    return effectiveLanguage(this.setting(), this.#detected);
  }

  view(): StreamLanguageView {
    return { setting: this.setting(), detected: this.#detected, effective: this.effective };
  }
}
