/**
 * The AI room manager: decides, synchronously and without any remote call, whether a
 * message is allowed, hidden, warned or its author muted; writes each action to an audit log
 * that room admins can read and undo. Doubtful messages (only mild hits) are allowed at once
 * and escalated to the LLM in the background, one at a time; a later verdict arrives through
 * `onLateDecision` so the room can retract the message. Clean messages never wait.
 *
 * Actions are cumulative: `warn` also hides, `mute` also hides. A first flood offence is only
 * hidden; blocked words and links are warned; a third strike in the window (or a severe term)
 * mutes, for longer each time (60 s, 10 min, 1 h, 1 day).
 */
import { z } from "zod";
import type { LlmClient } from "../llm/client.ts";
import type { Source } from "../source.ts";
import {
  type BlockEntry,
  type BlockHit,
  BlocklistMatcher,
  DEFAULT_BLOCKLIST,
} from "./blocklist.ts";
import { normaliseForMatch } from "./normalise.ts";
import {
  contentRules,
  DEFAULT_RULES,
  FloodTracker,
  linkRulesFolded,
  type RuleHit,
  type RuleOptions,
} from "./rules.ts";

export type ModerationAction = "allow" | "hide" | "warn" | "mute";

export interface ModerationInput {
  id: string;
  userId: string;
  name: string;
  text: string;
  at: number;
  /** Room admins and the streamer are not moderated. */
  exempt?: boolean;
  /**
   * The room's recent chat before this message (`name: text`), asked for only when the
   * message is escalated, so the LLM judges it in context.
   */
  context?: () => string[];
  /**
   * The text's folded forms when the caller has them already (the room's `ChatLine`): `key`
   * NFKC folded and lower-cased, `blockForm` as `normaliseForMatch` makes it.
   */
  forms?: { readonly key: string; readonly blockForm: string };
  /** The caller refused muted senders already (the room's intake): no second look. */
  muteChecked?: boolean;
}

/** An escalated message with the chat around it, taken when it was escalated. */
type Escalation = ModerationInput & { recent: string[] };

export interface ModerationDecision {
  messageId: string;
  userId: string;
  action: ModerationAction;
  reasons: string[];
  /** For `mute`: until when (ms since the epoch). */
  mutedUntil?: number;
  /** The message was allowed now and sent to the LLM for a second opinion. */
  escalated: boolean;
  auditId?: string;
  source: Source;
}

export interface AuditEntry {
  id: string;
  at: number;
  action: Exclude<ModerationAction, "allow">;
  userId: string;
  userName: string;
  messageId: string;
  /** The message, cut to 200 characters, for the admin's review. */
  excerpt: string;
  reasons: string[];
  by: "ai:local" | "ai:llm";
  mutedUntil?: number;
  undone?: { by: string; at: number };
}

/** Persistable state (plain JSON): mutes, strikes, the audit log. */
export interface ModeratorState {
  nextAudit: number;
  /** Mutes (user id → end) when the moderator keeps its own list; empty with `opts.mutes`. */
  mutes: Record<string, number>;
  /** Per user: times of recent strikes and how many mutes so far. */
  strikes: Record<string, { at: number[]; mutes: number }>;
  audit: AuditEntry[];
}

export const emptyModeratorState = (): ModeratorState => ({
  nextAudit: 1,
  mutes: {},
  strikes: {},
  audit: [],
});

/**
 * Where the moderator's mutes live. By default its own `state.mutes`; a room passes its one
 * mute list (admins' and the AI's mutes together), so every reader sees the same answer.
 */
export interface MuteStore {
  /** End of `userId`'s running mute (whoever made it), or undefined. */
  mutedUntil(userId: string, at: number): number | undefined;
  /** The AI mutes `userId` until `until`; `auditId` is the audit entry of the mute. */
  mute(userId: string, until: number, by: AuditEntry["by"], auditId: string, at: number): void;
  /** The audit entry `auditId` (a mute until `until`) was undone: end the mute it made. */
  lift(userId: string, auditId: string, until: number | undefined): void;
}

export interface RoomModeratorOptions {
  roomId: string;
  blocklist?: BlockEntry[];
  rules?: Partial<RuleOptions>;
  llm?: LlmClient | null;
  /** Called when an escalated message gets an action from the LLM. */
  onLateDecision?: (decision: ModerationDecision) => void;
  now?: () => number;
  state?: ModeratorState;
  /** Mute lengths for the first, second, third... mute of a user. */
  muteLadderSeconds?: number[];
  /** Strikes within this time count toward a mute. */
  strikeWindowMs?: number;
  /** Strikes that turn a hide into a mute. */
  strikesToMute?: number;
  /** Escalations waiting beyond this are dropped (oldest first): chat must not pile up. */
  maxPendingEscalations?: number;
  /** Audit entries kept. */
  auditLimit?: number;
  /** The mute list to use (default: `state.mutes`). */
  mutes?: MuteStore;
}

