/**
 * The highlights part: the room's highlight detector (`highlights.ts`: chat-rate spikes and
 * burst phrases) fed by every accepted message's comparison form, advanced on the tick, and
 * the room's list of highlight spans (persisted, the newest `keep`). A new span goes through
 * `RoomApi.highlight`, so other parts enrich it (the AI: topic, mood, speech) before it is
 * published; `join` sends the last 20, `highlights` all of them.
 */
import type { HighlightSpan, JoinReply } from "../contract.ts";
import { HighlightDetector, type HighlightOptions } from "../highlights.ts";
import type { RoomApi, RoomPart, SayContext } from "../part.ts";
import type { RoomState } from "../state.ts";

/** Highlights sent with a join. */
const HIGHLIGHTS_ON_JOIN = 20;

export class HighlightsPart implements RoomPart {
  readonly name = "highlights";
  readonly #detector: HighlightDetector;

  constructor(
    private readonly api: RoomApi,
    private readonly state: RoomState,
    opts: HighlightOptions,
    /** Spans kept (persisted). */
    private readonly keep: number,
  ) {
    this.#detector = new HighlightDetector("h", opts, state.detector ?? undefined);
  }

  readonly commands = {
    highlights: (): HighlightSpan[] => this.state.highlights,
  };

  onJoin(_actor: unknown, reply: JoinReply): void {
    reply.highlights = this.state.highlights.slice(-HIGHLIGHTS_ON_JOIN);
  }

  onSay(say: SayContext): void {
    for (const span of this.#detector.observe(say.line.key, say.at)) this.#add(span);
  }

  onTick(now: number): void {
    for (const span of this.#detector.advance(now)) this.#add(span);
  }

  onPassivate(now: number): void {
    this.onTick(now);
  }

  onSync(): void {
    this.state.detector = this.#detector.snapshot();
  }

  busy(): boolean {
    return this.#detector.pending;
  }

  #add(span: HighlightSpan): void {
    const list = this.state.highlights;
    list.push(span);
    if (list.length > this.keep) list.splice(0, list.length - this.keep);
    this.api.highlight(span);
    this.api.log.info("highlight", { span: span.id, score: span.score, reason: span.reason });
    this.api.markDirty();
  }
}
