/**
 * The display budget of a hot room (issue 18): past a rate, each viewer's batches carry at
 * most `perSecond` danmaku per second, chosen fairly across senders; everything else in a
 * batch (gifts, system, moderation, AI notices, captions, and danmaku the room marked as
 * the streamer's or an admin's) always passes, and the batch says how many danmaku it left
 * out (`omitted`, for the client's "+n").
 *
 * Why at the edge, not in the room: the room still publishes every message once (it is
 * counted, archived, moderated and fed to mood, topics and highlights there; bridges and
 * co-host read the full stream), and only the edge knows which socket belongs to which
 * user, so only it can hand a sender its own message even when the sample left it out. The
 * choice depends only on the batches (their `at` refills the budget, not the edge's clock),
 * so every edge of a cluster picks the same sample. It is made once per batch per budget
 * class and encoded once: every viewer of the class shares the frame; a sender whose own
 * message was left out gets that batch's frame with its own messages put back.
 */

/** The fields of a room event the budget looks at (structural: any room event fits). */
export interface BudgetEvent {
  t: string;
  d?: { userId: string; by?: string };
}

/** A danmaku that may be left out: a viewer's chat line, not the streamer's or an admin's. */
export function isSampleable(event: BudgetEvent): boolean {
  return event.t === "danmaku" && event.d !== undefined && event.d.by === undefined;
}

/** What the budget chose for one batch. */
export interface BudgetChoice<E> {
  /** The events to show, in the batch's order. */
  events: E[];
  /** Sampleable danmaku left out. */
  omitted: number;
  /** Left-out danmaku by sender, in the batch's order (their own copies go back to them). */
  omittedBySender: Map<string, E[]>;
}

/** Senders remembered for fairness (least recently shown first); older ones are forgotten. */
const REMEMBERED_SENDERS = 4096;

/** One budget (one class of viewers in one room on one edge). */
export class DisplayBudget {
  /** Danmaku that may still be shown; refilled at `perSecond`, at most one second's worth. */
  #tokens: number;
  #lastAt: number | undefined;
  /** userId -> when (a counter) the sender was last shown; Map order = least recent first. */
  readonly #lastShown = new Map<string, number>();
  #shownCounter = 0;

  constructor(readonly perSecond: number) {
    if (!(perSecond > 0)) throw new RangeError("perSecond must be positive");
    this.#tokens = perSecond;
  }

  /**
   * Choose what a batch stamped `at` (the room's clock, ms) shows. Below the rate everything
   * passes unchanged (`omitted` 0, the same array).
   */
  choose<E extends BudgetEvent>(events: E[], at: number): BudgetChoice<E> {
    this.#refill(at);
    let sampleable = 0;
    for (const e of events) if (isSampleable(e)) sampleable++;
    if (sampleable <= this.#tokens) {
      this.#tokens -= sampleable;
      for (const e of events) if (isSampleable(e)) this.#markShown(e.d!.userId);
      return { events, omitted: 0, omittedBySender: new Map() };
    }
    const allowed = Math.floor(this.#tokens);
    this.#tokens -= allowed;
    const keep = this.#fairPick(events, allowed);
    const shown: E[] = [];
    const omittedBySender = new Map<string, E[]>();
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (!isSampleable(e) || keep.has(i)) {
        shown.push(e);
        continue;
      }
      const list = omittedBySender.get(e.d!.userId);
      if (list) list.push(e);
      else omittedBySender.set(e.d!.userId, [e]);
    }
    return { events: shown, omitted: sampleable - keep.size, omittedBySender };
  }

  #refill(at: number): void {
    if (this.#lastAt !== undefined && at > this.#lastAt) {
      this.#tokens = Math.min(
        this.perSecond,
        this.#tokens + ((at - this.#lastAt) / 1000) * this.perSecond,
      );
    }
    if (this.#lastAt === undefined || at > this.#lastAt) this.#lastAt = at;
  }

  /**
   * Indexes of `allowed` sampleable danmaku, fair across senders: round by round, one
   * message per sender, senders ordered by how long ago they were last shown (never shown
   * first, then the least recent; ties in the batch's order). The lines shown are then
   * mostly a batch's first, nearly a coalescing gap old; ties going to the newest line
   * (tried) cut the median latency of shown lines by ~130 ms in the hot-room bench but made
   * its p99 fragile: newest by the room's accept time is also the line that waited longest
   * to be taken in, so a server stall went straight into the shown lines (p99 598 ms in one
   * of four quiet repetitions against 391-410 with this order; tests/bench/results/hot_room.md).
   */
  #fairPick(events: BudgetEvent[], allowed: number): Set<number> {
    const bySender = new Map<string, number[]>();
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (!isSampleable(e)) continue;
      const list = bySender.get(e.d!.userId);
      if (list) list.push(i);
      else bySender.set(e.d!.userId, [i]);
    }
    const senders = [...bySender.keys()].sort((a, b) =>
      (this.#lastShown.get(a) ?? -1) - (this.#lastShown.get(b) ?? -1)
    );
    const keep = new Set<number>();
    for (let round = 0; keep.size < allowed; round++) {
      let any = false;
      for (const sender of senders) {
        const index = bySender.get(sender)![round];
        if (index === undefined) continue;
        any = true;
        keep.add(index);
        this.#markShown(sender);
        if (keep.size >= allowed) break;
      }
      if (!any) break;
    }
    return keep;
  }

  #markShown(userId: string): void {
    this.#lastShown.delete(userId);
    this.#lastShown.set(userId, this.#shownCounter++);
    if (this.#lastShown.size > REMEMBERED_SENDERS) {
      const oldest = this.#lastShown.keys().next().value;
      if (oldest !== undefined) this.#lastShown.delete(oldest);
    }
  }
}
