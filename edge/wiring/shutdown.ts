/**
 * The close steps of a process, run last in, first out: in the reverse of start order, so
 * the edge stops before the engine it talks to, and the engine before the stores it writes.
 * A failing step is logged and the next one still runs.
 */
import type { Logger } from "../../engine/log.ts";

export class Shutdown {
  readonly #steps: { name: string; run: () => Promise<void> | void }[] = [];
  #done?: Promise<void>;

  constructor(private readonly log: Logger) {}

  /** `run` is called at shutdown, before every step registered earlier. */
  defer(name: string, run: () => Promise<void> | void): void {
    this.#steps.push({ name, run });
  }

  /** Runs every step once, newest first; later calls wait for the same run. */
  run(): Promise<void> {
    this.#done ??= (async () => {
      for (const step of this.#steps.reverse()) {
        try {
          await step.run();
        } catch (err) {
          this.log.error("shutdown step failed", { step: step.name, err });
        }
      }
    })();
    return this.#done;
  }
}

/**
 * Runs a root's start-up; if a step fails, what the earlier steps started is closed again
 * (newest first) and the error rethrown.
 */
export async function startOrUnwind<T>(shutdown: Shutdown, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    await shutdown.run();
    throw err;
  }
}
