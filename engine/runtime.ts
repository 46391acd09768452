/**
 * The actor runtime of one process: activates actors on their first message, runs one
 * message at a time per actor through a bounded mailbox, persists state with a version
 * check on every write, passivates idle actors, fires their timers and durable alarms,
 * and restarts a crashed actor from its last persisted state (with backoff on crash
 * loops) without other actors noticing.
 */
import {
  type Actor,
  type ActorContext,
  ActorError,
  type ActorType,
  DeferredReply,
  MailboxFullError,
  type MessageClass,
} from "./actor.ts";
import { CrashBackoff } from "./resilience/backoff.ts";
import { encodeJson } from "./codec.ts";
import { createLogger, type Logger } from "./log.ts";
import { StaleStateError, type StateKey, type StateStore, type Version } from "./state_store.ts";
import type { Transport } from "./transport.ts";
import { setImmediate } from "node:timers";

/**
 * Work one activation does in a row before it lets other actors and I/O run (ms). Handlers
 * that do not wait on I/O only yield microtasks, so a hot actor draining a long mailbox would
 * otherwise hold the event loop until it is empty: other rooms on the engine, and the sockets
 * feeding them, would wait behind it.
 */
const DRAIN_SLICE_MS = 5;
/** Let timers and I/O run (setImmediate: tens of µs here; setTimeout(0) costs ms). */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Where `ctx.ask`/`ctx.tell` go: the cluster-wide client, or this system when alone. */
export interface ActorRouter {
  ask<T>(type: string, id: string, msg: unknown): Promise<T>;
  tell(type: string, id: string, msg: unknown): void;
}

/** Cluster fencing: may this process still act for `(type, id)`? (lease held). */
export type WriteGuard = (type: string, id: string) => boolean;

export interface ActorSystemOptions {
  store: StateStore;
  transport: Transport;
  partitions: number;
  log?: Logger;
  clock?: () => number;
  /** Idle time before passivation (default 60 s; an actor type may override). */
  idleMs?: number;
  /** Dirty state is persisted at most this late (default 1 s). */
  persistIntervalMs?: number;
  /** Droppable messages queued per actor before new ones are refused (default 1024). */
  mailboxCapacity?: number;
  router?: ActorRouter;
  guard?: WriteGuard;
  /** Restart delays after crashes (default: none for an isolated crash, then doubling). */
  crashBackoff?: CrashBackoff;
}

export interface ActorSystemStats {
  active: number;
  activations: number;
  passivations: number;
  restarts: number;
  fenced: number;
  mailboxDepth: number;
  dropped: number;
  processed: number;
}

/** What an actor's record in the store holds. */
interface Stored<S> {
  state: S;
  /** Durable alarms: name → due time (ms). */
  alarms: Record<string, number>;
}

interface MessageWork {
  kind: "message";
  msg: unknown;
  cls: MessageClass;
  /** Not yet classified (arrived while the actor was loading). */
  pending?: boolean;
  /** When a droppable message was admitted (runtime clock), for `shedStale`. */
  queuedAt?: number;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

type Work =
  | MessageWork
  | { kind: "timer"; name: string }
  /** `ctx.self`: for the actor instance of `generation` only. */
  | { kind: "self"; msg: unknown; generation: number }
  | { kind: "persist" }
  | { kind: "passivate"; done: () => void };

type TimerId = ReturnType<typeof setTimeout>;

type RunOutcome = { next: boolean } | { next: false; crashed: unknown };

type Status = "loading" | "running" | "restarting" | "stopped";

class Activation {
  actor!: Actor<unknown>;
  version: Version | null = null;
  alarms: Record<string, number> = {};
  queue: Work[] = [];
  droppableQueued = 0;
  status: Status = "loading";
  /** The actor instance exists (messages can be classified); start-up may still run. */
  created = false;
  draining = false;
  dirty = false;
  persistScheduled = false;
  /** The last state write started (writes are chained, never concurrent). */
  persisting: Promise<void> = Promise.resolve();
  passivateRequested = false;
  lastActive: number;
  intervals = new Map<string, { handle: TimerId; keepAlive: boolean; queued: boolean }>();
  alarmHandles = new Map<string, TimerId>();
  /** Bumped on every (re)load: self messages of an earlier actor instance are dropped. */
  generation = 0;
  /** Pending one-shot timers (`ctx.setTimer`). */
  oneShots = new Map<string, { cancel(): void }>();
  /** Resolves when this activation has fully stopped (a successor waits for it). */
  stopped: Promise<void>;
  markStopped!: () => void;

