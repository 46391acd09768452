/**
 * The AI co-host of one room: takes inputs (native chat, bridged chat, /proxy-ws) in arrival
 * order and answers one at a time. A reply streams from the model piece by piece (`delta`),
 * is cut into sentences, each sentence passes the moderation before it is final (`sentence`)
 * and spoken; the turn ends when the last sentence has been spoken. An interrupt (the
 * streamer, a trigger phrase from a trusted input, a /proxy-ws `interrupt-signal`) aborts the
 * model stream and cuts the voice at once; the next waiting input then starts.
 *
 * The class knows no room and no transport: events go to `emit`, and the host (a room part)
 * puts them in its batches. It runs beside its host's mailbox.
 */
import type { Logger } from "../../engine/log.ts";
import type { Source } from "../ai/source.ts";
import type { CoHostEvent, CoHostInput, CoHostState, EndReason } from "./events.ts";
import { InputQueue } from "./input_queue.ts";
import type { Persona } from "./persona.ts";
import type { Exchange, ReplyModel } from "./reply_model.ts";
import { SentenceSplitter } from "./sentences.ts";
import { speechClip } from "./voice/clip.ts";
import type { Pcm } from "./voice/wav.ts";

/** The verdict on one sentence of a reply. */
export interface SpeechVerdict {
  allowed: boolean;
  /** The text to show and speak (it may be masked). */
  text: string;
}

/** Plays synthesised sentences (the room's LiveKit track); `play` resolves once played or cut. */
export interface CoHostVoice {
  play(pcm: Pcm, signal: AbortSignal): Promise<void>;
  /** Stops whatever is playing, at once. */
  cut(): void;
}

/** Turns a sentence into speech (`voice/tts.ts`). */
export interface CoHostSpeech {
  synth(text: string, language: string, signal: AbortSignal): Promise<Pcm>;
}

export interface CoHostOptions {
  roomId: string;
  persona: Persona;
  emit: (event: CoHostEvent) => void;
  /** The configured LLM, or null (local answers only). */
  model: ReplyModel | null;
  local: ReplyModel;
  /**
   * A quick synchronous check of a sentence still streaming (`delta`s): false holds back its
   * further pieces until the sentence's verdict. Absent: every piece is shown.
   */
  draftAllowed?: (text: string, persona: Persona) => boolean;
  /** The check every sentence passes before it is shown or spoken (the room's moderation). */
  moderate: (text: string, persona: Persona) => SpeechVerdict | Promise<SpeechVerdict>;
  /**
   * Speech of each sentence (when the persona has a voice): sent as an `audio` event (the
   * /proxy-ws clients play it) and played on `voice` when there is one; without a player the
   * turn waits as long as the speech lasts, so turns keep the pace of what clients hear.
   */
  speech?: CoHostSpeech | null;
  voice?: CoHostVoice | null;
  now?: () => number;
  log?: Logger;
  /** Exchanges kept as the model's context (default 6). */
  historyTurns?: number;
  /** Turns answered before (a restored co-host numbers on from there). */
  turns?: number;
}

export interface CoHostStatus {
  state: CoHostState;
  turn: number;
  current: CoHostInput | null;
  queue: CoHostInput[];
  skipped: number;
  answered: number;
}

interface Turn {
  n: number;
  input: CoHostInput;
  abort: AbortController;
  interrupted: boolean;
}

export class CoHost {
  #persona: Persona;
  /** The stream's language from the room's inputs (`auto` personas speak it). */
  #streamLanguage = "zh";
  readonly #queue: InputQueue;
  #state: CoHostState = "idle";
  #turn: Turn | null = null;
  #turns = 0;
  #skipped = 0;
  #answered = 0;
  #running: Promise<void> | null = null;
  #closed = false;
  #history: Exchange[] = [];
  readonly #now: () => number;

  constructor(private readonly o: CoHostOptions) {
    this.#persona = o.persona;
    this.#queue = new InputQueue(o.persona.stale);
    this.#now = o.now ?? Date.now;
    this.#turns = o.turns ?? 0;
  }

  get persona(): Persona {
    return this.#persona;
  }

  configure(persona: Persona): void {
    this.#persona = persona;
    this.#queue.policy = persona.stale;
    if (!persona.enabled) {
      this.#queue.clear();
      this.interrupt("disabled");
    }
    this.#emitState();
  }

  status(): CoHostStatus {
    return {
      state: this.#state,
      turn: this.#turns,
      current: this.#turn?.input ?? null,
      queue: this.#queue.list(),
      skipped: this.#skipped,
      answered: this.#answered,
    };
  }

