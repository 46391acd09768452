/**
 * The check every co-host sentence passes before it is shown or spoken: the persona's
 * must-not-say list, then the room's own moderation (`roomSpeechModeration`: the room's AI
 * screens it with the blocklist, link and content rules its chat passes). When the room
 * cannot answer (its AI is off, it is moving), the local check stands in: the default
 * blocklist with the chat's normalisation (full-width forms, homoglyphs, leet). A sentence
 * with any hit is withheld whole.
 */
import {
  type BlockEntry,
  BlocklistMatcher,
  DEFAULT_BLOCKLIST,
} from "../ai/moderation/blocklist.ts";
import { normaliseForMatch } from "../ai/moderation/normalise.ts";
import type { Logger } from "../../engine/log.ts";
import type { SpeechVerdict } from "./cohost.ts";
import type { Persona } from "./persona.ts";

type Check = (text: string, persona: Persona) => SpeechVerdict;

/** The persona's must-not-say words, normalised once per persona. */
function mustNotSay(): (norm: string, persona: Persona) => boolean {
  let cachedFor: string[] | null = null;
  let forbidden: string[] = [];
  return (norm, persona) => {
    if (cachedFor !== persona.mustNotSay) {
      cachedFor = persona.mustNotSay;
      forbidden = persona.mustNotSay.map(normaliseForMatch).filter((w) => w.length > 0);
    }
    return forbidden.some((w) => norm.includes(w));
  };
}

/** The local check: a blocklist and the persona's list. */
export function speechModeration(blocklist: BlockEntry[] = DEFAULT_BLOCKLIST): Check {
  const matcher = new BlocklistMatcher(blocklist);
  const forbidden = mustNotSay();
  return (text, persona) => {
    const norm = normaliseForMatch(text);
    const blocked = forbidden(norm, persona) || matcher.matchNormalised(norm).length > 0;
    return { allowed: !blocked, text };
  };
}

/** The persona's list, then the room's moderation (`screen`); `fallback` when it fails. */
export function roomSpeechModeration(
  screen: (text: string) => Promise<{ allowed: boolean }>,
  opts: { fallback?: Check; log?: Logger; roomId?: string } = {},
): (text: string, persona: Persona) => Promise<SpeechVerdict> {
  const forbidden = mustNotSay();
  const fallback = opts.fallback ?? speechModeration();
  return async (text, persona) => {
    if (forbidden(normaliseForMatch(text), persona)) return { allowed: false, text };
    try {
      const { allowed } = await screen(text);
      return { allowed, text };
    } catch (e) {
      opts.log?.warn("room moderation unavailable; co-host sentence checked locally", {
        room: opts.roomId,
        error: e,
      });
      return fallback(text, persona);
    }
  };
}
