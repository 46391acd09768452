/**
 * Speech recognition behind one interface, chosen by config (`ASR_ENGINE`):
 * - `OpenAiTranscriber`: an OpenAI-compatible `/audio/transcriptions` endpoint
 *   (ASR_BASE_URL / ASR_API_KEY / ASR_MODEL), with timeout and retries;
 * - `PocketsphinxRecogniser`: Debian's pocketsphinx (`pocketsphinx_batch`, one resident
 *   process) with the `pocketsphinx-en-us` model, offline (US English only; rough on synthetic
 *   or noisy speech).
 * Both take 16 kHz mono float PCM (one VAD utterance) and return text plus word timings
 * when known. Outputs say `source: "llm"` (remote model) or `"local"`.
 */
import type OpenAI from "openai";
import type { AiConfig } from "../../actors/ai/config.ts";
import type { MediaConfig } from "../config.ts";
import { createLogger, type Logger } from "../../engine/log.ts";
import { CircuitBreaker } from "../../engine/resilience/breaker.ts";
import { DEFAULT_RETRY, type RetryPolicy, withRetries } from "../../engine/resilience/retry.ts";
import { encodeWav, floatToInt16, SAMPLE_RATE } from "./pcm.ts";
import { cpuTicks } from "../process_cpu.ts";

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
  /** Ends whatever the recogniser keeps running (a resident process). */
  close?(): Promise<void>;
}

// --- remote

export interface RemoteAsrSettings {
  baseUrl: string;
  apiKey: string;
  model: string;
  timeoutMs: number;
  retry: RetryPolicy;
}

type OpenAiModule = typeof import("openai");
let openaiModule: Promise<OpenAiModule> | undefined;

export class OpenAiTranscriber implements Recogniser {
  readonly engine = "openai" as const;
  #sdk: Promise<{ client: OpenAI; sdk: OpenAiModule }> | undefined;

  constructor(private readonly settings: RemoteAsrSettings) {
    if (settings.retry.retries > 3) throw new RangeError("at most 3 retries");
  }

