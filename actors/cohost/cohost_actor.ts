/**
 * The co-host of a room as an actor (id = room id), beside the room actor: model streams, TTS
 * and the LiveKit voice are slow work that must never run inside the room's mailbox turn, and
 * a failure there must not restart the room. The room's co-host part forwards chat here and
 * puts the events back in its batches; /proxy-ws edges send inputs here directly.
 *
 * Its events are coalesced and published on `cohost.out.{roomId}` every `flushMs`, as
 * `{roomId, events}` (the speech of a sentence, `audio`, alone in its message and never in the
 * room's batches). Persisted: the persona, the proxy key's hash, the turn counter and what is
 * still to answer (`pending`: written within a second, a /proxy-ws input before it is
 * acknowledged). While something is pending a durable alarm is kept ahead, so after a process
 * restart or a fail-over the co-host comes back by itself and answers on, in order.
 */
import { Actor, type ActorContext, ActorError, type ActorType } from "../../engine/actor.ts";
import { RoomClient } from "../room/client.ts";
import { roomKnowledge } from "./room_knowledge.ts";
import { COHOST_ACTOR_TYPE, cohostOutSubject } from "./address.ts";
import {
  CoHost,
  type CoHostSpeech,
  type CoHostStatus,
  type CoHostVoice,
  type SpeechVerdict,
} from "./cohost.ts";
import { type CoHostEvent, type CoHostInput, CoHostInputSchema } from "./events.ts";
import { DEFAULT_PERSONA, Persona } from "./persona.ts";
import { type LocalKnowledge, LocalReplyModel, type ReplyModel } from "./reply_model.ts";
import { roomSpeechModeration, speechModeration } from "./speech_moderation.ts";

export { COHOST_ACTOR_TYPE, cohostOutSubject };

/** What is published on `cohost.out.{roomId}`. */
export interface CoHostOut {
  roomId: string;
  events: CoHostEvent[];
}

export type CoHostMsg =
  | { kind: "input"; input: CoHostInput }
  | { kind: "interrupt"; by: string }
  | { kind: "skip"; inputId: string }
  | { kind: "configure"; persona: unknown }
  | { kind: "status" }
  /** A new per-room proxy key; the clear key is in the reply only, its hash is stored. */
  | { kind: "rotate_key" }
  | { kind: "check_key"; key: string };

export interface CoHostStatusReply extends CoHostStatus {
  persona: Persona;
  hasProxyKey: boolean;
}

/** The reply to each message (`configure` answers with the status). */
export interface CoHostReplies {
  input: { outcome: "queued" | "interrupt" | "ignored"; queue: number };
  interrupt: { interrupted: true };
  skip: { skipped: string };
  configure: CoHostStatusReply;
  status: CoHostStatusReply;
  /** The new `/proxy-ws` key, shown once (only its hash is kept). */
  rotate_key: { key: string };
  check_key: { ok: boolean };
}

export interface CoHostActorState {
  persona: Persona;
  proxyKeyHash: string | null;
  /** Turns taken so far (numbers go on after a restart). */
  turns: number;
  /** Not yet answered, in order: the current turn's input first. */
  pending: CoHostInput[];
}

/** The voice of one room (LiveKit audio track); built on activation, closed on passivation. */
export interface VoiceFactory {
  open(roomId: string): Promise<CoHostVoice & { close(): Promise<void> }>;
}

export interface CoHostActorOptions {
  model: ReplyModel | null;
  /** The local answerer's knowledge (default: the room's knowledge base; null: templates only). */
  knowledge?: (roomId: string) => LocalKnowledge | null;
  /** Speech of each sentence (null: captions only). */
  speech?: CoHostSpeech | null;
  /** The LiveKit track that plays it (null: /proxy-ws clients alone hear it). */
  voice?: VoiceFactory | null;
  /** Default: the persona's list, then the room's moderation (`speech_screen`). */
  moderate?: (text: string, persona: Persona) => SpeechVerdict | Promise<SpeechVerdict>;
  flushMs?: number;
  /** While inputs are pending the revival alarm is kept this far ahead, twice over. */
  reviveMs?: number;
}

/** The local check held against sentences still streaming (the room's verdict comes later). */
const draftCheck = speechModeration();

async function sha256(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return new Uint8Array(d).toHex();
}

class CoHostActor extends Actor<CoHostActorState, CoHostMsg, unknown> {
  #cohost: CoHost | null = null;
  readonly #room: RoomClient;
  #pending: CoHostEvent[] = [];
  /** Until when the revival alarm and the keep-alive were last pushed (0: not set). */
  #aliveUntil = 0;
  #voice: (CoHostVoice & { close(): Promise<void> }) | null = null;