  constructor(readonly type: ActorType<unknown>, readonly id: string, now: number) {
    this.lastActive = now;
    this.stopped = new Promise((r) => this.markStopped = r);
  }

  get key(): StateKey {
    return ["actor", this.type.type, this.id];
  }

  get name(): string {
    return `${this.type.type}/${this.id}`;
  }

  keepsAlive(): boolean {
    for (const t of this.intervals.values()) if (t.keepAlive) return true;
    return false;
  }
}

export class ActorSystem implements ActorRouter {
  readonly log: Logger;
  #types = new Map<string, ActorType<unknown>>();
  #active = new Map<string, Activation>();
  #backoff: CrashBackoff;
  #clock: () => number;
  #idleTimer: TimerId | undefined;
  #alarmTimers = new Map<string, TimerId>();
  #closed = false;
  #stats = { activations: 0, passivations: 0, restarts: 0, fenced: 0, dropped: 0, processed: 0 };
  readonly router: ActorRouter;

  constructor(private readonly opts: ActorSystemOptions) {
    this.log = opts.log ?? createLogger({ component: "actors" });
    this.#clock = opts.clock ?? Date.now;
    this.#backoff = opts.crashBackoff ?? new CrashBackoff();
    this.router = opts.router ?? this;
    const idle = opts.idleMs ?? 60_000;
    this.#idleTimer = setInterval(
      () => this.#passivateIdle(),
      Math.max(50, Math.min(idle / 4, 5_000)),
    );
  }

