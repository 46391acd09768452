/**
 * Recognition by the stream's language. The local recogniser (pocketsphinx with the en-US
 * model) knows English only, so speech in any other language (Chinese above all: SenseVoice
 * or Whisper behind an OpenAI-compatible `/audio/transcriptions`) goes to the remote endpoint
 * with the language named (ISO 639-1, `zh`); with no endpoint configured it is not recognised
 * at all (empty text) rather than forced through the English model. English, or an unknown
 * language, goes to the recogniser `ASR_ENGINE` chose.
 */
import type { Recogniser, Transcript } from "./asr.ts";

/** `zh-CN` → `zh`: what Whisper-style endpoints take. */
export function asrLanguage(tag: string): string {
  return tag.split("-")[0].toLowerCase();
}

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
