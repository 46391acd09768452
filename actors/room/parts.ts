/**
 * The room's parts, in the order their hooks run (`part.ts`). A new feature of the room is a
 * new part added here; the room actor's core (intake of chat, batching, presence, status)
 * does not change. Order matters where parts see each other's work: the access part refuses
 * muted and banned senders before anything else looks at a message; highlights observe a
 * message before the AI scores it (a new highlight's mood covers the messages before it).
 */
import type { RoomConfig } from "./options.ts";
import { RoomIntelligence } from "./intelligence.ts";
import type { RoomApi, RoomPart } from "./part.ts";
import { AccessPart } from "./parts/access.ts";
import { BridgesPart } from "./parts/bridges.ts";
import { CaptionsPart } from "./parts/captions.ts";
import { CoHostPart } from "./parts/cohost.ts";
import { GiftsPart } from "./parts/gifts.ts";
import { HighlightsPart } from "./parts/highlights.ts";
import { StatsPart } from "./parts/stats.ts";
import { MeetingPart } from "./parts/meeting.ts";
import { PkPart } from "./parts/pk.ts";
import { StagePart } from "./parts/stage.ts";
import { StreamPart } from "./parts/stream.ts";
import type { RoomState } from "./state.ts";

export interface RoomParts {
  /** Who may do what; other parts reach it through `RoomApi.access`. */
  access: AccessPart;
  /** The AI part, when the room has its AI (it keeps the stream's language). */
  ai?: RoomIntelligence;
  /** Every part, in hook order (`access` first). */
  all: RoomPart[];
}

/** `api(name)`: the room as the part named `name` sees it (its own messages come back to it). */
export function roomParts(
  api: (part: string) => RoomApi,
  state: RoomState,
  cfg: RoomConfig,
): RoomParts {
  const access = new AccessPart(api("access"), state, cfg.settings, cfg.settingsTimeoutMs);
  const stats = new StatsPart(api("stats"));
  const all: RoomPart[] = [
    access,
    new StreamPart(api("stream"), state, cfg.recording, cfg.statusEveryMs),
    new CaptionsPart(api("captions")),
    new GiftsPart(api("gifts"), cfg.giftLedger, (count, amount) => stats.gift(count, amount)),
    new HighlightsPart(api("highlights"), state, cfg.highlights, cfg.keepHighlights),
    new BridgesPart(api("bridges")),
    new CoHostPart(api("cohost"), state),
    stats,
    new StagePart(api("stage"), state, cfg.stage.maxGuests, cfg.stage.graceMs),
    new PkPart(api("pk"), state),
    new MeetingPart(api("meeting"), state, cfg.ai?.llm ?? null, cfg.meeting.graceMs),
  ];
  const ai = cfg.ai ? new RoomIntelligence(api("ai"), state, cfg.ai) : undefined;
  if (ai) all.push(ai);
  for (const p of all) {
    if (all.filter((q) => q.name === p.name).length > 1) throw new Error(`two parts ${p.name}`);
  }
  return { access, ai, all };
}
