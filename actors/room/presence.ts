/**
 * Viewer counts per edge. Each edge reports how many viewers it holds in the room; a
 * report older than `ttlMs` no longer counts (the edge died or lost the room), so the
 * room's viewer count heals by itself. Not persisted: edges report again every few seconds.
 */
export class EdgePresence {
  readonly #edges = new Map<string, { viewers: number; at: number }>();

  constructor(readonly ttlMs = 15_000) {}

  report(edgeId: string, viewers: number, now: number): void {
    if (viewers === 0) this.#edges.delete(edgeId);
    else this.#edges.set(edgeId, { viewers, at: now });
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
