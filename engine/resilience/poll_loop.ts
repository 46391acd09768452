/**
 * A background loop that runs `work` now and then: again at once while `work` says there is
 * more, or as soon as someone calls `nudge()` (new work was queued), else after a wait that
 * starts at `pollMs` and doubles with every round in a row that found nothing, up to
 * `maxIdleMs` (default 10 × `pollMs`): an idle process stops asking its database every
 * second, while work queued in this process (which nudges) starts at once and work the loop
 * can only find by looking (a lease that lapsed, another process's whose wake-up was lost:
 * edge/wiring/work_wakeups.ts) waits at most `maxIdleMs`. An error is handed to `onError` and the loop waits `pollMs` before the next
 * try. `close()` stops it and waits for the round in progress.
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

  /** The wait before the next round if it finds nothing again (ms). */
  get idleWaitMs(): number {
    return idleWait(this.pollMs, this.#maxIdleMs, this.#idleRounds + 1);
  }

  nudge(): void {
    this.#nudged = true;
    this.#wake?.();
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
      const waitMs = failed ? this.pollMs : this.idleWaitMs;
      if (!failed) this.#idleRounds++;
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
