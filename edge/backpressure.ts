/**
 * Slow-viewer policy for one socket, decided from `WebSocket.bufferedAmount` before each
 * batch: below the soft limit everything is sent; between soft and hard, droppable events
 * (danmaku) are dropped and counted while gifts, system, moderation and highlight events
 * still go out; at the hard limit the socket is closed (4008). Once the buffer has drained
 * below half the soft limit, the viewer is told how many events it missed.
 *
 * `ViewerSession` skips the `bufferedAmount` read (an op call) while an upper bound of it
 * (last reading + bytes sent since) is below the soft limit and the viewer is not dropping:
 * every decision there is "full" anyway, so the outcome is the same as reading each time.
 */
import type { EdgeLimits } from "./limits.ts";

export type Delivery =
  /** Send the batch as is. */
  | "full"
  /** Send only the batch's non-droppable events. */
  | "essential_only"
  /** The batch holds only droppable events: send nothing. */
  | "skip"
  /** Hard limit passed: close the socket. */
  | "close";

export class ViewerBackpressure {
  private droppedEvents = 0;
  private dropping = false;

  constructor(
    private readonly limits: Pick<EdgeLimits, "softBufferedBytes" | "hardBufferedBytes">,
  ) {}

  /** Decide how to deliver a batch with `droppable` droppable and `essential` other events. */
  decide(bufferedBytes: number, droppable: number, essential: number): Delivery {
    if (bufferedBytes >= this.limits.hardBufferedBytes) return "close";
    if (bufferedBytes >= this.limits.softBufferedBytes) this.dropping = true;
    if (!this.dropping || droppable === 0) return "full";
    this.droppedEvents += droppable;
    return essential > 0 ? "essential_only" : "skip";
  }

  /**
   * When the buffer has drained after a dropping period, returns the number of dropped
   * events (to report once) and resets; otherwise 0.
   */
  takeRecovered(bufferedBytes: number): number {
    if (!this.dropping || bufferedBytes > this.limits.softBufferedBytes / 2) return 0;
    this.dropping = false;
    const count = this.droppedEvents;
    this.droppedEvents = 0;
    return count;
  }

  get isDropping(): boolean {
    return this.dropping;
  }

  get pendingDropped(): number {
    return this.droppedEvents;
  }
}
