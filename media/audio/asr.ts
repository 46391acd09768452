/**
 * Speech recognition behind one interface, chosen by config (`ASR_ENGINE`):
 * - `OpenAiTranscriber`: an OpenAI-compatible `/audio/transcriptions` endpoint
 *   (ASR_BASE_URL / ASR_API_KEY / ASR_MODEL), with timeout and retries;
 * - `PocketsphinxRecogniser`: Debian's `pocketsphinx_continuous` with the `pocketsphinx-en-us`
 *   model, offline (US English only; rough on synthetic or noisy speech).
 * Both take 16 kHz mono float PCM (one VAD utterance) and return text plus word timings
 * when known. Outputs say `source: "llm"` (remote model) or `"local"`.
 */
import OpenAI, { toFile } from "openai";
import type { Config } from "../../engine/config.ts";
import { createLogger, type Logger } from "../../engine/log.ts";
import { CircuitBreaker } from "../../actors/ai/llm/breaker.ts";
import { DEFAULT_RETRY, type RetryPolicy, withRetries } from "../../actors/ai/llm/retry.ts";
import { encodeWav, floatToInt16, SAMPLE_RATE } from "./pcm.ts";

export interface WordTiming {
  word: string;
  startMs: number;
  endMs: number;
}

export interface Transcript {
  text: string;
  /** Word timings relative to the utterance start (empty when the engine gives none). */
  words: WordTiming[];
  engine: "openai" | "pocketsphinx";
  source: "local" | "llm";
}

export interface Recogniser {
  readonly engine: Transcript["engine"];
  transcribe(pcm: Float32Array, opts?: { language?: string }): Promise<Transcript>;
}

// --- remote

export interface RemoteAsrSettings {
  baseUrl: string;
  apiKey: string;
  model: string;
  timeoutMs: number;
  retry: RetryPolicy;
}

export class OpenAiTranscriber implements Recogniser {
  readonly engine = "openai" as const;
  readonly #sdk: OpenAI;

  constructor(private readonly settings: RemoteAsrSettings) {
    if (settings.retry.retries > 3) throw new RangeError("at most 3 retries");
    this.#sdk = new OpenAI({
      baseURL: settings.baseUrl,
      apiKey: settings.apiKey,
      timeout: settings.timeoutMs,
      maxRetries: 0,
    });
  }

  async transcribe(pcm: Float32Array, opts: { language?: string } = {}): Promise<Transcript> {
    const wav = encodeWav(floatToInt16(pcm), SAMPLE_RATE);
    const res = await withRetries(
      async () =>
        await this.#sdk.audio.transcriptions.create({
          file: await toFile(wav, "utterance.wav", { type: "audio/wav" }),
          model: this.settings.model,
          response_format: "json",
          ...(opts.language ? { language: opts.language } : {}),
        }),
      this.settings.retry,
      (err) =>
        err instanceof OpenAI.APIConnectionError ||
        (err instanceof OpenAI.APIError && ((err.status ?? 0) >= 500 || err.status === 429)) ||
        err instanceof SyntaxError,
    );
    const text = typeof res === "string" ? res : res.text;
    return { text: text.trim(), words: [], engine: "openai", source: "llm" };
  }
}

// --- local

export interface PocketsphinxPaths {
  binary: string;
  hmm: string;
  lm: string;
  dict: string;
}

export const DEBIAN_POCKETSPHINX: PocketsphinxPaths = {
  binary: "pocketsphinx_continuous",
  hmm: "/usr/share/pocketsphinx/model/en-us/en-us",
  lm: "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin",
  dict: "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict",
};

