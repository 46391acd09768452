/**
 * Which engine instance serves which partition. Every instance heartbeats into the
 * membership bucket and runs the same reconcile loop: the owner of partition `k` should be
 * `rendezvousOwner(k, live instances)`; an instance takes a partition it should own when
 * its lease is free (`create`), keeps the leases it holds by compare-and-set well inside
 * the TTL, hands over partitions it should no longer own (passivate + persist through the
 * host, then delete the lease so the new owner takes it at once), and stops serving a
 * partition the moment its lease may have lapsed (`canServe` is false past the locally
 * known validity, measured on a monotonic clock, so a process woken from SIGSTOP is fenced
 * before its first timer runs).
 */
import type { LeaseTable } from "./lease.ts";
import { createLogger, type Logger } from "./log.ts";
import type { MemberInfo, Membership } from "./membership.ts";
import { rendezvousOwner } from "./partition.ts";

/** What placement drives: the ActorHost (subscribe / unsubscribe + passivate). */
export interface PartitionHost {
  own(partitions: number[]): void;
  release(partitions: number[]): Promise<void>;
}

export type PlacementEvent =
  | { kind: "acquired"; partition: number }
  | { kind: "released"; partition: number; reason: "handover" | "shutdown" }
  | { kind: "lost"; partition: number };

export interface PlacementOptions {
  instanceId: string;
  partitions: number;
  ttlMs: number;
  membership: Membership;
  leases: LeaseTable;
  host: PartitionHost;
  /** Static part of this instance's membership record. */
  info: Omit<MemberInfo, "id" | "heartbeatAt">;
  log?: Logger;
  /** Called for every partition move of this instance (metrics, logs). */
  onEvent?: (event: PlacementEvent) => void;
  /** Called after partitions were taken (e.g. re-arm durable alarms of their actors). */
  afterAcquire?: (partitions: number[]) => Promise<void>;
  /** Monotonic clock in ms (default `performance.now`). */
  monotonic?: () => number;
}

interface HeldLease {
  revision: number;
  /** Monotonic ms until which the lease is certainly still ours. */
  validUntil: number;
  releasing: boolean;
}

export class Placement {
  readonly #held = new Map<number, HeldLease>();
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #tickMs: number;
  /** How much earlier than the server's TTL this instance considers a lease gone. */
  readonly #marginMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopping = false;
  #stopWatches: (() => void)[] = [];
  #members: string[] = [];
  #background = new Set<Promise<void>>();
  /** The lease refresh round of a stop in progress (see `stop`). */
  #refreshing: Promise<void> = Promise.resolve();
  #refreshInFlight = false;

  constructor(private readonly opts: PlacementOptions) {
    this.#log = opts.log ?? createLogger({ component: "placement", instance: opts.instanceId });
    this.#now = opts.monotonic ?? (() => performance.now());
    this.#tickMs = Math.max(100, Math.floor(opts.ttlMs / 4));
    this.#marginMs = Math.max(200, Math.floor(opts.ttlMs / 5));
  }

  /** Register, take this instance's share, and keep reconciling until `stop()`. */
  async start(): Promise<void> {
    this.#stopWatches.push(
      // Heartbeats rewrite member keys all the time: react only to joins and leaves.
      await this.opts.membership.watch((id, op) => {
        if (op === "DEL" || !this.#members.includes(id)) this.trigger();
      }),
      await this.opts.leases.watchReleases(() => this.trigger()),
    );
    await this.reconcileNow();
    this.#timer = setInterval(() => this.trigger(), this.#tickMs);
  }

  /** May this instance act for partition `k` right now (lease held and certainly valid)? */
  canServe(partition: number): boolean {
    const h = this.#held.get(partition);
    return h !== undefined && this.#now() < h.validUntil;
  }

