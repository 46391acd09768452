/**
 * The check every co-host sentence passes before it is shown or spoken: the room's blocklist
 * (the matcher chat uses, same normalisation: full-width forms, homoglyphs, leet) plus the
 * persona's must-not-say list. A sentence with any hit is withheld whole.
 */
import {
  type BlockEntry,
  BlocklistMatcher,
  DEFAULT_BLOCKLIST,
} from "../ai/moderation/blocklist.ts";
import { normaliseForMatch } from "../ai/moderation/normalise.ts";
import type { SpeechVerdict } from "./cohost.ts";
import type { Persona } from "./persona.ts";

export function speechModeration(
  blocklist: BlockEntry[] = DEFAULT_BLOCKLIST,
): (text: string, persona: Persona) => SpeechVerdict {
  const matcher = new BlocklistMatcher(blocklist);
  let cachedFor: string[] | null = null;
  let forbidden: string[] = [];
  return (text, persona) => {
    if (cachedFor !== persona.mustNotSay) {
      cachedFor = persona.mustNotSay;
      forbidden = persona.mustNotSay.map(normaliseForMatch).filter((w) => w.length > 0);
    }
    const norm = normaliseForMatch(text);
    const blocked = matcher.matchNormalised(norm).length > 0 ||
      forbidden.some((w) => norm.includes(w));
    return { allowed: !blocked, text };
  };
}
