/**
 * Token and cost accounting per room. Costs are integer micro-units of the configured
 * currency (bigint), computed from the running token totals so no rounding accumulates.
 * Each update is also exported as OpenTelemetry counters (no-ops until an SDK is set up).
 */
import { metrics } from "@opentelemetry/api";

export interface Pricing {
  /** Price of one million prompt tokens, micro-units. */
  inputMicrosPerMTok: bigint;
  /** Price of one million completion tokens, micro-units. */
  outputMicrosPerMTok: bigint;
}

export interface RoomUsage {
  calls: number;
  failures: number;
  fallbacks: number;
  promptTokens: number;
  completionTokens: number;
  /** Micro-units, from the totals above. */
  costMicros: bigint;
}

const meter = metrics.getMeter("synapse.ai");
const tokenCounter = meter.createCounter("ai_llm_tokens", { description: "LLM tokens by room" });
const callCounter = meter.createCounter("ai_llm_calls", { description: "LLM calls by outcome" });

export class UsageLedger {
  readonly #rooms = new Map<string, Omit<RoomUsage, "costMicros">>();

  constructor(private readonly pricing: Pricing) {}

  #row(room: string) {
    let row = this.#rooms.get(room);
    if (!row) {
      row = { calls: 0, failures: 0, fallbacks: 0, promptTokens: 0, completionTokens: 0 };
      this.#rooms.set(room, row);
    }
    return row;
  }

  recordCall(room: string, purpose: string, promptTokens: number, completionTokens: number) {
    const row = this.#row(room);
    row.calls++;
    row.promptTokens += promptTokens;
    row.completionTokens += completionTokens;
    tokenCounter.add(promptTokens, { room, purpose, kind: "prompt" });
    tokenCounter.add(completionTokens, { room, purpose, kind: "completion" });
    callCounter.add(1, { room, purpose, outcome: "ok" });
  }

  recordFailure(room: string, purpose: string) {
    this.#row(room).failures++;
    callCounter.add(1, { room, purpose, outcome: "failed" });
  }

  recordFallback(room: string, purpose: string) {
    this.#row(room).fallbacks++;
    callCounter.add(1, { room, purpose, outcome: "fallback" });
  }

  usage(room: string): RoomUsage {
    const row = this.#row(room);
    const cost = (BigInt(row.promptTokens) * this.pricing.inputMicrosPerMTok +
      BigInt(row.completionTokens) * this.pricing.outputMicrosPerMTok) / 1_000_000n;
    return { ...row, costMicros: cost };
  }

  rooms(): string[] {
    return [...this.#rooms.keys()];
  }
}