  constructor(
    ctx: ActorContext,
    state: CoHostActorState,
    private readonly o: CoHostActorOptions,
  ) {
    super(ctx, state);
    this.#room = new RoomClient(ctx);
  }

  override async onActivate(): Promise<void> {
    if (this.state.persona.enabled && this.state.persona.voice) await this.#openVoice();
    this.#cohost = new CoHost({
      roomId: this.ctx.id,
      persona: this.state.persona,
      emit: (e) => this.#emit(e),
      model: this.o.model,
      local: new LocalReplyModel(
        this.o.knowledge === undefined
          ? roomKnowledge(this.ctx, this.ctx.id)
          : this.o.knowledge(this.ctx.id),
      ),
      moderate: this.o.moderate ??
        roomSpeechModeration((text) => this.#room.screenSpeech(this.ctx.id, text), {
          log: this.ctx.log,
          roomId: this.ctx.id,
        }),
      draftAllowed: (text, persona) => draftCheck(text, persona).allowed,
      speech: this.o.speech ?? null,
      voice: this.o.voice ? this.#voiceProxy : null,
      now: () => this.ctx.now(),
      log: this.ctx.log,
      turns: this.state.turns,
    });
    this.ctx.setInterval("flush", this.o.flushMs ?? 30);
    const left = this.state.pending;
    if (left.length > 0) {
      const n = this.#cohost.restore(left);
      this.ctx.log.info("cohost resumed its queue", {
        room: this.ctx.id,
        pending: left.length,
        resumed: n,
      });
      this.#track();
    }
  }

  override async onPassivate(): Promise<void> {
    // A graceful stop (shutdown, hand-over) keeps what is pending for the next activation,
    // whose revival alarm is already set.
    if (this.#cohost) {
      this.state.pending = this.#cohost.pending();
      this.state.turns = this.#cohost.status().turn;
      this.ctx.markDirty();
    }
    await this.#cohost?.close();
    this.#flush();
    await this.#voice?.close().catch(() => {});
    this.#voice = null;
  }

  override onTimer(name: string): void {
    if (name === "flush") {
      this.#flush();
      this.#track();
    } else if (name === "revive") this.#track();
  }

  /**
   * Keeps the persisted `pending` and turn counter up to date, and while anything is pending
   * keeps the activation alive and a revival alarm ahead; once idle, drops both.
   */
  #track(): void {
    const c = this.#cohost;
    if (!c) return;
    const pending = c.pending();
    const turns = c.status().turn;
    const changed = turns !== this.state.turns || pending.length !== this.state.pending.length ||
      pending.some((p, i) => p.id !== this.state.pending[i].id);
    if (changed) {
      this.state.pending = pending;
      this.state.turns = turns;
      this.ctx.markDirty();
    }
    const revive = this.o.reviveMs ?? 5_000;
    const now = this.ctx.now();
    if (pending.length > 0) {
      if (now >= this.#aliveUntil) {
        this.ctx.setInterval("busy", revive, { keepAlive: true });
        this.ctx.setAlarm("revive", now + revive * 2);
        this.#aliveUntil = now + revive;
      }
    } else if (this.#aliveUntil > 0) {
      this.#aliveUntil = 0;
      this.ctx.clearTimer("busy");
      this.ctx.clearTimer("revive");
    }
  }

  /** The co-host speaks through whatever voice is open now (it may open after a configure). */
  readonly #voiceProxy: CoHostVoice = {
    play: (pcm, signal) => this.#voice?.play(pcm, signal) ?? Promise.resolve(),
    cut: () => this.#voice?.cut(),
  };

  async #openVoice(): Promise<void> {
    if (this.#voice || !this.o.voice) return;
    try {
      this.#voice = await this.o.voice.open(this.ctx.id);
    } catch (e) {
      this.ctx.log.warn("cohost voice unavailable", { room: this.ctx.id, error: e });
    }
  }

  #emit(e: CoHostEvent): void {
    this.#pending.push(e);
  }

  /**
   * Publishes the events gathered since the last flush (consecutive deltas of a turn merged)
   * for /proxy-ws edges, and hands them to the room for its viewers' batches.
   */
  #flush(): void {
    if (this.#pending.length === 0) return;
    const events: CoHostEvent[] = [];
    const subject = cohostOutSubject(this.ctx.id);
    for (const e of this.#pending) {
      const last = events[events.length - 1];
      if (e.op === "delta" && last?.op === "delta" && last.turn === e.turn) {
        events[events.length - 1] = { ...last, text: last.text + e.text };
      } else if (e.op === "audio") {
        // Speech is large: what came before goes first, then the speech alone.
        if (events.length > 0) this.#publish(subject, events.splice(0));
        this.ctx.publish(subject, { roomId: this.ctx.id, events: [e] } satisfies CoHostOut);
      } else events.push(e);
    }
    this.#pending = [];
    this.#publish(subject, events);
  }

  /** Events to the /proxy-ws edges and into the room's batches. */
  #publish(subject: string, events: CoHostEvent[]): void {
    if (events.length === 0) return;
    this.ctx.publish(subject, { roomId: this.ctx.id, events } satisfies CoHostOut);
    this.#room.cohostEvents(this.ctx.id, events).catch((e) =>
      this.ctx.log.warn("co-host events not taken by the room", { room: this.ctx.id, error: e })
    );
  }

  async receive(msg: CoHostMsg): Promise<unknown> {
    const cohost = this.#cohost!;
    switch (msg.kind) {
      case "input": {
        const input = CoHostInputSchema.safeParse(msg.input);
        if (!input.success) throw new ActorError("bad_input", input.error.issues[0]?.message ?? "");
        const outcome = cohost.input(input.data);
        // A /proxy-ws client is told "queued": that survives a crash from now on. Chat (many
        // inputs a second in a hot room) is tracked by the flush timer, written within 1 s.
        if (outcome === "queued" && input.data.origin === "proxy") {
          this.#track();
          await this.ctx.persist();
        }
        return { outcome, queue: cohost.status().queue.length } satisfies CoHostReplies["input"];
      }
      case "interrupt":
        if (!cohost.interrupt(msg.by)) {
          throw new ActorError("nothing_to_interrupt", "the co-host is not answering");
        }
        return { interrupted: true } satisfies CoHostReplies["interrupt"];
      case "skip":
        if (!cohost.skip(msg.inputId)) {
          throw new ActorError("input_not_found", `no waiting input ${msg.inputId}`);
        }
        return { skipped: msg.inputId } satisfies CoHostReplies["skip"];
      case "configure": {
        const parsed = Persona.safeParse(msg.persona);
        if (!parsed.success) {
          throw new ActorError(
            "bad_persona",
            parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
          );
        }
        this.state.persona = parsed.data;
        await this.ctx.persist();
        if (parsed.data.enabled && parsed.data.voice) await this.#openVoice();
        cohost.configure(parsed.data);
        const p = parsed.data;
        await this.#room.cohostListen(this.ctx.id, {
          native: p.enabled && p.listen.native,
          bridged: p.enabled && p.listen.bridged,
        });
        return this.#status();
      }
      case "status":
        return this.#status();
      case "rotate_key": {
        const bytes = crypto.getRandomValues(new Uint8Array(24));
        const key = "pk_" + bytes.toBase64({ alphabet: "base64url", omitPadding: true });
        this.state.proxyKeyHash = await sha256(key);
        await this.ctx.persist();
        return { key } satisfies CoHostReplies["rotate_key"];
      }
      case "check_key": {
        const ok = this.state.proxyKeyHash !== null &&
          (await sha256(msg.key)) === this.state.proxyKeyHash;
        return { ok } satisfies CoHostReplies["check_key"];
      }
      default:
        throw new ActorError("bad_command", "unknown co-host command");
    }
  }

  #status(): CoHostStatusReply {
    return {
      ...this.#cohost!.status(),
      persona: this.state.persona,
      hasProxyKey: this.state.proxyKeyHash !== null,
    };
  }
}

export function cohostActorType(
  o: CoHostActorOptions,
): ActorType<CoHostActorState, CoHostMsg, unknown> {
  return {
    type: COHOST_ACTOR_TYPE,
    initialState: () => ({ persona: DEFAULT_PERSONA, proxyKeyHash: null, turns: 0, pending: [] }),
    restore: (raw) => {
      const r = raw as Partial<CoHostActorState>;
      const persona = Persona.safeParse(r?.persona ?? {});
      const pending = CoHostInputSchema.array().max(501).safeParse(r?.pending ?? []);
      return {
        persona: persona.success ? persona.data : DEFAULT_PERSONA,
        proxyKeyHash: typeof r?.proxyKeyHash === "string" ? r.proxyKeyHash : null,
        turns: typeof r?.turns === "number" && r.turns >= 0 ? Math.floor(r.turns) : 0,
        pending: pending.success ? pending.data : [],
      };
    },
    create: (ctx, state) => new CoHostActor(ctx, state, o),
  };
}
