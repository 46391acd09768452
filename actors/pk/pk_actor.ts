/**
 * The PK coordinator: one actor per battle between two live rooms (`pk`, id `pk_…`). It owns
 * the round, so both rooms show the same state, and everything it needs to go on after a
 * fail-over is persisted with it (the view, and why it is finishing); a durable alarm brings
 * it back on another engine after a kill -9.
 *
 * invite (staff of room A, both rooms live) → both rooms are claimed (`pk_busy` when one is in
 * another battle) and show the invitation; accept (staff of room B) → the round starts for
 * `durationMs`; every tick both rooms' gift totals during the round are read from their own
 * ledgers (beside the mailbox; the PK never moves money) and pushed to both rooms when they
 * change; at the end (time, `end` by either side's staff, or a side going offline) a last
 * read closes the scores, the winner and each side's top gifters are announced and recorded
 * (`pk_battles`, once per battle). decline, or an invitation not accepted within a minute,
 * ends it without a round.
 */
import { Actor, type ActorContext, ActorError, type ActorType } from "../../engine/actor.ts";
import { type ActorAsker, RoomClient } from "../room/client.ts";
import type { Actor as Who, RoomInfo } from "../room/contract.ts";
import {
  PK_ACTOR_TYPE,
  PK_INVITE_TTL_MS,
  PkCommand,
  type PkEndReason,
  type PkSide,
  type PkView,
} from "./contract.ts";
import type { PkLedger, PkRecorder, PkRoundTotals } from "./ports.ts";

export interface PkActorOptions {
  ledger: PkLedger;
  recorder: PkRecorder;
  /** How often scores are read while a round runs (default 1 s). */
  tickMs?: number;
  /** Tests may host rooms under another type. */
  roomType?: string;
}

/** Persisted: the battle as both rooms see it, and how it is being finished. */
export interface PkState {
  view: PkView | null;
  finishing: { reason: PkEndReason; by?: string; at: number } | null;
}

interface Scores {
  kind: "scores";
  a: PkRoundTotals;
  b: PkRoundTotals;
  /** The last read, up to the end of the round. */
  final: boolean;
}

const TICK = "tick";
const REVIVE = "revive";

class PkActor extends Actor<PkState, unknown, unknown> {
  readonly #rooms: RoomClient;
  readonly #tickMs: number;
  #reading = false;

  constructor(ctx: ActorContext, state: PkState, private readonly o: PkActorOptions) {
    super(ctx, state);
    this.#rooms = new RoomClient(ctx as ActorAsker, o.roomType);
    this.#tickMs = o.tickMs ?? 1_000;
  }

  override onActivate(): void {
    if (this.#active()) this.#keepTicking();
  }

  override async receive(raw: unknown): Promise<unknown> {
    const parsed = PkCommand.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ActorError(
        "bad_command",
        `invalid pk command: ${issue?.path.join(".")} ${issue?.message}`,
      );
    }
    const cmd = parsed.data;
    switch (cmd.kind) {
      case "state":
        return this.#view();
      case "invite":
        return await this.#invite(cmd.actor, cmd.from, cmd.to, cmd.durationSec * 1000);
      case "accept":
        return await this.#accept(cmd.actor);
      case "decline":
        return await this.#decline(cmd.actor);
      case "end":
        return await this.#end(cmd.actor);
      case "offline":
        return await this.#offline(cmd.roomId);
    }
  }

  override async onTimer(name: string): Promise<void> {
    if (name !== TICK && name !== REVIVE) return;
    const v = this.state.view;
    if (!v || v.status === "ended") return;
    this.#keepTicking();
    const now = this.ctx.now();
    if (v.status === "invited" && now >= v.invitedAt + PK_INVITE_TTL_MS) {
      return await this.#close("expired");
    }
    if (v.status === "running" && !this.state.finishing && now >= v.endsAt!) {
      this.state.finishing = { reason: "time", at: v.endsAt! };
      await this.ctx.persist();
    }
    if (v.status === "running") this.#read();
  }

