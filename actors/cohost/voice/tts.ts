/**
 * Text to speech for the co-host: an OpenAI-compatible `/audio/speech` endpoint (WAV), or
 * espeak-ng run in-process as WebAssembly (npm `text2wav`: Chinese and English voices, no
 * network, no model download). Both give mono 16-bit samples at the engine's own rate; the
 * LiveKit track resamples them to 48 kHz, the /proxy-ws clients get them as WAV.
 */
import process from "node:process";
import { parseWav, type Pcm } from "./wav.ts";

export interface SpeechSynth {
  readonly kind: "remote" | "local";
  synth(text: string, language: string, signal: AbortSignal): Promise<Pcm>;
}

/**
 * text2wav instantiates a fresh espeak-ng WebAssembly module per call, and each instance adds
 * `uncaughtException` and `unhandledRejection` listeners to the process that hold it (its
 * whole heap): about 5 MB kept per sentence. Calls run one at a time here and the listeners a
 * call added are removed when it ends, so each instance can be collected.
 */
const MODULE_HOOKS = ["uncaughtException", "unhandledRejection"];
type Listener = (...args: unknown[]) => void;
const hooks = process as unknown as {
  listeners(event: string): Listener[];
  off(event: string, listener: Listener): void;
};

export class EspeakSynth implements SpeechSynth {
  readonly kind = "local" as const;
  #t2w: ((text: string, opts: { voice: string }) => Promise<Uint8Array>) | null = null;
  #line: Promise<unknown> = Promise.resolve();

  synth(text: string, language: string): Promise<Pcm> {
    const run = this.#line.then(() => this.#synth(text, language));
    this.#line = run.catch(() => {});
    return run;
  }

  async #synth(text: string, language: string): Promise<Pcm> {
    this.#t2w ??= (await import("text2wav")).default as (
      text: string,
      opts: { voice: string },
    ) => Promise<Uint8Array>;
    const voice = language.startsWith("zh") ? "zh" : language.slice(0, 2) || "en";
    const before = MODULE_HOOKS.map((e) => new Set(hooks.listeners(e)));
    try {
      return parseWav(await this.#t2w(text, { voice }));
    } finally {
      MODULE_HOOKS.forEach((e, i) => {
        for (const l of hooks.listeners(e)) if (!before[i].has(l)) hooks.off(e, l);
      });
    }
  }
}

export interface RemoteTtsSettings {
  baseUrl: string;
  apiKey?: string;
  model: string;
  voice: string;
  timeoutMs?: number;
}

export class OpenAiSpeechSynth implements SpeechSynth {
  readonly kind = "remote" as const;

  constructor(private readonly s: RemoteTtsSettings) {}

  async synth(text: string, _language: string, signal: AbortSignal): Promise<Pcm> {
    const url = this.s.baseUrl.replace(/\/$/, "") + "/audio/speech";
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(this.s.apiKey ? { authorization: `Bearer ${this.s.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: this.s.model,
        voice: this.s.voice,
        input: text,
        response_format: "wav",
      }),
      signal: AbortSignal.any([signal, AbortSignal.timeout(this.s.timeoutMs ?? 20_000)]),
    });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`speech endpoint answered ${res.status}`);
    }
    return parseWav(new Uint8Array(await res.arrayBuffer()));
  }
}