const LlmVerdict = z.object({
  action: z.enum(["allow", "hide", "warn", "mute"]),
  reason: z.string().max(300).default(""),
  category: z.string().max(40).optional(),
});

const MODERATION_SYSTEM =
  "You moderate the live chat (danmaku) of a streaming room. Decide about ONE message. " +
  "Be tolerant of slang, memes, banter and laughter; act only on insults, harassment, hate, " +
  "sexual content, threats, scams and spam. `recent_chat`, when given, is the chat just " +
  "before the message, for context only. Answer with a JSON object " +
  '{"action":"allow"|"hide"|"warn"|"mute","reason":"...","category":"..."}.';

function describeHit(h: BlockHit | RuleHit): string {
  return "entry" in h ? `${h.entry.category}:${h.found}` : `${h.rule}:${h.detail}`;
}

function rate(hits: (BlockHit | RuleHit)[]): { severity: number; reasons: string[] } {
  return {
    severity: Math.max(0, ...hits.map((h) => "entry" in h ? h.entry.severity : h.severity)),
    reasons: hits.map(describeHit),
  };
}

export class RoomModerator {
  readonly #matcher: BlocklistMatcher;
  readonly #flood: FloodTracker;
  readonly #rules: RuleOptions;
  readonly #now: () => number;
  readonly #ladder: number[];
  readonly #queue: Escalation[] = [];
  #draining: Promise<void> | null = null;
  readonly #mutes: MuteStore;
  state: ModeratorState;

  constructor(private readonly opts: RoomModeratorOptions) {
    this.#matcher = new BlocklistMatcher(opts.blocklist ?? DEFAULT_BLOCKLIST);
    this.#rules = { ...DEFAULT_RULES, ...opts.rules };
    this.#flood = new FloodTracker(this.#rules);
    this.#now = opts.now ?? Date.now;
    this.#ladder = opts.muteLadderSeconds ?? [60, 600, 3600, 86_400];
    this.state = opts.state ?? emptyModeratorState();
    this.#mutes = opts.mutes ?? this.#ownMutes();
  }