  /** The openai SDK (tens of MB of JS) loads at the first transcription. */
  #client(): Promise<{ client: OpenAI; sdk: OpenAiModule }> {
    return this.#sdk ??= (openaiModule ??= import("openai")).then((sdk) => ({
      sdk,
      client: new sdk.default({
        baseURL: this.settings.baseUrl,
        apiKey: this.settings.apiKey,
        timeout: this.settings.timeoutMs,
        maxRetries: 0,
      }),
    }));
  }

  async transcribe(pcm: Float32Array, opts: { language?: string } = {}): Promise<Transcript> {
    const wav = encodeWav(floatToInt16(pcm), SAMPLE_RATE);
    const { client, sdk } = await this.#client();
    const res = await withRetries(
      async () =>
        await client.audio.transcriptions.create({
          file: await sdk.toFile(wav, "utterance.wav", { type: "audio/wav" }),
          model: this.settings.model,
          response_format: "json",
          ...(opts.language ? { language: opts.language } : {}),
        }),
      this.settings.retry,
      (err) =>
        err instanceof sdk.default.APIConnectionError ||
        (err instanceof sdk.default.APIError &&
          ((err.status ?? 0) >= 500 || err.status === 429)) ||
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
  binary: "pocketsphinx_batch",
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

/** Parses `pocketsphinx_continuous -time yes` output into words (the one-shot CLI). */
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

/** `uttid S scale T total A ascr L lscr {startFrame ascr lscr word}* endFrame` (`-hypseg`). */
export function parseHypseg(line: string): { id: string; words: WordTiming[] } | null {
  const t = line.trim().split(/\s+/);
  if (t.length < 10 || t[1] !== "S" || t[3] !== "T" || t[5] !== "A" || t[7] !== "L") return null;
  const segs = t.slice(9);
  if (segs.length % 4 !== 1) return null;
  const frames = (i: number) => Number(segs[i]) * 10; // -frate 100
  const words: WordTiming[] = [];
  for (let i = 0; i + 4 < segs.length; i += 4) {
    const word = segs[i + 3].replace(/\(\d+\)$/, "");
    if (/^<.*>$|^\[.*\]$|^\+\+.*\+\+$/.test(word)) continue; // <s>, <sil>, [NOISE]
    words.push({ word, startMs: frames(i), endMs: Math.max(frames(i), frames(i + 4) - 10) });
  }
  return { id: t[0], words };
}

export interface PocketsphinxOptions {
  /** Wait for one utterance: this plus twice its duration (ms); past it, if the process has
   * used no CPU since the last look, it is stuck: killed and restarted, and that utterance
   * fails. A process still using CPU (a saturated machine, a model still loading) is given
   * the same time again, up to `maxWaitMs` in all. */
  timeoutMs?: number;
  /** The longest wait for one utterance however busy the process is (ms). */
  maxWaitMs?: number;
  /** Restart delay after the process died: doubles from `restartBaseMs` to `restartMaxMs`,
   * back to none after an utterance is answered. */
  restartBaseMs?: number;
  restartMaxMs?: number;
}

class ProcessExited extends Error {}

interface Resident {
  child: Deno.ChildProcess;
  stdin: WritableStreamDefaultWriter<Uint8Array>;
  waiting: Map<string, { resolve: (w: WordTiming[]) => void; reject: (e: Error) => void }>;
  done: Promise<void>;
  dead: boolean;
}

/**
 * One resident `pocketsphinx_batch` process (model, dictionary and LM loaded once), fed one
 * utterance at a time: the utterance goes to a raw 16 kHz s16le file, its id down the
 * process's stdin (`-ctl /dev/stdin`), and its `-hypseg` line comes back on stdout (the
 * batch tool flushes after every utterance). Started on first use, restarted with backoff
 * when it dies, killed when an utterance takes past its timeout; `close()` ends it.
 * Utterances are recognised one at a time (the decoder takes a core).
 */
export class PocketsphinxRecogniser implements Recogniser {
  readonly engine = "pocketsphinx" as const;
  readonly #opts: Required<PocketsphinxOptions>;
  #chain: Promise<unknown> = Promise.resolve();
  #dir?: string;
  #proc?: Resident;
  #seq = 0;
  #failures = 0;
  #diedAt = 0;
  #closed = false;
  #wake?: () => void;
  /** Processes started so far (1 unless one died or was killed). */
  starts = 0;

  constructor(
    private readonly paths: PocketsphinxPaths = DEBIAN_POCKETSPHINX,
    opts: PocketsphinxOptions = {},
  ) {
    this.#opts = {
      timeoutMs: 10_000,
      maxWaitMs: 300_000,
      restartBaseMs: 250,
      restartMaxMs: 8_000,
      ...opts,
    };
  }

  /** The running process id, if any (tests kill it). */
  get pid(): number | undefined {
    return this.#proc && !this.#proc.dead ? this.#proc.child.pid : undefined;
  }

  transcribe(pcm: Float32Array): Promise<Transcript> {
    const run = this.#chain.then(() => this.#run(pcm));
    this.#chain = run.catch(() => {});
    return run;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake?.();
    await this.#chain;
    const p = this.#proc;
    if (p && !p.dead) {
      await p.stdin.close().catch(() => {}); // end of the control file: the batch tool exits
      const timer = setTimeout(() => this.#kill(p), 2_000);
      await p.done;
      clearTimeout(timer);
    }
    if (this.#dir) await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }

  async #run(pcm: Float32Array): Promise<Transcript> {
    if (this.#closed) throw new Error("pocketsphinx recogniser closed");
    this.#dir ??= await this.#makeDir();
    const id = `u${++this.#seq}`;
    const file = `${this.#dir}/${id}.raw`;
    try {
      const samples = floatToInt16(levelled(pcm));
      await Deno.writeFile(file, new Uint8Array(samples.buffer, 0, samples.byteLength));
      try {
        return await this.#ask(id, pcm.length);
      } catch (err) {
        // died before answering (killed, crashed): once more on a fresh process
        if (!(err instanceof ProcessExited) || this.#closed) throw err;
        return await this.#ask(id, pcm.length);
      }
    } finally {
      await Deno.remove(file).catch(() => {});
    }
  }

  async #ask(id: string, samples: number): Promise<Transcript> {
    const p = await this.#start();
    const answer = new Promise<WordTiming[]>((resolve, reject) =>
      p.waiting.set(id, { resolve, reject })
    );
    // When the watchdog wins the race below and kills the process, this answer is rejected
    // later (the process exited): the race already reported the failure, nothing waits here.
    answer.catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeoutMs = this.#opts.timeoutMs + (2 * samples * 1000) / SAMPLE_RATE;
    const started = Date.now();
    let ticks = await cpuTicks(p.child.pid);
    let settled = false; // answered or failed: the watchdog stops looking
    const timeout = new Promise<never>((_, reject) => {
      const look = async () => {
        const now = await cpuTicks(p.child.pid);
        if (settled) return;
        const waited = Date.now() - started;
        if (
          now !== undefined && ticks !== undefined && now > ticks && !p.dead &&
          waited + timeoutMs <= this.#opts.maxWaitMs
        ) {
          ticks = now; // working, only slowly: wait again
          timer = setTimeout(look, timeoutMs);
          return;
        }
        reject(new Error(`pocketsphinx gave no answer in ${Math.round(waited)} ms`));
        this.#kill(p);
      };
      timer = setTimeout(look, timeoutMs);
    });
    try {
      await p.stdin.write(new TextEncoder().encode(`${id}\n`)).catch(async () => {
        // Killed before its exit was seen: make sure it is gone and known dead, so the
        // retry starts a new process instead of writing to this one again.
        this.#kill(p);
        await p.done;
        throw new ProcessExited("pocketsphinx's stdin is closed");
      });
      const words = await Promise.race([answer, timeout]);
      this.#failures = 0;
      return {
        text: words.map((w) => w.word).join(" "),
        words,
        engine: "pocketsphinx",
        source: "local",
      };
    } finally {
      settled = true;
      clearTimeout(timer);
      p.waiting.delete(id);
      answer.catch(() => {});
    }
  }

  /**
   * The work directory: utterance files, and `hmm/` — the acoustic model's files linked, with
   * its `feat.params` saying `-cmn live` instead of `batch` (that file overrides the command
   * line). The batch tool decodes each file as one whole utterance, and whole-utterance mean
   * normalisation recognises espeak-ng speech clearly worse than the live (running, from the
   * model's `-cmninit`) normalisation `pocketsphinx_continuous` uses; live also carries the
   * mean from one utterance to the next, as one stream would.
   */
  async #makeDir(): Promise<string> {
    const dir = await Deno.makeTempDir({ prefix: "asr-" });
    await Deno.mkdir(`${dir}/hmm`);
    for await (const e of Deno.readDir(this.paths.hmm)) {
      const from = `${this.paths.hmm}/${e.name}`;
      if (e.name === "feat.params") {
        const params = await Deno.readTextFile(from);
        await Deno.writeTextFile(
          `${dir}/hmm/${e.name}`,
          params.replace(/^-cmn \S+$/m, "-cmn live"),
        );
      } else await Deno.symlink(from, `${dir}/hmm/${e.name}`);
    }
    return dir;
  }

  #kill(p: Resident): void {
    if (p.dead) return;
    try {
      p.child.kill("SIGKILL");
    } catch { /* already gone */ }
  }

  /** The live process, or a new one once the restart backoff has passed. */
  async #start(): Promise<Resident> {
    if (this.#proc && !this.#proc.dead) return this.#proc;
    if (this.#failures > 0) {
      const delay = Math.min(
        this.#opts.restartMaxMs,
        this.#opts.restartBaseMs * 2 ** (this.#failures - 1),
      );
      const wait = this.#diedAt + delay - Date.now();
      if (wait > 0) {
        await new Promise<void>((r) => {
          const t = setTimeout(r, wait);
          this.#wake = () => (clearTimeout(t), r());
        });
        this.#wake = undefined;
      }
      if (this.#closed) throw new Error("pocketsphinx recogniser closed");
    }
    const child = new Deno.Command(this.paths.binary, {
      args: [
        "-ctl",
        "/dev/stdin",
        "-adcin",
        "yes",
        "-cepdir",
        this.#dir!,
        "-cepext",
        ".raw",
        "-hmm",
        `${this.#dir}/hmm`,
        "-lm",
        this.paths.lm,
        "-dict",
        this.paths.dict,
        "-samprate",
        String(SAMPLE_RATE),
        "-hypseg",
        "/dev/stdout",
        "-logfn",
        "/dev/null",
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    this.starts++;
    const p: Resident = {
      child,
      stdin: child.stdin.getWriter(),
      waiting: new Map(),
      done: Promise.resolve(),
      dead: false,
    };
    p.stdin.closed.catch(() => {}); // a dead process's stdin errors; its waiters are told
    p.done = (async () => {
      let buf = "";
      try {
        for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
          buf += chunk;
          let nl;
          while ((nl = buf.indexOf("\n")) >= 0) {
            const seg = parseHypseg(buf.slice(0, nl));
            buf = buf.slice(nl + 1);
            if (seg) p.waiting.get(seg.id)?.resolve(seg.words);
          }
        }
      } catch { /* the process died mid-write */ }
      const status = await child.status;
      p.dead = true;
      if (!this.#closed) {
        this.#failures++;
        this.#diedAt = Date.now();
      }
      const err = new ProcessExited(
        `pocketsphinx exited (${status.signal ?? `code ${status.code}`}) before answering`,
      );
      for (const w of p.waiting.values()) w.reject(err);
    })();
    this.#proc = p;
    return p;
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

  async close(): Promise<void> {
    await this.remote.close?.();
    await this.local.close?.();
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

// --- by language

/** `zh-CN` → `zh`: what Whisper-style endpoints take. */
export function asrLanguage(tag: string): string {
  return tag.split("-")[0].toLowerCase();
}

/**
 * Recognition by the stream's language. The local recogniser (pocketsphinx with the en-US
 * model) knows English only, so speech in any other language (Chinese above all: SenseVoice
 * or Whisper behind an OpenAI-compatible `/audio/transcriptions`) goes to the remote endpoint
 * with the language named (ISO 639-1, `zh`); with no endpoint configured it is not recognised
 * at all (empty text) rather than forced through the English model. English, or an unknown
 * language, goes to the recogniser `ASR_ENGINE` chose.
 */
export class LanguageRoutedRecogniser implements Recogniser {
  /** Utterances left unrecognised for want of a recogniser in their language. */
  unrecognised = 0;

  constructor(
    /** The recogniser for English (and unknown languages). */
    readonly english: Recogniser,
    /** The OpenAI-compatible endpoint, when configured. */
    readonly remote: Recogniser | null,
  ) {}

  get engine(): Transcript["engine"] {
    return this.english.engine;
  }

  async transcribe(pcm: Float32Array, opts: { language?: string } = {}): Promise<Transcript> {
    const lang = opts.language ? asrLanguage(opts.language) : undefined;
    if (lang === undefined || lang === "en") {
      return await this.english.transcribe(pcm, lang ? { language: lang } : {});
    }
    if (this.remote) return await this.remote.transcribe(pcm, { language: lang });
    this.unrecognised++;
    return { text: "", words: [], engine: this.english.engine, source: "local" };
  }

  async close(): Promise<void> {
    await this.english.close?.();
    if (this.remote !== this.english) await this.remote?.close?.();
  }
}

/** What choosing a recogniser reads: media's ASR_* and the LLM request timeout. */
export type RecogniserConfig =
  & Pick<MediaConfig, "ASR_ENGINE" | "ASR_BASE_URL" | "ASR_API_KEY" | "ASR_MODEL">
  & Pick<AiConfig, "LLM_TIMEOUT_MS">;

/** The recogniser `ASR_ENGINE` asks for, or null when none is available (captions off). */
export async function createRecogniser(
  cfg: RecogniserConfig,
  log?: Logger,
): Promise<Recogniser | null> {
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
      return remote && new LanguageRoutedRecogniser(remote, remote);
    case "local":
      return local;
    case "auto": {
      // English: remote first, local when it fails; other languages: the remote only
      if (remote && local) {
        return new LanguageRoutedRecogniser(new FallbackRecogniser(remote, local, log), remote);
      }
      if (remote) return new LanguageRoutedRecogniser(remote, remote);
      return local && new LanguageRoutedRecogniser(local, null);
    }
  }
}