  /**
   * Offers an input. Returns `interrupt` when it was a trusted trigger phrase, `queued` when
   * it waits for its turn, `ignored` when the persona is off or does not listen to its origin.
   */
  input(input: CoHostInput): "queued" | "interrupt" | "ignored" {
    const p = this.#persona;
    if (!p.enabled || this.#closed) return "ignored";
    if (input.trusted && this.#isTrigger(input.text)) {
      this.interrupt("phrase");
      return "interrupt";
    }
    if (!p.listen[input.origin]) return "ignored";
    this.#queue.push(input);
    if (this.#running === null) this.#running = this.#loop();
    else this.#emitState();
    return "queued";
  }

  /**
   * What is still to answer, in order: the input of the current turn first (a restarted
   * co-host answers it again from its start), then the waiting ones — at most the newest
   * `stale.maxQueue`, all the stale policy would ever answer (bounded in a hot room).
   */
  pending(): CoHostInput[] {
    const current = this.#turn?.input;
    const waiting = this.#queue.tail(this.#persona.stale.maxQueue);
    return current ? [current, ...waiting] : waiting;
  }

  /**
   * Takes back what a previous activation left (`pending()`), ahead of anything new, and
   * starts answering; the stale policy still applies (skips are reported as usual).
   */
  restore(inputs: CoHostInput[]): number {
    if (!this.#persona.enabled || this.#closed || inputs.length === 0) return 0;
    const listened = inputs.filter((i) => this.#persona.listen[i.origin]);
    for (const i of listened) this.#queue.push(i);
    this.o.emit({ t: "cohost", op: "resumed", count: listened.length });
    if (this.#running === null) this.#running = this.#loop();
    return listened.length;
  }

  /** Ends the current turn at once (model stream aborted, voice cut). */
  interrupt(_why: string): boolean {
    const t = this.#turn;
    if (!t || t.interrupted) return false;
    t.interrupted = true;
    t.abort.abort();
    this.o.voice?.cut();
    return true;
  }

  /** Removes a waiting input (the streamer skipped it). */
  skip(inputId: string): boolean {
    const ok = this.#queue.remove(inputId);
    if (ok) {
      this.#skipped++;
      this.#emitState();
    }
    return ok;
  }

  /** Stops for good: the current turn is interrupted and nothing more is taken. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#queue.clear();
    this.interrupt("closed");
    await this.#running;
  }

  /** Resolves when the co-host has nothing left to do (tests, passivation). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #isTrigger(text: string): boolean {
    const t = text.toLowerCase();
    return this.#persona.interruptPhrases.some((p) => t.includes(p.toLowerCase()));
  }

  #setState(state: CoHostState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#emitState();
  }

  #emitState(): void {
    this.o.emit({ t: "cohost", op: "state", state: this.#state, queue: this.#queue.length });
  }

  async #loop(): Promise<void> {
    try {
      while (!this.#closed) {
        const taken = this.#queue.take(this.#now());
        const skipped = taken.stale + taken.overflow;
        if (taken.stale > 0) {
          this.o.emit({ t: "cohost", op: "skipped", count: taken.stale, reason: "stale" });
        }
        if (taken.overflow > 0) {
          this.o.emit({ t: "cohost", op: "skipped", count: taken.overflow, reason: "overflow" });
        }
        this.#skipped += skipped;
        if (!taken.input) break;
        await this.#answer(taken.input, skipped);
      }
    } catch (e) {
      this.o.log?.error("cohost loop failed", { room: this.o.roomId, error: e });
    } finally {
      this.#turn = null;
      this.#running = null;
      this.#setState("idle");
    }
  }

  async #answer(input: CoHostInput, skipped: number): Promise<void> {
    const turn: Turn = {
      n: ++this.#turns,
      input,
      abort: new AbortController(),
      interrupted: false,
    };
    this.#turn = turn;
    const emit = this.o.emit;
    emit({ t: "cohost", op: "taken", turn: turn.n, input, skipped });
    this.#setState("thinking");

    if (input.language) this.#streamLanguage = input.language;
    // `auto`: the stream's language, as the room last reported it
    const persona = this.#persona.language === "auto"
      ? { ...this.#persona, language: this.#streamLanguage }
      : this.#persona;
    const req = { roomId: this.o.roomId, persona, input, history: this.#history };
    const splitter = new SentenceSplitter();
    let index = 0;
    /** Sentences are moderated, shown and spoken in order, one after the other. */
    let line: Promise<void> = Promise.resolve();
    const said: string[] = [];
    let source: Source = this.o.model ? "llm" : "local";
    let reason: EndReason = "done";
    const signal = turn.abort.signal;

    const finishSentence = (raw: string) => {
      const i = index++;
      const sentenceSource = source;
      const verdict = Promise.resolve().then(() => this.o.moderate(raw, persona));
      // Synthesis starts as soon as the sentence passed, while earlier ones still play.
      const speech = persona.voice ? this.o.speech : null;
      const audio = verdict.then((v) =>
        v.allowed && speech && !signal.aborted
          ? speech.synth(v.text, persona.language, signal).catch((e) => {
            if (!signal.aborted) {
              this.o.log?.warn("cohost speech failed", { room: this.o.roomId, error: e });
            }
            return null;
          })
          : null
      );
      line = line.then(async () => {
        const v = await verdict;
        if (signal.aborted) return;
        if (!v.allowed) {
          emit({ t: "cohost", op: "withheld", turn: turn.n, index: i });
          return;
        }
        said.push(v.text);
        emit({
          t: "cohost",
          op: "sentence",
          turn: turn.n,
          index: i,
          text: v.text,
          source: sentenceSource,
          ...(speech ? { voiced: true } : {}),
        });
        if (!speech) return;
        const pcm = await audio;
        if (signal.aborted) return;
        emit({
          t: "cohost",
          op: "audio",
          turn: turn.n,
          index: i,
          text: v.text,
          clip: pcm && pcm.samples.length > 0 ? speechClip(pcm) : null,
        });
        if (!pcm) return;
        this.#setState("speaking");
        await this.#play(pcm, signal);
      }).catch((e) => {
        this.o.log?.warn("cohost sentence failed", { room: this.o.roomId, error: e });
      });
    };

    let hideDraft = false;
    try {
      let pieces = 0;
      const models = this.o.model ? [this.o.model, this.o.local] : [this.o.local];
      for (const model of models) {
        source = model.source;
        try {
          for await (const piece of model.stream(req, turn.abort.signal)) {
            if (turn.abort.signal.aborted) break;
            pieces++;
            // A provisional piece is shown only while its sentence so far passes the quick
            // local check; past a hit the rest of that sentence waits for its verdict.
            const draft = splitter.pending + piece;
            if (!hideDraft && this.o.draftAllowed && !this.o.draftAllowed(draft, persona)) {
              hideDraft = true;
            }
            if (!hideDraft) emit({ t: "cohost", op: "delta", turn: turn.n, text: piece });
            const done = splitter.push(piece);
            for (const s of done) finishSentence(s);
            if (done.length > 0) hideDraft = false;
          }
          break;
        } catch (e) {
          if (turn.abort.signal.aborted) break;
          // A model that failed mid-reply is not stitched to a local answer.
          if (pieces > 0 || model === this.o.local) throw e;
          this.o.log?.warn("cohost model failed; answering locally", {
            room: this.o.roomId,
            error: e,
          });
        }
      }
      if (!turn.abort.signal.aborted) {
        const rest = splitter.flush();
        if (rest) finishSentence(rest);
      }
      await line;
    } catch (e) {
      reason = "error";
      this.o.log?.warn("cohost reply failed", { room: this.o.roomId, error: e });
    }
    if (turn.interrupted) {
      reason = "interrupted";
      this.#setState("interrupted");
    }
    if (reason === "done") this.#answered++;
    this.#remember(input, said.join(""));
    emit({ t: "cohost", op: "end", turn: turn.n, reason, source });
    this.#turn = null;
  }

  /** Plays on the voice, or (no player) waits as long as the speech lasts. */
  #play(pcm: Pcm, signal: AbortSignal): Promise<void> {
    if (this.o.voice) return this.o.voice.play(pcm, signal);
    return new Promise((resolve) => {
      const t = setTimeout(done, Math.round(pcm.samples.length * 1000 / pcm.sampleRate));
      function done() {
        clearTimeout(t);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done);
    });
  }

  #remember(input: CoHostInput, reply: string): void {
    const keep = (this.o.historyTurns ?? 6) * 2;
    this.#history = [
      ...this.#history,
      { role: "user" as const, content: `${input.user.name}: ${input.text}` },
      ...(reply ? [{ role: "assistant" as const, content: reply }] : []),
    ].slice(-keep);
  }
}
