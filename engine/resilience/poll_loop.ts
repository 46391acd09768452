/**
 * A background loop that runs `work` now and then: again at once while `work` says there is
 * more, or as soon as someone calls `nudge()` (new work was queued), else after a wait that
 * starts at `pollMs` and doubles with every round in a row that found nothing, up to
 * `maxIdleMs` (default 10 × `pollMs`): an idle process stops asking its database every
 * second, while work queued in this process (which nudges) starts at once and work the loop
 * can only find by looking (a lease that lapsed, another process's whose wake-up was lost:
 * edge/wiring/work_wakeups.ts) waits at most `maxIdleMs`. An error is handed to `onError` and the loop waits `pollMs` before the next
 * try. `close()` stops it and waits for the round in progress.
 *
 * Once queued work is known to wake the loop wherever it is queued (a LISTEN on the queue's
 * channel is up: `relyOnWakeups`), an idle loop no longer backs off from `pollMs`: it waits
 * `idleMs` at once, or until the next piece of work the loop can only find by the clock falls
 * due (`nextDueInMs`: a retry's time, a lease that lapses), whichever is sooner. Polling is
 * then only the safety net for a lost wake-up, so an idle process asks its database a few
 * times a minute instead of every 1-10 s.
 */
export interface PollLoopOptions {
  /** The longest wait between two rounds that found nothing (default 10 × pollMs). */
  maxIdleMs?: number;
}

export class PollLoop {
  #closed = false;
  #nudged = false;
  #wake: (() => void) | undefined;
  /** Rounds in a row that found nothing and were not nudged. */
  #idleRounds = 0;
  /** Set once wake-ups are live (`relyOnWakeups`). */
  #wakeups: { idleMs: number; nextDueInMs?: () => Promise<number | null> } | undefined;
  readonly #maxIdleMs: number;
  readonly #done: Promise<void>;

  constructor(
    private readonly work: () => Promise<boolean>,
    private readonly pollMs: number,
    private readonly onError: (err: unknown) => void,
    opts: PollLoopOptions = {},
  ) {
    this.#maxIdleMs = Math.max(pollMs, opts.maxIdleMs ?? pollMs * 10);
    this.#done = this.#run();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The backoff's wait before the next round if it finds nothing again (ms); with wake-ups
   * live (`relyOnWakeups`) an idle round waits `idleMs` or until the next work is due. */
  get idleWaitMs(): number {
    return idleWait(this.pollMs, this.#maxIdleMs, this.#idleRounds + 1);
  }

  nudge(): void {
    this.#nudged = true;
    this.#wake?.();
  }

  /**
   * Queued work now wakes this loop (`nudge`) wherever it is queued: an idle round waits
   * `idleMs`, or until `nextDueInMs()` (ms until the next work due by the clock; null: none)
   * if that is sooner. A loop asleep on the old backoff keeps that wait.
   */
  relyOnWakeups(idleMs: number, nextDueInMs?: () => Promise<number | null>): void {
    this.#wakeups = { idleMs: Math.max(this.pollMs, idleMs), nextDueInMs };
  }

  /** How long an idle round waits: the backoff, or with wake-ups live `idleMs` or the next
   * work due, whichever is sooner. */
  async #idleWait(): Promise<number> {
    const wakeups = this.#wakeups;
    if (!wakeups) return this.idleWaitMs;
    const due = wakeups.nextDueInMs ? await wakeups.nextDueInMs() : null;
    return due === null ? wakeups.idleMs : waitUntilDue(due, wakeups.idleMs);
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      this.#nudged = false;
      let more = false;
      let failed = false;
      try {
        more = await this.work();
      } catch (err) {
        failed = true;
        this.onError(err);
      }
      if (this.#closed) break;
      if (more || this.#nudged) {
        this.#idleRounds = 0;
        continue;
      }
      let waitMs = this.pollMs;
      if (!failed) {
        try {
          waitMs = await this.#idleWait();
        } catch (err) {
          this.onError(err);
        }
        this.#idleRounds++;
      }
      if (this.#closed) break;
      if (this.#nudged) {
        this.#idleRounds = 0;
        continue;
      }
      const nudged = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => finish(false), waitMs);
        function finish(early: boolean) {
          clearTimeout(timer);
          resolve(early);
        }
        this.#wake = () => finish(true);
      });
      this.#wake = undefined;
      if (nudged) this.#idleRounds = 0;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    await this.#done;
  }
}

/** `pollMs` doubled for every idle round after the first, at most `maxIdleMs`. */
export function idleWait(pollMs: number, maxIdleMs: number, idleRounds: number): number {
  if (idleRounds <= 1) return pollMs;
  return Math.min(maxIdleMs, pollMs * 2 ** Math.min(30, idleRounds - 1));
}

/** The wait until work due in `dueInMs` (a few ms after, at least 20), at most `longestMs`. */
export function waitUntilDue(dueInMs: number, longestMs: number): number {
  return Math.min(longestMs, Math.max(20, dueInMs + 10));
}
