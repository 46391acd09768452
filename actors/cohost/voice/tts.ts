/**
 * Text to speech for the co-host: an OpenAI-compatible `/audio/speech` endpoint (WAV), or
 * espeak-ng run in-process as WebAssembly (npm `text2wav`: Chinese and English voices, no
 * network, no model download). Both give mono 16-bit samples at the engine's own rate; the
 * LiveKit track resamples them to 48 kHz, the /proxy-ws clients get them as WAV.
 */
import { parseWav, type Pcm } from "./wav.ts";

export interface SpeechSynth {
  readonly kind: "remote" | "local";
  synth(text: string, language: string, signal: AbortSignal): Promise<Pcm>;
}

export class EspeakSynth implements SpeechSynth {
  readonly kind = "local" as const;
  #t2w: ((text: string, opts: { voice: string }) => Promise<Uint8Array>) | null = null;

  async synth(text: string, language: string): Promise<Pcm> {
    this.#t2w ??= (await import("text2wav")).default as (
      text: string,
      opts: { voice: string },
    ) => Promise<Uint8Array>;
    const voice = language.startsWith("zh") ? "zh" : language.slice(0, 2) || "en";
    return parseWav(await this.#t2w(text, { voice }));
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
