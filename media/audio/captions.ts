/**
 * Live captions: audio chunks in (16 kHz mono float, as decoded from the recorder's live
 * audio) → Silero VAD utterances → ASR → caption cues with times from the stream start, and
 * a WebVTT track of the cues for the recording. Utterances are recognised one at a time in
 * arrival order; audio keeps flowing into the VAD meanwhile, so a slow recogniser delays
 * captions but never the input.
 */
import type { Recogniser } from "./asr.ts";
import { type SileroVad, type VadOptions, VadStream } from "./vad.ts";

export interface CaptionCue {
  /** Offsets from the start of the audio (ms). */
  startMs: number;
  endMs: number;
  text: string;
  source: "local" | "llm";
}

export class CaptionPipeline {
  readonly #vad: VadStream;
  readonly cues: CaptionCue[] = [];
  #chain: Promise<void> = Promise.resolve();

  constructor(
    vad: SileroVad,
    private readonly asr: Recogniser,
    /** Called with each cue as soon as it is recognised (broadcast it). */
    private readonly onCue: (cue: CaptionCue) => void = () => {},
    vadOptions: Partial<VadOptions> = {},
    /** Offset added to every cue (when the audio starts later than the stream). */
    private readonly baseMs = 0,
    /** The stream's language now (BCP-47), asked per utterance; the recogniser routes by it. */
    private readonly language: () => string | undefined = () => undefined,
  ) {
    this.#vad = new VadStream(vad, vadOptions, true);
  }

  /** Feeds audio; returns once the VAD has seen it (recognition continues in the background). */
  async push(pcm: Float32Array): Promise<void> {
    for (const seg of await this.#vad.push(pcm)) {
      this.#recognise(seg.startMs, seg.endMs, seg.audio!);
    }
  }

  /** Ends the audio and waits for every pending recognition. */
  async end(): Promise<CaptionCue[]> {
    for (const seg of await this.#vad.end()) this.#recognise(seg.startMs, seg.endMs, seg.audio!);
    await this.#chain;
    return this.cues;
  }

  #recognise(startMs: number, endMs: number, audio: Float32Array): void {
    this.#chain = this.#chain.then(async () => {
      try {
        const language = this.language();
        const t = await this.asr.transcribe(audio, language ? { language } : {});
        if (!t.text) return;
        const cue = {
          startMs: this.baseMs + startMs,
          endMs: this.baseMs + endMs,
          text: t.text,
          source: t.source,
        };
        this.cues.push(cue);
        this.onCue(cue);
      } catch {
        // one failed utterance loses its caption, not the stream's
      }
    });
  }
}

function vttTime(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const p = (x: number, n = 2) => String(x).padStart(n, "0");
  return `${p(h)}:${p(m)}:${p(s)}.${p(ms % 1000, 3)}`;
}

/** A WebVTT document of the cues (text made safe: no `-->`, no blank lines, escaped `<&`). */
export function toWebVtt(cues: (CaptionCue & { speaker?: { name: string } })[]): string {
  const escape = (t: string) =>
    t.replace(/-->/g, "→").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const body = [...cues].sort((a, b) => a.startMs - b.startMs).map((c, i) => {
    const text = escape(c.text).replace(/\n\s*\n/g, "\n").trim();
    // A named speaker is a WebVTT voice span: players show (or style) who spoke.
    const name = c.speaker?.name.replace(/[\n\r]/g, " ").trim();
    return `${i + 1}\n${vttTime(c.startMs)} --> ${vttTime(Math.max(c.endMs, c.startMs + 1))}\n${
      name ? `<v ${escape(name)}>${text}` : text
    }`;
  });
  return `WEBVTT\n\n${body.join("\n\n")}\n`;
}
