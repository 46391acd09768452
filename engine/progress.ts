/**
 * Progress lines for long work (`deno task bench`, migrations, the admin CLI's paged listing):
 * `label i/N: step — about 2 min left`. The estimate is the caller's (the bench knows the last
 * run's times) or, without one, the mean time of the steps done so far times the steps left.
 */

/** `42 s`, `3 min`. */
export function formatSeconds(s: number): string {
  return s >= 90 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`;
}

export class Progress {
  #done = 0;
  readonly #began = performance.now();

  constructor(
    readonly label: string,
    readonly total: number,
    readonly write: (line: string) => void = (line) => console.error(line),
  ) {}

  /** Says step `name` starts; `secondsLeft` overrides the running-mean estimate. */
  step(name: string, secondsLeft?: number | string): void {
    const index = this.#done + 1;
    let estimate: string;
    if (typeof secondsLeft === "string") estimate = secondsLeft;
    else if (secondsLeft !== undefined) estimate = `about ${formatSeconds(secondsLeft)} left`;
    else if (this.#done === 0) estimate = "no estimate yet";
    else {
      const mean = (performance.now() - this.#began) / 1000 / this.#done;
      estimate = `about ${formatSeconds(mean * (this.total - this.#done))} left`;
    }
    this.write(`${this.label} ${index}/${this.total}: ${name} — ${estimate}`);
    this.#done++;
  }
}
