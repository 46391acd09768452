/**
 * A background loop that runs `work` now and then: again at once while `work` says there is
 * more, else after `pollMs`, or as soon as someone calls `nudge()` (new work was queued). An
 * error is handed to `onError` and the loop waits `pollMs` before the next try. `close()`
 * stops it and waits for the round in progress.
 */
export class PollLoop {
  #closed = false;
  #nudged = false;
  #wake: (() => void) | undefined;
  readonly #done: Promise<void>;

  constructor(
    private readonly work: () => Promise<boolean>,
    private readonly pollMs: number,
    private readonly onError: (err: unknown) => void,
  ) {
    this.#done = this.#run();
  }

  get closed(): boolean {
    return this.#closed;
  }

  nudge(): void {
    this.#nudged = true;
    this.#wake?.();
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      this.#nudged = false;
      let more = false;
      try {
        more = await this.work();
      } catch (err) {
        this.onError(err);
      }
      if (this.#closed || more || this.#nudged) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.pollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#wake = done;
      });
      this.#wake = undefined;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    await this.#done;
  }
}
