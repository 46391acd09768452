/**
 * The one LLM adapter: the `openai` SDK against any OpenAI-compatible endpoint (OpenAI,
 * DashScope compatible mode, vLLM, Ollama). JSON answers are parsed and validated by a zod
 * schema; each call has a timeout, at most 3 retries with exponential backoff and jitter, and
 * goes through a circuit breaker. Callers use `jsonOr` so that an unconfigured endpoint, an
 * open breaker or a failed call falls back to their local heuristic, labelled `local`.
 */
import type OpenAI from "openai";
import type { z } from "zod";
import type { AiConfig } from "../config.ts";
import { createLogger, type Logger } from "../../../engine/log.ts";
import type { Sourced } from "../source.ts";
import { type BreakerState, CircuitBreaker } from "../../../engine/resilience/breaker.ts";
import { DEFAULT_RETRY, type RetryPolicy, withRetries } from "../../../engine/resilience/retry.ts";
import { type Pricing, type RoomUsage, UsageLedger } from "./usage.ts";

export interface LlmSettings {
  baseUrl: string;
  apiKey: string;
  model: string;
  /** Unset: no embeddings (retrieval uses BM25 only). */
  embeddingModel?: string;
  timeoutMs: number;
  retry: RetryPolicy;
  breaker: { failureThreshold: number; cooldownMs: number };
  pricing: Pricing;
  /** Ask for `response_format: json_object` (most compatible servers accept it). */
  jsonMode: boolean;
}

/** Settings from config, or null when no LLM is configured (everything stays local). */
export function llmSettingsFromConfig(cfg: AiConfig): LlmSettings | null {
  if (!cfg.LLM_BASE_URL || !cfg.LLM_MODEL) return null;
  return {
    baseUrl: cfg.LLM_BASE_URL,
    apiKey: cfg.LLM_API_KEY ?? "none",
    model: cfg.LLM_MODEL,
    embeddingModel: cfg.EMBEDDING_MODEL,
    timeoutMs: cfg.LLM_TIMEOUT_MS,
    retry: DEFAULT_RETRY,
    breaker: { failureThreshold: 5, cooldownMs: 30_000 },
    pricing: {
      inputMicrosPerMTok: BigInt(cfg.LLM_PRICE_INPUT_MICROS_PER_MTOK),
      outputMicrosPerMTok: BigInt(cfg.LLM_PRICE_OUTPUT_MICROS_PER_MTOK),
    },
    jsonMode: true,
  };
}

/** A key frame or other picture sent as an image part. */
export interface ImageInput {
  bytes: Uint8Array;
  /** e.g. `image/jpeg`. */
  mime: string;
}

export interface JsonTask<T> {
  /** Accounting key (room id, or `rec:{id}` for per-recording work). */
  room: string;
  /** Short label for logs and metrics: `tips`, `moderation`, `qa`, `summary`... */
  purpose: string;
  system: string;
  user: string;
  images?: ImageInput[];
  /** An audio clip for an audio or multimodal model (an `input_audio` part). */
  audio?: { data: Uint8Array; format: "wav" | "mp3" };
  schema: z.ZodType<T>;
  maxTokens?: number;
  temperature?: number;
}

/** Raised for an answer that is not JSON or does not match the schema (retried). */
export class LlmOutputError extends Error {
  readonly code = "llm_bad_output";
}
/** Raised when the breaker refuses a call. */
export class LlmUnavailableError extends Error {
  readonly code = "llm_unavailable";
}

export interface LlmClient {
  readonly model: string;
  readonly embeddingModel?: string;
  /** Calls the model and returns the validated object; throws after retries. */
  completeJson<T>(task: JsonTask<T>): Promise<T>;
  /** The model's answer, or `local()` labelled `local` when anything goes wrong. */
  jsonOr<T>(task: JsonTask<T>, local: () => T | Promise<T>): Promise<Sourced<T>>;
  /** Embedding vectors, one per text, in order. Throws when no embedding model is set. */
  embed(room: string, texts: string[]): Promise<number[][]>;
  usage(room: string): RoomUsage;
  breakerState(): BreakerState;
}