/** True when the binary and the model are installed. */
export async function pocketsphinxAvailable(paths = DEBIAN_POCKETSPHINX): Promise<boolean> {
  try {
    await Deno.stat(paths.lm);
    const out = await new Deno.Command("sh", {
      args: ["-c", `command -v ${paths.binary}`],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

/**
 * Peak-normalises an utterance to 0.3 full scale (gain at most 8): the en-us acoustic model
 * was trained on moderate levels and does clearly worse on loud, near-clipping input.
 */
export function levelled(pcm: Float32Array): Float32Array {
  let peak = 0;
  for (let i = 0; i < pcm.length; i++) peak = Math.max(peak, Math.abs(pcm[i]));
  if (peak === 0) return pcm;
  const gain = Math.min(8, 0.3 / peak);
  return pcm.map((x) => x * gain);
}

/** `word start end confidence` lines printed with `-time yes`. */
const WORD_LINE = /^(\S+) (\d+\.\d+) (\d+\.\d+) ([\d.]+)$/;

/** Parses pocketsphinx_continuous `-time yes` output into words. */
export function parsePocketsphinx(stdout: string): WordTiming[] {
  const words: WordTiming[] = [];
  for (const line of stdout.split("\n")) {
    const m = WORD_LINE.exec(line.trim());
    if (!m) continue;
    const word = m[1].replace(/\(\d+\)$/, "");
    if (/^<.*>$|^\[.*\]$|^\+\+.*\+\+$/.test(word)) continue; // <s>, <sil>, [NOISE]
    words.push({
      word,
      startMs: Math.round(Number(m[2]) * 1000),
      endMs: Math.round(Number(m[3]) * 1000),
    });
  }
  return words;
}

/**
 * Runs one `pocketsphinx_continuous` process per utterance, one at a time (it takes a core).
 */
export class PocketsphinxRecogniser implements Recogniser {
  readonly engine = "pocketsphinx" as const;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly paths: PocketsphinxPaths = DEBIAN_POCKETSPHINX) {}

  transcribe(pcm: Float32Array): Promise<Transcript> {
    const run = this.#chain.then(() => this.#run(pcm));
    this.#chain = run.catch(() => {});
    return run;
  }

  async #run(pcm: Float32Array): Promise<Transcript> {
    const file = await Deno.makeTempFile({ prefix: "asr-", suffix: ".raw" });
    try {
      const samples = floatToInt16(levelled(pcm));
      await Deno.writeFile(file, new Uint8Array(samples.buffer, 0, samples.byteLength));
      const out = await new Deno.Command(this.paths.binary, {
        args: [
          "-infile",
          file,
          "-hmm",
          this.paths.hmm,
          "-lm",
          this.paths.lm,
          "-dict",
          this.paths.dict,
          "-samprate",
          String(SAMPLE_RATE),
          "-time",
          "yes",
          "-logfn",
          "/dev/null",
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!out.success) throw new Error(`pocketsphinx failed with code ${out.code}`);
      const words = parsePocketsphinx(new TextDecoder().decode(out.stdout));
      return {
        text: words.map((w) => w.word).join(" "),
        words,
        engine: "pocketsphinx",
        source: "local",
      };
    } finally {
      await Deno.remove(file).catch(() => {});
    }
  }
}

/** Remote first; when it fails (or its breaker is open) the local recogniser answers. */
export class FallbackRecogniser implements Recogniser {
  readonly #breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 30_000 });

  constructor(
    private readonly remote: Recogniser,
    private readonly local: Recogniser,
    private readonly log: Logger = createLogger({ mod: "ai.asr" }),
  ) {}

  get engine() {
    return this.remote.engine;
  }

  async transcribe(pcm: Float32Array, opts?: { language?: string }): Promise<Transcript> {
    if (this.#breaker.tryAcquire()) {
      try {
        const t = await this.remote.transcribe(pcm, opts);
        this.#breaker.success();
        return t;
      } catch (err) {
        this.#breaker.failure();
        this.log.warn("remote ASR failed, using the local recogniser", {
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
    return this.local.transcribe(pcm, opts);
  }
}

/** The recogniser `ASR_ENGINE` asks for, or null when none is available (captions off). */
export async function createRecogniser(cfg: Config, log?: Logger): Promise<Recogniser | null> {
  const remote = cfg.ASR_BASE_URL && cfg.ASR_MODEL
    ? new OpenAiTranscriber({
      baseUrl: cfg.ASR_BASE_URL,
      apiKey: cfg.ASR_API_KEY ?? "none",
      model: cfg.ASR_MODEL,
      timeoutMs: cfg.LLM_TIMEOUT_MS,
      retry: DEFAULT_RETRY,
    })
    : null;
  const local = await pocketsphinxAvailable() ? new PocketsphinxRecogniser() : null;
  switch (cfg.ASR_ENGINE) {
    case "off":
      return null;
    case "remote":
      return remote;
    case "local":
      return local;
    case "auto":
      if (remote && local) return new FallbackRecogniser(remote, local, log);
      return remote ?? local;
  }
}
