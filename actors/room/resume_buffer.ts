/**
 * Recent batches of a room, bounded by count and by encoded bytes, so a client that
 * reconnects can resume from the last sequence it saw. What the room no longer holds is
 * reported as a gap (the client then shows history instead). Held in memory only: after
 * a restart everything before the new activation is a gap.
 */
import type { RoomBatch } from "./contract.ts";

export interface ResumeBufferOptions {
  maxBatches: number;
  maxBytes: number;
}

export const DEFAULT_RESUME_OPTIONS: ResumeBufferOptions = {
  maxBatches: 512,
  maxBytes: 2 * 1024 * 1024,
};

export interface ResumeResult {
  missed: RoomBatch[];
  gap?: { from: number; to: number };
}

export class ResumeBuffer {
  /** Oldest first; sequences strictly increasing. */
  #batches: RoomBatch[] = [];
  #sizes: number[] = [];
  /** Index of the oldest live entry (entries before it are dropped lazily). */
  #start = 0;
  #bytes = 0;

  constructor(readonly opts: ResumeBufferOptions = DEFAULT_RESUME_OPTIONS) {}

  /** Keeps `batch` (its encoded size `bytes`), dropping the oldest past the bounds. */
  push(batch: RoomBatch, bytes: number): void {
    this.#batches.push(batch);
    this.#sizes.push(bytes);
    this.#bytes += bytes;
    while (
      this.size > 1 && (this.size > this.opts.maxBatches || this.#bytes > this.opts.maxBytes)
    ) {
      this.#bytes -= this.#sizes[this.#start];
      this.#start++;
    }
    // Compact once the dead prefix dominates (amortised O(1) per push).
    if (this.#start > 64 && this.#start * 2 > this.#batches.length) {
      this.#batches = this.#batches.slice(this.#start);
      this.#sizes = this.#sizes.slice(this.#start);
      this.#start = 0;
    }
  }

  /**
   * Batches after `afterSeq` up to `lastSeq` (the room's latest), and the range the client
   * lost because the buffer no longer holds it.
   */
  since(afterSeq: number, lastSeq: number): ResumeResult {
    if (afterSeq >= lastSeq) return { missed: [] };
    let i = this.#start;
    while (i < this.#batches.length && this.#batches[i].seq <= afterSeq) i++;
    const missed = this.#batches.slice(i);
    const firstHeld = missed.length > 0 ? missed[0].seq : lastSeq + 1;
    if (firstHeld > afterSeq + 1) {
      return { missed, gap: { from: afterSeq + 1, to: firstHeld - 1 } };
    }
    return { missed };
  }

  get size(): number {
    return this.#batches.length - this.#start;
  }

  get bytes(): number {
    return this.#bytes;
  }
}
