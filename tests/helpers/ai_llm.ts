/** An LLM client pointed at the fake OpenAI server, with fast retries for tests. */
import { type LlmSettings, OpenAiLlmClient } from "../../actors/ai/llm/client.ts";

export function testLlm(
  baseUrl: string,
  overrides: Partial<LlmSettings> = {},
  now?: () => number,
): OpenAiLlmClient {
  return new OpenAiLlmClient({
    baseUrl,
    apiKey: "test-key",
    model: "test-model",
    embeddingModel: "test-embed",
    timeoutMs: 2_000,
    retry: { retries: 3, baseDelayMs: 5, maxDelayMs: 20 },
    breaker: { failureThreshold: 2, cooldownMs: 60_000 },
    pricing: { inputMicrosPerMTok: 150_000n, outputMicrosPerMTok: 600_000n },
    jsonMode: true,
    ...overrides,
  }, { now });
}
