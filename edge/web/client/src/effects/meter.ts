/**
 * Frame rate and processing time of a pipeline, and the rule that turns its effects off when
 * the device cannot keep up: below `minFps` frames out per second, or below `minModelFps`
 * model results per second while an effect needs a model, for `slowSeconds` seconds in a row.
 */

export interface MeterStats {
  /** Frames out in the last second. */
  fps: number;
  /** Median time added per frame (read → processed frame written), ms, last 60 frames. */
  latencyMs: number;
  /** Model results in the last second (0 when no model runs). */
  modelFps: number;
  /** Median model time per result, ms. */
  modelMs: number;
}

export interface KeepUpRule {
  minFps: number;
  minModelFps: number;
  slowSeconds: number;
}

export const DEFAULT_RULE: KeepUpRule = { minFps: 10, minModelFps: 2, slowSeconds: 5 };

export function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export class Meter {
  #frames: number[] = [];
  #models: number[] = [];
  #latency: number[] = [];
  #modelMs: number[] = [];
  #slowSince = 0;

  frame(latencyMs: number, now = performance.now()): void {
    this.#frames.push(now);
    this.#latency.push(latencyMs);
    if (this.#latency.length > 60) this.#latency.shift();
  }

  model(ms: number, now = performance.now()): void {
    this.#models.push(now);
    this.#modelMs.push(ms);
    if (this.#modelMs.length > 30) this.#modelMs.shift();
  }

  /** Forget everything (effects changed: the old figures say nothing about the new ones). */
  reset(): void {
    this.#frames = [];
    this.#models = [];
    this.#latency = [];
    this.#modelMs = [];
    this.#slowSince = 0;
  }

  stats(now = performance.now()): MeterStats {
    this.#frames = this.#frames.filter((t) => now - t <= 1000);
    this.#models = this.#models.filter((t) => now - t <= 1000);
    return {
      fps: this.#frames.length,
      latencyMs: median(this.#latency),
      modelFps: this.#models.length,
      modelMs: median(this.#modelMs),
    };
  }

  /**
   * Called about once a second while effects are on: true once the device has been too slow
   * for `rule.slowSeconds` in a row. `usesModel`: an effect on needs a model's results.
   */
  tooSlow(
    rule: KeepUpRule,
    usesModel: boolean,
    startedAt: number,
    now = performance.now(),
  ): boolean {
    // the first seconds load models and warm up: not judged
    if (now - startedAt < 3000) return false;
    const s = this.stats(now);
    const slow = s.fps < rule.minFps || (usesModel && s.modelFps < rule.minModelFps);
    if (!slow) {
      this.#slowSince = 0;
      return false;
    }
    this.#slowSince ||= now;
    return now - this.#slowSince >= rule.slowSeconds * 1000;
  }
}