  /** Partitions whose lease this instance holds (including ones being handed over). */
  owned(): number[] {
    return [...this.#held.keys()].sort((a, b) => a - b);
  }

  /** Live instance ids as of the last reconcile. */
  members(): string[] {
    return [...this.#members];
  }

  /** Run a reconcile soon (coalesced with one in progress). */
  trigger(): void {
    if (this.#stopping) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop().finally(() => this.#running = undefined);
  }

  /** Run a reconcile and wait for it (and any it coalesced). */
  async reconcileNow(): Promise<void> {
    this.trigger();
    while (this.#running) await this.#running;
  }

  /**
   * Graceful shutdown: leave the membership (others recompute owners), persist and release
   * every partition, and delete the leases so the new owners take them without waiting.
   */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearInterval(this.#timer);
    this.#stopWatches.forEach((stop) => stop());
    // Reconciling has stopped, but the leases must stay valid until the actors are persisted
    // and released: a hand-over that outlives its lease would leave the next owner state that
    // looks like a crash's (a gap for viewers), however cleanly it ends.
    let keepAlive: ReturnType<typeof setInterval> | undefined;
    try {
      await this.#bounded(this.#settle(), "the last reconcile", this.#tickMs * 4);
      this.#refreshHeld();
      keepAlive = setInterval(() => this.#refreshHeld(), this.#tickMs);
      await this.opts.membership.leave(this.opts.instanceId).catch((error) =>
        this.#log.warn("membership leave failed", { error })
      );
      const partitions = this.owned();
      await this.#bounded(this.opts.host.release(partitions), "release on shutdown");
      clearInterval(keepAlive);
      await this.#refreshing;
      await Promise.all(partitions.map(async (p) => {
        const h = this.#held.get(p);
        this.#held.delete(p);
        if (h) await this.opts.leases.release(p, h.revision).catch(() => false);
        this.opts.onEvent?.({ kind: "released", partition: p, reason: "shutdown" });
      }));
      this.#log.info("placement stopped; partitions released", { partitions: partitions.length });
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** Refreshes held leases while stopping (one round at a time: never two CAS on one lease). */
  #refreshHeld(): void {
    if (this.#refreshInFlight || this.#running) return; // a reconcile refreshes them itself
    this.#refreshInFlight = true;
    this.#refreshing = Promise.all([...this.#held.keys()].map((p) => this.#refresh(p)))
      .then(() => {}, () => {})
      .finally(() => this.#refreshInFlight = false);
  }

  /**
   * Stop reconciling without releasing anything (tests simulate a hung instance; a real
   * process only does this on fatal errors). Leases lapse after the TTL.
   */
  abandon(): void {
    this.#stopping = true;
    clearInterval(this.#timer);
    this.#stopWatches.forEach((stop) => stop());
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      try {
        await this.#reconcile();
      } catch (error) {
        this.#log.warn("reconcile failed; will retry", { error });
      }
    } while (this.#again && !this.#stopping);
  }

  async #reconcile(): Promise<void> {
    const { instanceId, partitions, membership } = this.opts;
    let members: string[] | undefined;
    try {
      await membership.heartbeat({ ...this.opts.info, id: instanceId, heartbeatAt: Date.now() });
      members = (await membership.members()).map((m) => m.id);
      if (!members.includes(instanceId)) members.push(instanceId);
      members.sort();
      this.#members = members;
    } catch (error) {
      this.#log.warn("membership unavailable; keeping current leases", { error });
    }
    if (this.#stopping) return;

    this.#dropLapsed();
    const toRefresh: number[] = [];
    const toAcquire: number[] = [];
    const toHandOver: number[] = [];
    for (let p = 0; p < partitions; p++) {
      const held = this.#held.get(p);
      const desired = members ? rendezvousOwner(p, members) : undefined;
      if (held) {
        toRefresh.push(p);
        if (!held.releasing && desired !== undefined && desired !== instanceId) toHandOver.push(p);
      } else if (desired === instanceId) {
        toAcquire.push(p);
      }
    }
    await Promise.all(toRefresh.map((p) => this.#refresh(p)));
    for (const p of toHandOver) this.#handOver(p);
    const acquired = (await Promise.all(toAcquire.map((p) => this.#acquire(p))))
      .filter((p): p is number => p !== undefined);
    if (acquired.length > 0 && !this.#stopping) {
      this.opts.host.own(acquired);
      for (const p of acquired) this.opts.onEvent?.({ kind: "acquired", partition: p });
      this.#log.info("partitions acquired", { partitions: acquired });
      if (this.opts.afterAcquire) {
        this.#track(
          this.opts.afterAcquire(acquired).catch((error) =>
            this.#log.warn("afterAcquire failed", { error })
          ),
        );
      }
    }
  }

  /** The reconcile in progress and background hand-overs. */
  async #settle(): Promise<void> {
    while (this.#running) await this.#running;
    await Promise.allSettled([...this.#background]);
  }

  /** Partitions whose validity ran out (pause, NATS outage): stop serving them now. */
  #dropLapsed(): void {
    for (const [p, h] of this.#held) if (this.#now() >= h.validUntil) this.#lose(p, "lapsed");
  }

  async #acquire(p: number): Promise<number | undefined> {
    const sentAt = this.#now();
    try {
      const revision = await this.opts.leases.acquire(p, this.opts.instanceId);
      if (revision === null || this.#stopping) return undefined;
      this.#held.set(p, {
        revision,
        validUntil: sentAt + this.opts.ttlMs - this.#marginMs,
        releasing: false,
      });
      return p;
    } catch (error) {
      this.#log.warn("lease acquire failed", { partition: p, error });
      return undefined;
    }
  }

  async #refresh(p: number): Promise<void> {
    const h = this.#held.get(p);
    if (!h) return;
    const sentAt = this.#now();
    try {
      const revision = await this.opts.leases.refresh(p, this.opts.instanceId, h.revision);
      if (this.#held.get(p) !== h) return;
      if (revision === null) return this.#lose(p, "refresh refused");
      h.revision = revision;
      h.validUntil = sentAt + this.opts.ttlMs - this.#marginMs;
    } catch (error) {
      // Not a refusal (NATS unreachable): keep serving until the known validity runs out.
      this.#log.warn("lease refresh failed", { partition: p, error });
    }
  }

  /** Another instance should own `p`: persist and release it, then free the lease. */
  #handOver(p: number): void {
    const h = this.#held.get(p);
    if (!h) return;
    h.releasing = true;
    this.#track(
      (async () => {
        try {
          await this.#bounded(this.opts.host.release([p]), `hand-over of p${p}`);
        } finally {
          if (this.#held.get(p) === h) {
            this.#held.delete(p);
            await this.opts.leases.release(p, h.revision).catch(() => false);
            this.opts.onEvent?.({ kind: "released", partition: p, reason: "handover" });
          }
        }
      })().catch((error) => this.#log.warn("hand-over failed", { partition: p, error })),
    );
  }

  /** The lease is gone or may be: stop acting for `p` at once; actors are dropped. */
  #lose(p: number, why: string): void {
    if (!this.#held.delete(p)) return;
    this.#log.warn("partition lease lost; no longer serving it", { partition: p, why });
    this.opts.onEvent?.({ kind: "lost", partition: p });
    this.#track(
      this.opts.host.release([p]).catch((error) =>
        this.#log.warn("release of lost partition failed", { partition: p, error })
      ),
    );
  }

  /**
   * Wait for a release at most one TTL: a stuck passivation must not hold the lease (and the
   * partition) forever. Past the bound the lease is given up anyway; the stuck activation is
   * fenced because this instance no longer holds the lease.
   */
  async #bounded(release: Promise<void>, what: string, ms = this.opts.ttlMs): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((r) => timer = setTimeout(() => r("late"), ms));
    try {
      if (await Promise.race([release.then(() => "done" as const), late]) === "late") {
        this.#log.warn("release is taking too long; giving the lease up anyway", { what });
      }
    } finally {
      clearTimeout(timer);
    }
  }

  #track(p: Promise<void>): void {
    this.#background.add(p);
    p.finally(() => this.#background.delete(p));
  }
}