  register<S, M, R>(type: ActorType<S, M, R>): void {
    if (this.#types.has(type.type)) throw new Error(`actor type ${type.type} already registered`);
    this.#types.set(type.type, type as unknown as ActorType<unknown>);
  }

  types(): string[] {
    return [...this.#types.keys()];
  }

  ask<R>(type: string, id: string, msg: unknown): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#enqueueMessage(type, id, msg, resolve as (v: unknown) => void, reject);
    });
  }

  tell(type: string, id: string, msg: unknown): void {
    this.#enqueueMessage(type, id, msg, () => {}, (err) => {
      if (!(err instanceof ActorError)) this.log.warn("tell failed", { type, id, err });
    });
  }

  isActive(type: string, id: string): boolean {
    const a = this.#active.get(`${type}/${id}`);
    return a !== undefined && a.status !== "stopped";
  }

  activeIds(type: string): string[] {
    const out: string[] = [];
    for (const a of this.#active.values()) if (a.type.type === type) out.push(a.id);
    return out;
  }

  passivate(type: string, id: string): Promise<void> {
    const a = this.#active.get(`${type}/${id}`);
    return a ? this.#requestPassivation(a) : Promise.resolve();
  }

  async passivateWhere(pred: (type: string, id: string) => boolean): Promise<void> {
    const targets = [...this.#active.values()].filter((a) => pred(a.type.type, a.id));
    await Promise.all(targets.map((a) => this.#requestPassivation(a)));
  }

  stats(): ActorSystemStats {
    let depth = 0;
    for (const a of this.#active.values()) depth += a.queue.length;
    return { active: this.#active.size, mailboxDepth: depth, ...this.#stats };
  }

  /** Re-arms durable alarms of passivated actors (call after start, for owned actors). */
  async resumeAlarms(pred: (type: string, id: string) => boolean = () => true): Promise<void> {
    for await (const entry of this.opts.store.list<Stored<unknown>>(["actor"])) {
      const [, type, id] = entry.key;
      if (!this.#types.has(type) || !pred(type, id) || this.isActive(type, id)) continue;
      const due = Object.values(entry.value.alarms ?? {});
      if (due.length > 0) this.#armWakeUp(type, id, Math.min(...due));
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    clearInterval(this.#idleTimer);
    for (const t of this.#alarmTimers.values()) clearTimeout(t);
    this.#alarmTimers.clear();
    await this.passivateWhere(() => true);
    this.#closed = true;
  }

  // --- mailbox

  #enqueueMessage(
    type: string,
    id: string,
    msg: unknown,
    resolve: (v: unknown) => void,
    reject: (e: unknown) => void,
  ): void {
    if (this.#closed) return reject(new ActorError("system_closed", "actor system is closed"));
    const a = this.#activation(type, id);
    if (!a) return reject(new ActorError("unknown_actor_type", `no actor type ${type}`));
    const work: Work = { kind: "message", msg, cls: "essential", resolve, reject };
    // Until the actor instance exists its classify() cannot run: such messages are admitted
    // (and possibly dropped) as soon as it is created, before its start-up finishes.
    if (a.created) {
      if (!this.#admit(a, work)) return;
    } else work.pending = true;
    a.lastActive = this.#clock();
    a.queue.push(work);
    this.#drain(a);
  }

  /** Classifies a message and applies the mailbox bound; false when it was dropped. */
  #admit(a: Activation, work: MessageWork): boolean {
    work.pending = false;
    try {
      work.cls = a.actor.classify(work.msg);
    } catch {
      work.cls = "essential";
    }
    if (work.cls !== "droppable") return true;
    const capacity = a.type.mailboxCapacity ?? this.opts.mailboxCapacity ?? 1024;
    if (a.droppableQueued >= capacity) {
      this.#stats.dropped++;
      work.reject(new MailboxFullError(a.type.type, a.id));
      return false;
    }
    a.droppableQueued++;
    if (a.type.shedStale !== undefined) work.queuedAt = this.#clock();
    return true;
  }

  /** A droppable message that waited past its type's `shedStale` bound: refused, not handled. */
  #stale(a: Activation, work: MessageWork): boolean {
    const shed = a.type.shedStale;
    if (shed === undefined || work.queuedAt === undefined) return false;
    if (a.droppableQueued + 1 < shed.backlog) return false; // +1: this one, just dequeued
    if (this.#clock() - work.queuedAt <= shed.ms) return false;
    this.#stats.dropped++;
    work.reject(new MailboxFullError(a.type.type, a.id, "stale"));
    return true;
  }

  /** The live activation of (type, id), starting one if there is none. */
  #activation(type: string, id: string): Activation | undefined {
    const key = `${type}/${id}`;
    const existing = this.#active.get(key);
    if (existing && existing.status !== "stopped" && !existing.passivateRequested) return existing;
    const def = this.#types.get(type);
    if (!def) return undefined;
    const a = new Activation(def, id, this.#clock());
    const predecessor = existing?.stopped ?? Promise.resolve();
    this.#active.set(key, a);
    this.#clearWakeUp(key);
    predecessor.then(() => this.#load(a));
    return a;
  }

  /**
   * Start-up of an activation: load the state, create the actor, claim the state (a write
   * that fences any older activation), arm its alarms and run its `onActivate`. Only then is
   * it `running`: no message, timer or alarm is handled before start-up has finished (the
   * actor's own hook may still be reading what it needs, e.g. its settings or a sequence
   * reservation); they wait in the mailbox, classified and bounded as usual.
   */
  async #load(a: Activation): Promise<void> {
    try {
      const stored = await this.opts.store.get<Stored<unknown>>(a.key);
      const raw = stored?.value.state;
      const state = stored
        ? (a.type.restore ? a.type.restore(raw, a.id) : raw)
        : a.type.initialState(a.id);
      a.version = stored?.version ?? null;
      a.alarms = { ...(stored?.value.alarms ?? {}) };
      a.actor = a.type.create(this.#context(a), state);
      a.created = true;
      a.queue = a.queue.filter((w) => w.kind !== "message" || !w.pending || this.#admit(a, w));
      // Claim the state: bumping its version at once means an older activation elsewhere
      // that read the same version can no longer write, even before our first change.
      if (stored) await this.#persist(a);
      for (const [name, at] of Object.entries(a.alarms)) this.#armAlarm(a, name, at);
      await a.actor.onActivate();
    } catch (err) {
      if (err instanceof StaleStateError) return this.#fence(a);
      this.log.error("activation failed", { actor: a.name, err });
      return this.#crash(a, err);
    }
    if (a.status !== "loading") return; // stopped meanwhile (closed system)
    a.status = "running";
    this.#stats.activations++;
    if (a.type.shedStale !== undefined) {
      // start-up is not the backlog's fault: what waited for it counts from now
      const now = this.#clock();
      for (const w of a.queue) {
        if (w.kind === "message" && w.queuedAt !== undefined) w.queuedAt = now;
      }
    }
    if (a.dirty && !a.persistScheduled) this.#schedulePersist(a);
    this.#drain(a);
  }

  async #drain(a: Activation): Promise<void> {
    if (a.draining || a.status !== "running") return;
    a.draining = true;
    let outcome: RunOutcome = { next: true };
    let sliceStart = performance.now();
    try {
      while (a.queue.length > 0 && a.status === "running") {
        const work = a.queue.shift()!;
        if (work.kind === "message" && work.cls === "droppable") {
          a.droppableQueued--;
          if (this.#stale(a, work)) continue;
        }
        outcome = await this.#run(a, work);
        if (!outcome.next) break;
        if (a.queue.length > 0 && performance.now() - sliceStart >= DRAIN_SLICE_MS) {
          await yieldToEventLoop(); // one actor's backlog never starves the others
          sliceStart = performance.now();
        }
      }
    } finally {
      a.draining = false;
    }
    if ("crashed" in outcome) return this.#crash(a, outcome.crashed);
    if (a.status === "running" && a.passivateRequested && a.queue.length === 0) {
      // A passivation asked for from inside a handler.
      a.queue.push({ kind: "passivate", done: () => {} });
      this.#drain(a);
    }
  }

  /** Runs one unit of work; says whether to go on, or that the actor crashed. */
  async #run(a: Activation, work: Work): Promise<RunOutcome> {
    try {
      switch (work.kind) {
        case "message": {
          this.#stats.processed++;
          let result: unknown;
          try {
            result = await a.actor.receive(work.msg);
          } catch (err) {
            if (err instanceof ActorError) {
              work.reject(err);
              return { next: true };
            }
            if (err instanceof StaleStateError) {
              work.reject(new ActorError("stale_activation", `${a.name} moved; retry`));
              throw err;
            }
            work.reject(new ActorError("actor_crashed", `${a.name} failed: ${String(err)}`));
            throw err;
          }
          if (result instanceof DeferredReply) result.promise.then(work.resolve, work.reject);
          else work.resolve(result);
          break;
        }
        case "timer": {
          const t = a.intervals.get(work.name);
          if (t) t.queued = false;
          if (work.name in a.alarms) {
            delete a.alarms[work.name];
            a.alarmHandles.delete(work.name);
            a.dirty = true;
          }
          await a.actor.onTimer(work.name);
          break;
        }
        case "self":
          if (work.generation === a.generation) await a.actor.receiveSelf(work.msg);
          break;
        case "persist":
          a.persistScheduled = false;
          if (a.dirty) await this.#persist(a);
          break;
        case "passivate":
          await this.#stop(a);
          work.done();
          return { next: false };
      }
    } catch (err) {
      if (err instanceof StaleStateError) {
        this.#fence(a);
        return { next: false };
      }
      this.log.error("actor crashed", { actor: a.name, err });
      return { next: false, crashed: err };
    }
    if (a.dirty && !a.persistScheduled) this.#schedulePersist(a);
    return { next: true };
  }

  // --- persistence

  /**
   * Writes the actor's state with a version check. Writes of one activation never overlap
   * (a second would carry the version the first is replacing and fence its own activation):
   * each waits for the one before it.
   */
  #persist(a: Activation): Promise<void> {
    const write = a.persisting.then(() => this.#write(a), () => this.#write(a));
    a.persisting = write.catch(() => {});
    return write;
  }

  async #write(a: Activation): Promise<void> {
    if (this.opts.guard && !this.opts.guard(a.type.type, a.id)) throw new StaleStateError(a.key);
    const value: Stored<unknown> = { state: a.actor.state, alarms: a.alarms };
    const version = await this.opts.store.set(a.key, value, a.version);
    if (version === null) throw new StaleStateError(a.key);
    a.version = version;
    a.dirty = false;
  }

  #schedulePersist(a: Activation): void {
    a.persistScheduled = true;
    setTimeout(() => {
      if (a.status === "stopped") return;
      a.queue.push({ kind: "persist" });
      this.#drain(a);
    }, this.opts.persistIntervalMs ?? 1_000);
  }

  // --- failure handling

  /** A newer owner wrote this actor's state: drop this activation, never write again. */
  #fence(a: Activation): void {
    this.#stats.fenced++;
    this.log.warn("stale activation fenced", { actor: a.name });
    this.#abandon(a);
  }

  /** Stops `a` for good; its queued senders get `stale_activation` and retry elsewhere. */
  #abandon(a: Activation): void {
    const pending = a.queue;
    a.queue = [];
    this.#teardown(a);
    for (const w of pending) {
      if (w.kind === "message") {
        w.reject(new ActorError("stale_activation", `${a.name} moved; retry`));
      } else if (w.kind === "passivate") w.done();
    }
  }

  /** Restart from the last persisted state after a backoff; queued messages wait. */
  async #crash(a: Activation, _err: unknown): Promise<void> {
    this.#stats.restarts++;
    a.status = "restarting";
    a.created = false; // messages wait, unclassified, for the new instance
    this.#clearTimers(a);
    // The crashed instance's queued timers and writes are not the new instance's.
    a.queue = a.queue.filter((w) => w.kind === "message" || w.kind === "passivate");
    const delay = this.#backoff.next(a.name, this.#clock());
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (this.#closed || this.#active.get(`${a.type.type}/${a.id}`) !== a) {
      // Replaced while restarting (its passivation was requested, e.g. a partition lease
      // lapsed): stop for good so the successor waiting on `stopped` can load; senders retry.
      return this.#abandon(a);
    }
    a.status = "loading";
    a.dirty = false;
    a.persistScheduled = false;
    await this.#load(a);
  }

  // --- passivation

  #requestPassivation(a: Activation): Promise<void> {
    if (a.status === "stopped") return Promise.resolve();
    return new Promise<void>((done) => {
      a.passivateRequested = true;
      if (a.status === "running") {
        a.queue.push({ kind: "passivate", done });
        this.#drain(a);
      } else {
        // Loading or restarting: stop once it runs (or give up if it never does).
        a.stopped.then(done);
        a.queue.push({ kind: "passivate", done });
      }
    });
  }

  async #stop(a: Activation): Promise<void> {
    try {
      await a.actor.onPassivate();
      if (a.dirty || Object.keys(a.alarms).length > 0) await this.#persist(a);
    } catch (err) {
      if (err instanceof StaleStateError) this.#stats.fenced++;
      else this.log.error("passivation failed", { actor: a.name, err });
    }
    const due = Object.values(a.alarms);
    const rest = a.queue;
    a.queue = [];
    this.#stats.passivations++;
    this.#teardown(a);
    if (due.length > 0) this.#armWakeUp(a.type.type, a.id, Math.min(...due));
    // Messages that arrived after the passivation request go to a fresh activation.
    for (const w of rest) {
      if (w.kind === "message") {
        this.#enqueueMessage(a.type.type, a.id, w.msg, w.resolve, w.reject);
      } else if (w.kind === "passivate") w.done();
    }
  }

  #teardown(a: Activation): void {
    a.status = "stopped";
    this.#clearTimers(a);
    const key = `${a.type.type}/${a.id}`;
    if (this.#active.get(key) === a) this.#active.delete(key);
    a.markStopped();
  }

  #passivateIdle(): void {
    const now = this.#clock();
    for (const a of this.#active.values()) {
      const idleMs = a.type.idleMs ?? this.opts.idleMs ?? 60_000;
      if (
        a.status === "running" && !a.passivateRequested && a.queue.length === 0 &&
        !a.draining && !a.keepsAlive() && now - a.lastActive >= idleMs
      ) {
        this.#requestPassivation(a);
      }
    }
  }

  // --- timers and alarms

  #clearTimers(a: Activation): void {
    for (const t of a.intervals.values()) clearInterval(t.handle);
    a.intervals.clear();
    for (const h of a.alarmHandles.values()) clearTimeout(h);
    a.alarmHandles.clear();
    for (const t of a.oneShots.values()) t.cancel();
    a.oneShots.clear();
  }

  #fire(a: Activation, name: string): void {
    if (a.status === "stopped") return;
    a.queue.push({ kind: "timer", name });
    this.#drain(a);
  }

  #armAlarm(a: Activation, name: string, at: number): void {
    const old = a.alarmHandles.get(name);
    if (old !== undefined) clearTimeout(old);
    const handle = setTimeout(() => this.#fire(a, name), Math.max(0, at - this.#clock()));
    a.alarmHandles.set(name, handle);
  }

  /** Wakes a passivated actor when its earliest alarm is due. */
  #armWakeUp(type: string, id: string, at: number): void {
    const key = `${type}/${id}`;
    this.#clearWakeUp(key);
    const handle = setTimeout(() => {
      this.#alarmTimers.delete(key);
      if (this.#closed) return;
      const a = this.#activation(type, id);
      if (a) a.lastActive = this.#clock();
    }, Math.max(0, at - this.#clock()));
    this.#alarmTimers.set(key, handle);
  }

  #clearWakeUp(key: string): void {
    const t = this.#alarmTimers.get(key);
    if (t !== undefined) {
      clearTimeout(t);
      this.#alarmTimers.delete(key);
    }
  }

  // --- the context handed to actors

  #context(a: Activation): ActorContext {
    const log = this.log.child({ actor: a.name });
    const generation = ++a.generation;
    return {
      type: a.type.type,
      id: a.id,
      log,
      now: () => this.#clock(),
      publish: (subject, payload, headers) => {
        if (a.status === "stopped") return;
        if (this.opts.guard && !this.opts.guard(a.type.type, a.id)) {
          log.warn("publish refused: not the owner", { subject });
          return;
        }
        this.opts.transport.publish(subject, encodeJson(payload), { headers });
      },
      persist: () => this.#persist(a),
      markDirty: () => {
        a.dirty = true;
      },
      setInterval: (name, everyMs, opts) => {
        const old = a.intervals.get(name);
        if (old) clearInterval(old.handle);
        const entry = {
          handle: setInterval(() => {
            // Coalesce: a slow actor gets one pending tick, not a backlog.
            if (entry.queued) return;
            entry.queued = true;
            this.#fire(a, name);
          }, everyMs),
          keepAlive: opts?.keepAlive ?? false,
          queued: false,
        };
        a.intervals.set(name, entry);
      },
      setTimer: (name, delayMs) => {
        a.oneShots.get(name)?.cancel();
        let cancelled = false;
        const fire = () => {
          if (cancelled) return;
          a.oneShots.delete(name);
          this.#fire(a, name);
        };
        if (delayMs <= 0) {
          // Behind the messages already queued, without a trip through the timer queue
          // (setTimeout(0) costs milliseconds).
          queueMicrotask(fire);
          a.oneShots.set(name, { cancel: () => cancelled = true });
        } else {
          const handle = setTimeout(fire, delayMs);
          a.oneShots.set(name, {
            cancel: () => {
              cancelled = true;
              clearTimeout(handle);
            },
          });
        }
      },
      setAlarm: (name, atMs) => {
        a.alarms[name] = atMs;
        a.dirty = true;
        this.#armAlarm(a, name, atMs);
      },
      clearTimer: (name) => {
        const t = a.intervals.get(name);
        if (t) {
          clearInterval(t.handle);
          a.intervals.delete(name);
        }
        const h = a.alarmHandles.get(name);
        if (h !== undefined) clearTimeout(h);
        a.alarmHandles.delete(name);
        a.oneShots.get(name)?.cancel();
        a.oneShots.delete(name);
        if (name in a.alarms) {
          delete a.alarms[name];
          a.dirty = true;
        }
      },
      ask: (type, id, msg) => this.router.ask(type, id, msg),
      tell: (type, id, msg) => this.router.tell(type, id, msg),
      self: (msg) => {
        if (a.status === "stopped" || a.generation !== generation) return false;
        a.queue.push({ kind: "self", msg, generation });
        this.#drain(a);
        return true;
      },
      passivate: () => {
        a.passivateRequested = true;
      },
    };
  }
}
