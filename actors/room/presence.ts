/**
 * Viewer counts per edge. Each edge reports how many viewers it holds in the room; a
 * report older than `ttlMs` no longer counts (the edge died or lost the room), so the
 * room's viewer count heals by itself. Not persisted: edges report again every few seconds.
 */
export class EdgePresence {
  readonly #edges = new Map<string, { viewers: number; at: number }>();
  /** When each edge last reported or joined someone (any count, zero included). */
  readonly #seen = new Map<string, number>();

  /** `since`: when this room came up (an edge not heard of since then gets `ttlMs` from it). */
  constructor(readonly ttlMs = 15_000, readonly since = 0) {}

  report(edgeId: string, viewers: number, now: number): void {
    this.#seen.set(edgeId, now);
    if (viewers === 0) this.#edges.delete(edgeId);
    else this.#edges.set(edgeId, { viewers, at: now });
  }

  /** An edge joined someone to the room: it is alive now (its next report follows). */
  touch(edgeId: string, now: number): void {
    this.#seen.set(edgeId, now);
  }

  /**
   * When an edge was last heard from, if that is more than `ttlMs` ago at `now` (the edge
   * crashed or lost the room; an edge that lives reports every few seconds); null while
   * it is fresh. An edge not heard from since the room came up counts from then.
   */
  staleSince(edgeId: string, now: number): number | null {
    const at = this.#seen.get(edgeId) ?? this.since;
    return now - at > this.ttlMs ? at : null;
  }

  /** Sum over edges whose last report is fresh at `now`; stale ones are forgotten. */
  total(now: number): number {
    let sum = 0;
    for (const [edgeId, e] of this.#edges) {
      if (now - e.at > this.ttlMs) this.#edges.delete(edgeId);
      else sum += e.viewers;
    }
    return sum;
  }
}
