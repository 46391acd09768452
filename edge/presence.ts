/**
 * Tells each room how many viewers this edge holds there: shortly after a change
 * (debounced, so a join storm is one report) and for every room at a fixed interval, so
 * a room can expire the counts of an edge that vanished. A room that reached 0 gets one
 * final report and is then forgotten.
 */
import type { Logger } from "../engine/log.ts";
import type { EdgeLimits } from "./limits.ts";

export type PresenceSender = (roomId: string, viewers: number) => Promise<unknown>;

export class PresenceReporter {
  private readonly counts = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private debounce: ReturnType<typeof setTimeout> | undefined;
  private readonly interval: ReturnType<typeof setInterval>;

  constructor(
    private readonly send: PresenceSender,
    private readonly limits: Pick<EdgeLimits, "presenceDebounceMs" | "presenceIntervalMs">,
    private readonly log: Logger,
  ) {
    this.interval = setInterval(() => this.reportAll(), limits.presenceIntervalMs);
  }

  changed(roomId: string, viewers: number): void {
    this.counts.set(roomId, viewers);
    this.dirty.add(roomId);
    this.debounce ??= setTimeout(() => {
      this.debounce = undefined;
      const rooms = [...this.dirty];
      this.dirty.clear();
      for (const id of rooms) this.report(id);
    }, this.limits.presenceDebounceMs);
  }

  private reportAll(): void {
    for (const id of this.counts.keys()) this.report(id);
  }

  private report(roomId: string): void {
    const viewers = this.counts.get(roomId);
    if (viewers === undefined) return;
    if (viewers === 0) this.counts.delete(roomId);
    this.send(roomId, viewers).catch((err) =>
      this.log.debug("presence report failed", { roomId, viewers, err })
    );
  }

  /** Report every pending change now and stop. */
  async close(): Promise<void> {
    clearInterval(this.interval);
    if (this.debounce !== undefined) clearTimeout(this.debounce);
    this.debounce = undefined;
    const pending = [...this.dirty].map((id) => [id, this.counts.get(id) ?? 0] as const);
    this.dirty.clear();
    await Promise.allSettled(pending.map(([id, n]) => this.send(id, n)));
  }
}