  /** The default mute list: `state.mutes` (user id → end). */
  #ownMutes(): MuteStore {
    return {
      mutedUntil: (userId, at) => {
        const until = this.state.mutes[userId];
        if (until === undefined) return undefined;
        if (until <= at) {
          delete this.state.mutes[userId];
          return undefined;
        }
        return until;
      },
      mute: (userId, until) => {
        this.state.mutes[userId] = until;
      },
      lift: (userId, _auditId, until) => {
        if (this.state.mutes[userId] === until) delete this.state.mutes[userId];
      },
    };
  }

  isMuted(userId: string, at = this.#now()): boolean {
    return this.#mutes.mutedUntil(userId, at) !== undefined;
  }

  /** Decides about one message now. Never awaits anything. */
  check(msg: ModerationInput): ModerationDecision {
    const base = { messageId: msg.id, userId: msg.userId, source: "local" as const };
    if (msg.exempt) return { ...base, action: "allow", reasons: [], escalated: false };
    const mutedUntil = msg.muteChecked ? undefined : this.#mutes.mutedUntil(msg.userId, msg.at);
    if (mutedUntil !== undefined) {
      return { ...base, action: "hide", reasons: ["muted"], mutedUntil, escalated: false };
    }
    const norm = msg.forms?.blockForm ?? normaliseForMatch(msg.text);
    const folded = msg.forms?.key ?? msg.text.normalize("NFKC");
    const hits: (BlockHit | RuleHit)[] = [
      ...this.#textHits(msg.text, norm, folded),
      ...this.#flood.record(msg.userId, norm, msg.at),
    ];
    const { severity, reasons } = rate(hits);
    if (severity === 0) return { ...base, action: "allow", reasons, escalated: false };
    if (severity === 1) {
      const escalated = this.#escalate(msg);
      return { ...base, action: "allow", reasons, escalated };
    }
    // repetition alone is hidden quietly the first time; words and links get a warning
    const onlyFlood = hits.every((h) => "rule" in h && h.rule.startsWith("flood"));
    const quiet = onlyFlood ? "hide" : undefined;
    return {
      ...this.#apply(msg, severity, reasons, "ai:local", undefined, quiet),
      escalated: false,
    };
  }

  /**
   * What the room's rules find in a line the room itself says (its AI co-host's sentences):
   * the same blocklist, link and content rules as chat, without flood, strikes or audit.
   * Severity 0 or 1 passes (1 is what chat lets through while the LLM is asked).
   */
  screen(text: string): { severity: number; reasons: string[] } {
    return rate(this.#textHits(text, normaliseForMatch(text), text.normalize("NFKC")));
  }

  #textHits(raw: string, norm: string, folded: string): (BlockHit | RuleHit)[] {
    return [
      ...this.#matcher.matchNormalised(norm),
      ...linkRulesFolded(folded, this.#rules.allowDomains),
      ...contentRules(raw),
    ];
  }

  /** Records a strike and picks hide / warn / mute; writes the audit entry. */
  #apply(
    msg: ModerationInput,
    severity: number,
    reasons: string[],
    by: AuditEntry["by"],
    forced?: Exclude<ModerationAction, "allow">,
    /** The action for a first strike below mute level (default `warn`). */
    firstStrike: "hide" | "warn" = "warn",
  ): ModerationDecision {
    const at = msg.at;
    const strikes = this.state.strikes[msg.userId] ?? { at: [], mutes: 0 };
    const windowMs = this.opts.strikeWindowMs ?? 30 * 60_000;
    strikes.at = strikes.at.filter((t) => t > at - windowMs);
    strikes.at.push(at);
    this.state.strikes[msg.userId] = strikes;

    const mute = severity >= 3 || strikes.at.length >= (this.opts.strikesToMute ?? 3);
    const action: Exclude<ModerationAction, "allow"> = forced ??
      (mute ? "mute" : strikes.at.length === 1 ? firstStrike : "warn");
    const id = `mod-${this.state.nextAudit++}`;
    let mutedUntil: number | undefined;
    if (action === "mute") {
      const seconds = this.#ladder[Math.min(strikes.mutes, this.#ladder.length - 1)];
      strikes.mutes++;
      mutedUntil = at + seconds * 1000;
      this.#mutes.mute(msg.userId, mutedUntil, by, id, at);
    }
    const entry: AuditEntry = {
      id,
      at,
      action,
      userId: msg.userId,
      userName: msg.name,
      messageId: msg.id,
      excerpt: msg.text.slice(0, 200),
      reasons,
      by,
      mutedUntil,
    };
    this.state.audit.push(entry);
    const limit = this.opts.auditLimit ?? 1000;
    if (this.state.audit.length > limit) {
      this.state.audit.splice(0, this.state.audit.length - limit);
    }
    return {
      messageId: msg.id,
      userId: msg.userId,
      action,
      reasons,
      mutedUntil,
      escalated: false,
      auditId: entry.id,
      source: by === "ai:llm" ? "llm" : "local",
    };
  }

  /** Newest first. */
  audit(limit = 50): AuditEntry[] {
    return this.state.audit.slice(-limit).reverse();
  }

  /**
   * An admin reverses an action: a mute is lifted, the strike is forgiven. Returns the
   * entry (the room then restores a hidden message), or null for an unknown or undone id.
   */
  undo(auditId: string, by: string, at = this.#now()): AuditEntry | null {
    const entry = this.state.audit.find((e) => e.id === auditId);
    if (!entry || entry.undone) return null;
    entry.undone = { by, at };
    if (entry.action === "mute") this.#mutes.lift(entry.userId, entry.id, entry.mutedUntil);
    const strikes = this.state.strikes[entry.userId];
    if (strikes) {
      const i = strikes.at.indexOf(entry.at);
      if (i >= 0) strikes.at.splice(i, 1);
      if (entry.action === "mute") strikes.mutes = Math.max(0, strikes.mutes - 1);
    }
    return entry;
  }

  /** Escalations queued or in flight. */
  get pendingEscalations(): number {
    return this.#queue.length + (this.#draining ? 1 : 0);
  }

  /** Resolves when every queued escalation has been answered (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  #escalate(msg: ModerationInput): boolean {
    if (!this.opts.llm) return false;
    this.#queue.push({ ...msg, recent: msg.context?.() ?? [] });
    const max = this.opts.maxPendingEscalations ?? 100;
    if (this.#queue.length > max) this.#queue.splice(0, this.#queue.length - max);
    if (!this.#draining) {
      this.#draining = this.#drain().finally(() => {
        this.#draining = null;
      });
    }
    return true;
  }

  async #drain(): Promise<void> {
    const llm = this.opts.llm;
    if (!llm) return;
    for (let msg = this.#queue.shift(); msg; msg = this.#queue.shift()) {
      let verdict: z.infer<typeof LlmVerdict>;
      const input = msg.recent.length > 0
        ? { user: msg.name, message: msg.text, recent_chat: msg.recent }
        : { user: msg.name, message: msg.text };
      try {
        verdict = await llm.completeJson({
          room: this.opts.roomId,
          purpose: "moderation",
          system: MODERATION_SYSTEM,
          user: JSON.stringify(input),
          schema: LlmVerdict,
          maxTokens: 120,
          temperature: 0,
        });
      } catch {
        continue; // the local decision (allow) stands
      }
      if (verdict.action === "allow") continue;
      const reasons = [`llm:${verdict.category ?? "policy"}:${verdict.reason}`.slice(0, 200)];
      const decision = this.#apply(msg, 2, reasons, "ai:llm", verdict.action);
      this.opts.onLateDecision?.(decision);
    }
  }
}