/** The parse of a model's text: the JSON object in it (code fences tolerated). */
export function extractJson(text: string): unknown {
  const fenced = text.match(/```(?:json)?\s*([\s\S]*?)```/);
  const body = (fenced ? fenced[1] : text).trim();
  const start = body.search(/[[{]/);
  const end = Math.max(body.lastIndexOf("}"), body.lastIndexOf("]"));
  if (start < 0 || end < start) throw new LlmOutputError("no JSON object in the answer");
  try {
    return JSON.parse(body.slice(start, end + 1));
  } catch (err) {
    throw new LlmOutputError(`answer is not valid JSON: ${(err as Error).message}`);
  }
}

type OpenAiSdk = typeof import("openai").default;
let sdkLoading: Promise<OpenAiSdk> | undefined;
/** The SDK's class once loaded (its errors can only come after that). */
let Sdk: OpenAiSdk | undefined;
/** The openai SDK is tens of MB of JS: loaded at the first call, so a process with no LLM
 * configured (or that never calls one, like an edge) does not carry it. */
const loadSdk = () =>
  sdkLoading ??= import("openai").then((m) => {
    Sdk = m.default;
    return Sdk;
  });

function isRetryable(err: unknown): boolean {
  if (err instanceof LlmOutputError) return true;
  if (!Sdk) return false;
  if (err instanceof Sdk.APIConnectionError) return true; // includes timeouts
  if (err instanceof Sdk.APIError) {
    const status = err.status ?? 0;
    return status === 408 || status === 409 || status === 429 || status >= 500;
  }
  return false;
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function toDataUrl(img: ImageInput): string {
  return `data:${img.mime};base64,${base64(img.bytes)}`;
}

export class OpenAiLlmClient implements LlmClient {
  #sdk: Promise<OpenAI> | undefined;
  readonly #breaker: CircuitBreaker;
  readonly #usage: UsageLedger;
  readonly #log: Logger;

  constructor(
    private readonly settings: LlmSettings,
    opts: { log?: Logger; now?: () => number } = {},
  ) {
    if (settings.retry.retries > 3) throw new RangeError("at most 3 retries");
    this.#breaker = new CircuitBreaker({ ...settings.breaker, now: opts.now });
    this.#usage = new UsageLedger(settings.pricing);
    this.#log = opts.log ?? createLogger({ mod: "ai.llm" });
  }

  #client(): Promise<OpenAI> {
    const settings = this.settings;
    return this.#sdk ??= loadSdk().then((OpenAiClass) =>
      new OpenAiClass({
        baseURL: settings.baseUrl,
        apiKey: settings.apiKey,
        timeout: settings.timeoutMs,
        maxRetries: 0, // retries are ours: backoff with jitter, and schema failures count too
      })
    );
  }

  get model(): string {
    return this.settings.model;
  }
  get embeddingModel(): string | undefined {
    return this.settings.embeddingModel;
  }

  breakerState(): BreakerState {
    return this.#breaker.state;
  }

  usage(room: string): RoomUsage {
    return this.#usage.usage(room);
  }

  /** Runs one guarded call: breaker, retries, failure accounting. */
  async #guarded<T>(room: string, purpose: string, call: () => Promise<T>): Promise<T> {
    if (!this.#breaker.tryAcquire()) {
      throw new LlmUnavailableError(`circuit breaker ${this.#breaker.state}`);
    }
    try {
      const result = await withRetries(
        call,
        this.settings.retry,
        isRetryable,
        (err, attempt, delayMs) =>
          this.#log.warn("llm call failed, retrying", {
            room,
            purpose,
            attempt,
            delayMs,
            error: err instanceof Error ? err.message : String(err),
          }),
      );
      this.#breaker.success();
      return result;
    } catch (err) {
      this.#breaker.failure();
      this.#usage.recordFailure(room, purpose);
      throw err;
    }
  }

  completeJson<T>(task: JsonTask<T>): Promise<T> {
    const content: OpenAI.Chat.Completions.ChatCompletionContentPart[] = [
      { type: "text", text: task.user },
      ...(task.images ?? []).map((img) => ({
        type: "image_url" as const,
        image_url: { url: toDataUrl(img) },
      })),
      ...(task.audio
        ? [{
          type: "input_audio" as const,
          input_audio: { data: base64(task.audio.data), format: task.audio.format },
        }]
        : []),
    ];
    const parts = (task.images?.length ?? 0) > 0 || task.audio !== undefined;
    return this.#guarded(task.room, task.purpose, async () => {
      const completion = await (await this.#client()).chat.completions.create({
        model: this.settings.model,
        messages: [
          { role: "system", content: task.system },
          { role: "user", content: parts ? content : task.user },
        ],
        max_tokens: task.maxTokens ?? 800,
        temperature: task.temperature ?? 0.3,
        ...(this.settings.jsonMode ? { response_format: { type: "json_object" as const } } : {}),
      });
      this.#usage.recordCall(
        task.room,
        task.purpose,
        completion.usage?.prompt_tokens ?? 0,
        completion.usage?.completion_tokens ?? 0,
      );
      const text = completion.choices[0]?.message?.content ?? "";
      const parsed = task.schema.safeParse(extractJson(text));
      if (!parsed.success) {
        throw new LlmOutputError(`answer does not match the schema: ${parsed.error.message}`);
      }
      return parsed.data;
    });
  }

  async jsonOr<T>(task: JsonTask<T>, local: () => T | Promise<T>): Promise<Sourced<T>> {
    try {
      return { value: await this.completeJson(task), source: "llm" };
    } catch (err) {
      this.#usage.recordFallback(task.room, task.purpose);
      const reason = err instanceof Error ? err.message : String(err);
      this.#log.warn("llm unavailable, using local heuristic", {
        room: task.room,
        purpose: task.purpose,
        reason,
      });
      return { value: await local(), source: "local", fallbackReason: reason };
    }
  }

  embed(room: string, texts: string[]): Promise<number[][]> {
    const model = this.settings.embeddingModel;
    if (!model) return Promise.reject(new LlmUnavailableError("no embedding model configured"));
    return this.#guarded(room, "embedding", async () => {
      const res = await (await this.#client()).embeddings.create({ model, input: texts });
      this.#usage.recordCall(room, "embedding", res.usage?.prompt_tokens ?? 0, 0);
      const rows = [...res.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
      if (rows.length !== texts.length) {
        throw new LlmOutputError(`expected ${texts.length} embeddings, got ${rows.length}`);
      }
      return rows;
    });
  }
}

/** The client for this config, or null when no LLM is configured. */
export function createLlmClient(cfg: AiConfig, log?: Logger): LlmClient | null {
  const settings = llmSettingsFromConfig(cfg);
  return settings ? new OpenAiLlmClient(settings, { log }) : null;
}

/**
 * `jsonOr` for an optional client: with no client configured the local heuristic answers,
 * labelled `local`. Modules take `LlmClient | null` and call this.
 */
export function askOrLocal<T>(
  llm: LlmClient | null,
  task: JsonTask<T>,
  local: () => T | Promise<T>,
): Promise<Sourced<T>> {
  if (!llm) return Promise.resolve(local()).then((value) => ({ value, source: "local" as const }));
  return llm.jsonOr(task, local);
}