  override receiveSelf(msg: unknown): Promise<void> | void {
    const s = msg as Scores;
    if (s.kind !== "scores") return;
    this.#reading = false;
    const v = this.state.view;
    if (!v || v.status !== "running") return;
    const changed = v.a.score !== s.a.score.toString() || v.b.score !== s.b.score.toString() ||
      JSON.stringify([v.a.top, v.b.top]) !== JSON.stringify([s.a.top, s.b.top]);
    this.#scored(v.a, s.a);
    this.#scored(v.b, s.b);
    if (s.final && this.state.finishing) return this.#finish();
    if (changed) {
      this.ctx.markDirty();
      this.#push();
    }
  }

  // --- commands

  async #invite(actor: Who, from: string, to: string, durationMs: number): Promise<PkView> {
    if (this.state.view) throw new ActorError("pk_exists", `battle ${this.ctx.id} exists`);
    if (from === to) throw new ActorError("bad_command", "a room cannot battle itself");
    const a = await this.#rooms.info(from);
    if (!this.#isStaff(a, actor)) {
      throw new ActorError("forbidden", "only the room's streamer or an admin starts a PK");
    }
    const b = await this.#rooms.info(to);
    if (!a.stream?.live || !b.stream?.live) {
      throw new ActorError("pk_not_live", "both rooms must be live for a PK");
    }
    const view: PkView = {
      pkId: this.ctx.id,
      status: "invited",
      a: side(a),
      b: side(b),
      durationMs,
      invitedAt: this.ctx.now(),
      by: actor.userId,
    };
    await this.#rooms.pk(from, view); // pk_busy: nothing changed
    try {
      await this.#rooms.pk(to, view);
    } catch (err) {
      await this.#rooms.pk(from, { ...view, status: "ended", reason: "declined" }).catch(() => {});
      throw err;
    }
    this.state.view = view;
    await this.ctx.persist();
    this.#keepTicking();
    return view;
  }

  async #accept(actor: Who): Promise<PkView> {
    const v = this.#need("invited");
    const b = await this.#rooms.info(v.b.roomId);
    if (!this.#isStaff(b, actor)) {
      throw new ActorError("forbidden", "only the invited room's streamer or an admin accepts");
    }
    const now = this.ctx.now();
    v.status = "running";
    v.startedAt = now;
    v.endsAt = now + v.durationMs;
    await this.ctx.persist();
    this.#push();
    this.#keepTicking();
    return v;
  }

  async #decline(actor: Who): Promise<PkView> {
    const v = this.#need("invited");
    await this.#requireStaff(actor, [v.a.roomId, v.b.roomId]);
    await this.#close("declined", actor.userId);
    return this.state.view!;
  }

  async #end(actor: Who): Promise<PkView> {
    const v = this.state.view;
    if (!v) throw new ActorError("pk_not_found", `no battle ${this.ctx.id}`);
    await this.#requireStaff(actor, [v.a.roomId, v.b.roomId]);
    if (v.status === "invited") await this.#close("declined", actor.userId);
    else if (v.status === "running" && !this.state.finishing) {
      this.state.finishing = { reason: "ended", by: actor.userId, at: this.ctx.now() };
      await this.ctx.persist();
      this.#read();
    }
    return this.#view();
  }

  /** A room says its stream ended: checked with the room, then the battle ends. */
  async #offline(roomId: string): Promise<PkView> {
    const v = this.state.view;
    if (!v || v.status === "ended" || (roomId !== v.a.roomId && roomId !== v.b.roomId)) {
      return this.#view();
    }
    const info = await this.#rooms.info(roomId);
    if (info.stream?.live) return v;
    if (v.status === "invited") await this.#close("offline", roomId);
    else if (!this.state.finishing) {
      this.state.finishing = { reason: "offline", by: roomId, at: this.ctx.now() };
      await this.ctx.persist();
      this.#read();
    }
    return this.#view();
  }

  // --- the round

  /** Reads both rooms' totals for the round beside the mailbox; the result comes back. */
  #read(): void {
    const v = this.state.view;
    if (this.#reading || !v || v.status !== "running") return;
    this.#reading = true;
    const finishing = this.state.finishing;
    const to = finishing ? Math.min(finishing.at, v.endsAt!) : Math.min(this.ctx.now(), v.endsAt!);
    const from = v.startedAt!;
    Promise.all([
      this.o.ledger.round(v.a.roomId, from, to),
      this.o.ledger.round(v.b.roomId, from, to),
    ]).then(
      ([a, b]) => this.ctx.self({ kind: "scores", a, b, final: finishing !== null } as Scores),
      (err) => {
        // the next tick reads again
        this.ctx.log.warn("pk scores not read", { pkId: this.ctx.id, error: err as Error });
        this.#reading = false;
      },
    );
  }

  #scored(side: PkSide, t: PkRoundTotals): void {
    side.score = t.score.toString();
    side.top = t.top;
  }

  /** The final scores are in: winner, record, announcement. */
  async #finish(): Promise<void> {
    const v = this.state.view!;
    const f = this.state.finishing!;
    const a = BigInt(v.a.score);
    const b = BigInt(v.b.score);
    v.winner = a > b ? "a" : b > a ? "b" : "draw";
    v.status = "ended";
    v.reason = f.reason;
    v.endedAt = f.at;
    if (f.by !== undefined) v.by = f.by;
    try {
      await this.o.recorder.record(v);
    } catch (err) {
      // Not ended yet: the next tick (or the revived activation) reads and records again.
      v.status = "running";
      delete v.winner;
      this.ctx.log.warn("pk result not recorded", { pkId: this.ctx.id, error: err as Error });
      return;
    }
    this.state.finishing = null;
    await this.ctx.persist();
    this.#stopTicking();
    this.#push();
  }

  /** Ends a battle that never ran (declined, expired, a room went offline first). */
  async #close(reason: PkEndReason, by?: string): Promise<void> {
    const v = this.state.view!;
    v.status = "ended";
    v.reason = reason;
    v.endedAt = this.ctx.now();
    if (by !== undefined) v.by = by;
    await this.ctx.persist();
    this.#stopTicking();
    this.#push();
  }

  /** Both rooms get the view (beside the mailbox; a room also expires a stale one itself). */
  #push(): void {
    const v = structuredClone(this.state.view!);
    for (const roomId of [v.a.roomId, v.b.roomId]) {
      this.#rooms.pk(roomId, v).catch((err) =>
        this.ctx.log.warn("pk view not delivered", { pkId: v.pkId, roomId, error: err as Error })
      );
    }
  }

  #keepTicking(): void {
    this.ctx.setInterval(TICK, this.#tickMs, { keepAlive: true });
    // durable: after a crash the battle comes back on another engine and goes on
    this.ctx.setAlarm(REVIVE, this.ctx.now() + this.#tickMs * 3);
  }

  #stopTicking(): void {
    this.ctx.clearTimer(TICK);
    this.ctx.clearTimer(REVIVE);
  }

  // --- helpers

  #active(): boolean {
    const s = this.state.view?.status;
    return s === "invited" || s === "running";
  }

  #view(): PkView {
    if (!this.state.view) throw new ActorError("pk_not_found", `no battle ${this.ctx.id}`);
    return this.state.view;
  }

  #need(status: "invited"): PkView {
    const v = this.#view();
    if (v.status !== status) {
      throw new ActorError("pk_state", `the battle is ${v.status}, not ${status}`);
    }
    return v;
  }

  #isStaff(info: RoomInfo, actor: Who): boolean {
    return actor.roles.includes("admin") || info.owner === actor.userId ||
      info.admins.includes(actor.userId);
  }

  async #requireStaff(actor: Who, roomIds: string[]): Promise<void> {
    for (const id of roomIds) {
      if (this.#isStaff(await this.#rooms.info(id), actor)) return;
    }
    throw new ActorError("forbidden", "only either room's streamer or an admin may do this");
  }
}

function side(info: RoomInfo): PkSide {
  const s: PkSide = { roomId: info.roomId, streamerId: info.owner, score: "0", top: [] };
  if (info.title) s.title = info.title;
  return s;
}

export function pkActorType(o: PkActorOptions): ActorType<PkState, unknown, unknown> {
  return {
    type: PK_ACTOR_TYPE,
    initialState: () => ({ view: null, finishing: null }),
    restore: (raw) => {
      const r = (raw ?? {}) as Partial<PkState>;
      return { view: r.view ?? null, finishing: r.finishing ?? null };
    },
    create: (ctx, state) => new PkActor(ctx, state, o),
  };
}
