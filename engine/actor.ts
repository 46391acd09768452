/**
 * The actor programming model. An actor type is a class extending `Actor<S, M, R>`:
 * `S` its persisted state (plain JSON), `M` the messages it accepts, `R` its replies.
 * The runtime (`runtime.ts`) activates one instance per `(type, id)` on its first
 * message, delivers one message at a time, persists `state` (versioned, see
 * `state_store.ts`), passivates it when idle, and restarts it from its last persisted
 * state when a handler throws.
 */
import type { Logger } from "./log.ts";

/** Mailbox class of a message: `droppable` may be refused when the mailbox is full
 * (chat), `essential` never is (commands that move state: bans, gifts, joins). */
export type MessageClass = "droppable" | "essential";

export interface ActorAddress {
  type: string;
  id: string;
}

/** What an actor may do besides changing its own state. */
export interface ActorContext {
  readonly type: string;
  readonly id: string;
  readonly log: Logger;
  /** Milliseconds since the epoch (injectable clock for tests). */
  now(): number;
  /** Publish a JSON event on the transport (e.g. `rooms.out.{id}`). */
  publish(subject: string, payload: unknown, headers?: Record<string, string>): void;
  /**
   * Persist `state` now, before replying (commands that move state call this).
   * Throws StaleStateError when a newer activation wrote in between; the runtime then
   * drops this activation.
   */
  persist(): Promise<void>;
  /** Mark state changed; the runtime persists it within `persistIntervalMs` and on passivation. */
  markDirty(): void;
  /**
   * A repeating timer delivered to `onTimer(name)` through the mailbox. Timers live with the
   * activation: an actor with timers is still passivated when idle unless `keepAlive` is set.
   */
  setInterval(name: string, everyMs: number, opts?: { keepAlive?: boolean }): void;
  /**
   * A one-shot timer delivered to `onTimer(name)` through the mailbox after `delayMs` (0: at
   * once, behind the messages already queued). Not durable: it lives with the activation,
   * never keeps it alive, and setting a timer of the same name replaces the earlier one.
   */
  setTimer(name: string, delayMs: number): void;
  /**
   * A one-shot alarm at `atMs` that survives passivation and restarts: it is stored with
   * the actor and re-activates it when due.
   */
  setAlarm(name: string, atMs: number): void;
  clearTimer(name: string): void;
  /** Ask another actor (anywhere in the cluster) and wait for its reply. */
  ask<T = unknown>(type: string, id: string, msg: unknown): Promise<T>;
  /** Tell another actor without waiting. */
  tell(type: string, id: string, msg: unknown): void;
  /**
   * Queue `msg` for this activation's own `receiveSelf`, behind the messages already queued:
   * how work done beside the mailbox (I/O, models) comes back to be applied in order. It
   * stays in this process (never crosses the transport), so nothing outside can forge it.
   * False when this activation has stopped; a message for an activation that restarted
   * meanwhile is dropped (the new one never saw the work start).
   */
  self(msg: unknown): boolean;
  /** Ask the runtime to passivate this actor after the current message. */
  passivate(): void;
}

export abstract class Actor<S, M = unknown, R = unknown> {
  constructor(protected readonly ctx: ActorContext, public state: S) {}

  /** Handle one message; the reply goes back to the sender. Throwing restarts the actor. */
  abstract receive(msg: M): R | DeferredReply<R> | Promise<R | DeferredReply<R>>;

  /** Mailbox class of `msg` (default `essential`). */
  classify(_msg: M): MessageClass {
    return "essential";
  }

  /** Called after activation (fresh or from persisted state), before the first message. */
  onActivate(): void | Promise<void> {}

  /** Called before passivation; state is persisted right after. */
  onPassivate(): void | Promise<void> {}

  /** A timer or alarm set through the context fired. */
  onTimer(_name: string): void | Promise<void> {}

  /** A message this activation sent itself (`ctx.self`); never from the outside. */
  receiveSelf(_msg: unknown): void | Promise<void> {}
}

/**
 * A reply that is not ready when `receive` returns (e.g. a gift acked after the tick's
 * group commit). The runtime goes on with the next message and sends the reply when the
 * promise settles. Return `deferReply(promise)` from `receive`.
 */
export class DeferredReply<R> {
  constructor(readonly promise: Promise<R>) {}
}
export function deferReply<R>(promise: Promise<R>): DeferredReply<R> {
  return new DeferredReply(promise);
}

/** How the runtime builds an actor type. */
export interface ActorType<S, M = unknown, R = unknown> {
  /** Type name; also the subject prefix (`{type}.p{k}.{id}`), e.g. `rooms`. */
  readonly type: string;
  /** State of an actor that has never been persisted. */
  initialState(id: string): S;
  create(ctx: ActorContext, state: S): Actor<S, M, R>;
  /** Migrate or repair persisted state on activation (optional). */
  restore?(raw: unknown, id: string): S;
  /** Idle time before passivation; default from the runtime. */
  idleMs?: number;
  /** Mailbox capacity for droppable messages; default from the runtime. */
  mailboxCapacity?: number;
  /**
   * Overload shedding by age: a droppable message whose turn comes after it waited longer
   * than `ms` in the mailbox, while at least `backlog` droppable messages are queued (it
   * included), is refused as `mailbox_full` instead of handled. Under overload the backlog
   * sheds what is already late (its answer would come too late to matter) and what is
   * handled stays fresh; a short stall with a few messages waiting sheds nothing. Measured
   * on the runtime's clock. Default: none (only `mailboxCapacity` bounds the mailbox).
   */
  shedStale?: { ms: number; backlog: number };
}

/** Error a handler throws to refuse a message with a stable code without restarting. */
export class ActorError extends Error {
  constructor(readonly code: string, message: string, readonly details?: unknown) {
    super(message);
    this.name = "ActorError";
  }
}

/** The mailbox was full and the message was droppable. */
export class MailboxFullError extends ActorError {
  /** `full`: refused on arrival (the mailbox is at capacity); `stale`: it waited too long
   * (`shedStale`) and was refused when its turn came, the backlog behind it being fresher. */
  constructor(type: string, id: string, reason: "full" | "stale" = "full") {
    super(
      "mailbox_full",
      `mailbox of ${type}/${id} ${reason === "full" ? "is full" : "is backed up"}; message dropped`,
      { reason },
    );
    this.name = "MailboxFullError";
  }
}
