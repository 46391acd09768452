/**
 * A circuit breaker: after `failureThreshold` consecutive failed calls it opens and refuses
 * calls for `cooldownMs`; then it lets one probe through (half-open). A successful probe
 * closes it, a failed one opens it again. Callers fall back to local heuristics while open.
 */

export type BreakerState = "closed" | "open" | "half_open";

export interface BreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
  now?: () => number;
}

export class CircuitBreaker {
  #state: BreakerState = "closed";
  #failures = 0;
  #openedAt = 0;
  #probeInFlight = false;
  readonly #now: () => number;

  constructor(private readonly opts: BreakerOptions) {
    this.#now = opts.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.#state === "open" && this.#now() - this.#openedAt >= this.opts.cooldownMs) {
      this.#state = "half_open";
    }
    return this.#state;
  }

  /** True when a call may go out now; a half-open breaker admits one probe at a time. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === "closed") return true;
    if (state === "half_open" && !this.#probeInFlight) {
      this.#probeInFlight = true;
      return true;
    }
    return false;
  }

  success(): void {
    this.#state = "closed";
    this.#failures = 0;
    this.#probeInFlight = false;
  }

  failure(): void {
    this.#probeInFlight = false;
    this.#failures++;
    if (this.#state === "half_open" || this.#failures >= this.opts.failureThreshold) {
      this.#state = "open";
      this.#openedAt = this.#now();
    }
  }
}
