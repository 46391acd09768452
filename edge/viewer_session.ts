/**
 * One viewer's socket in one room, from upgrade to close:
 * `hello` (within the hello timeout) -> token -> join the room -> `welcome` (+ replay on
 * resume) -> live batches, with commands (`say`, `mod`, `gift`, `resume`, `ping`) forwarded
 * to the room actor. Abuse closes the socket with a documented code; a bad frame only gets
 * an `error` frame. Batches arriving while the join is in flight are held and then
 * delivered after the welcome, without duplicates.
 */
import type { Actor as RoomIdentity } from "../actors/room/contract.ts";
import type { Logger } from "../engine/log.ts";
import {
  AuthError,
  type Identity,
  type IdentityResolver,
  identityToActor,
} from "./auth/identity.ts";
import { ViewerBackpressure } from "./backpressure.ts";
import { FrameGuard } from "./frame_guard.ts";
import { findTextViolation } from "../engine/text/forbidden.ts";
import type { EdgeLimits } from "./limits.ts";
import {
  ackFrame,
  CloseCode,
  describeIssue,
  EdgeErrorCode,
  HelloFrame,
  PROTOCOL_VERSION,
  readClientId,
  type ServerFrame,
  SessionFrame,
} from "./protocol.ts";
import { BatchView, type FanoutRegistry, type FanoutViewer } from "./room_fanout.ts";
import { type RoomClient, RoomRequestError } from "../actors/room/client.ts";
import { EDGE_METRICS } from "./metrics.ts";

export interface ViewerSessionDeps {
  roomId: string;
  edgeId: string;
  identity: IdentityResolver;
  rooms: RoomClient;
  fanout: FanoutRegistry;
  limits: EdgeLimits;
  log: Logger;
  onClosed(session: ViewerSession): void;
}

type Phase = "hello" | "joining" | "live" | "closed";

export class ViewerSession implements FanoutViewer {
  private phase: Phase = "hello";
  private readonly guard: FrameGuard;
  private readonly backpressure: ViewerBackpressure;
  private helloTimer: ReturnType<typeof setTimeout> | undefined;
  private identity: Identity | undefined;
  private actor: RoomIdentity | undefined;
  private inFanout = false;
  /** Last batch sequence delivered (or deliberately dropped) to this viewer; -1 unknown. */
  private lastSeq = -1;
  /** Batches held while a join or resync runs (allocated only then). */
  private joinBuffer: BatchView[] | undefined;
  /** A resync after the room's sequence went back is running (batches are held meanwhile). */
  private resyncing = false;
  /** The sequence went back while the first join was in flight: resync once it is done. */
  private resyncAfterJoin = false;
  private inFlight = 0;
  /** Joined a meeting room (only members may): its last socket here closing is reported. */
  private meetingMember = false;
  /**
   * An upper bound of `socket.bufferedAmount`: its last reading plus the most UTF-8 bytes
   * sent since (the buffer only grows by what this session sends). While it stays below the
   * soft limit and the viewer is not dropping, every decision is "full" whatever the actual
   * reading, so the hot path skips the read (an op call per socket per batch).
   */
  private bufferedBound = 0;
  private readonly softBufferedBytes: number;

  constructor(private readonly socket: WebSocket, private readonly deps: ViewerSessionDeps) {
    this.guard = new FrameGuard(deps.limits, monotonicNow);
    this.backpressure = new ViewerBackpressure(deps.limits);
    this.softBufferedBytes = deps.limits.softBufferedBytes;
    this.helloTimer = setTimeout(
      () => this.closeWith(CloseCode.helloTimeout, "no hello in time"),
      deps.limits.helloTimeoutMs,
    );
    socket.onmessage = (e) => this.onFrame(e.data);
    socket.onclose = () => this.finish();
    socket.onerror = ignore;
  }

  get userId(): string | undefined {
    return this.identity?.userId;
  }

  /** Platform admins moderate: they see every danmaku, past any display budget. */
  get fullDisplay(): boolean {
    return this.identity?.roles.includes("admin") ?? false;
  }

  get isDropping(): boolean {
    return this.backpressure.isDropping;
  }

  // --- inbound

  private onFrame(data: unknown): void {
    if (this.phase === "closed") return;
    const verdict = this.guard.check(data);
    if (!verdict.ok) return this.closeWith(verdict.closeCode, verdict.reason);

    let parsed: unknown;
    try {
      parsed = JSON.parse(verdict.text);
    } catch {
      if (this.phase === "hello") return this.closeWith(CloseCode.badHello, "hello is not JSON");
      return this.sendError(EdgeErrorCode.badFrame, "frame is not valid JSON");
    }

    const badText = findTextViolation(parsed);
    if (badText) {
      if (this.phase === "hello") return this.closeWith(CloseCode.badHello, badText.message);
      return this.sendError(EdgeErrorCode.invalidText, badText.message, readClientId(parsed));
    }

    if (this.phase === "hello") {
      const hello = HelloFrame.safeParse(parsed);
      if (!hello.success) {
        return this.closeWith(CloseCode.badHello, `bad hello: ${describeIssue(hello.error)}`);
      }
      void this.join(hello.data);
      return;
    }
    if (isHello(parsed)) {
      return this.sendError(EdgeErrorCode.alreadyJoined, "this socket has already said hello");
    }
    const frame = SessionFrame.safeParse(parsed);
    if (!frame.success) {
      return this.sendError(
        EdgeErrorCode.badFrame,
        describeIssue(frame.error),
        readClientId(parsed),
      );
    }
    void this.handle(frame.data);
  }

  private async join(hello: HelloFrame): Promise<void> {
    clearTimeout(this.helloTimer);
    const { roomId } = this.deps;
    if (hello.room !== roomId) {
      return this.closeWith(CloseCode.badHello, "hello.room does not match the URL's room");
    }
    this.phase = "joining";
    try {
      this.identity = await this.deps.identity.resolve(hello.token);
    } catch (err) {
      const code = err instanceof AuthError ? err.code : "auth_invalid";
      const message = err instanceof AuthError ? err.message : "authentication failed";
      this.sendError(code, message);
      return this.closeWith(CloseCode.unauthorized, code);
    }
    if (this.phase !== "joining") return;
    this.actor = identityToActor(this.identity);

    // Subscribe before asking, so no batch published after the join reply is missed.
    this.deps.fanout.add(roomId, this);
    this.inFanout = true;
    let reply;
    try {
      reply = await this.deps.rooms.join(roomId, this.deps.edgeId, this.actor, hello.resumeFrom);
    } catch (err) {
      const e = asRoomError(err);
      this.sendError(e.code, e.message);
      const close = e.code === "banned" || e.code === "not_admitted"
        ? CloseCode.forbidden
        : e.code === "meeting_removed"
        ? CloseCode.meetingRemoved
        : e.code === "room_unavailable"
        ? CloseCode.tryAgainLater
        : CloseCode.internalError;
      return this.closeWith(close, e.code);
    }
    if (this.phase !== "joining") return;

    const resuming = hello.resumeFrom !== undefined;
    const missed = resuming ? reply.missed.filter((b) => b.seq > hello.resumeFrom!) : [];
    this.send({
      type: "welcome",
      v: PROTOCOL_VERSION,
      room: reply.info,
      you: { ...this.identity },
      history: reply.history,
      viewers: reply.info.viewers,
      seq: reply.info.seq,
      highlights: reply.highlights,
      ...(resuming ? { replayed: missed.length } : {}),
      ...(reply.self ? { self: reply.self } : {}),
    });
    for (const batch of missed) this.sendText(BatchView.of(batch).frame);
    if (reply.gap) this.send({ type: "gap", from: reply.gap.from, to: reply.gap.to });
    this.lastSeq = Math.max(reply.info.seq, missed.at(-1)?.seq ?? -1);

    this.meetingMember = reply.info.meeting !== undefined;
    this.phase = "live";
    this.deliverHeld();
    this.deps.log.debug("viewer joined", { roomId, userId: this.identity.userId, resuming });
    if (this.resyncAfterJoin) this.restarted();
  }

  /** Batches held during a join or resync that are newer than what the viewer has. */
  private deliverHeld(): void {
    const held = this.joinBuffer;
    this.joinBuffer = undefined;
    if (!held) return;
    for (const view of held) {
      if (view.seq > this.lastSeq) {
        this.deliver(view);
        view.flushMetrics();
      }
    }
  }

  /**
   * The room's batch sequence went back (it restarted from older state): the viewer's `seq`
   * cannot be resumed. Join afresh and send `restarted` with the room's recent history and
   * the new `seq`; batches arriving meanwhile are held and follow it, as at the first join.
   */
  restarted(): void {
    if (this.phase === "joining") {
      this.resyncAfterJoin = true;
      return;
    }
    if (this.phase !== "live" || this.resyncing || !this.actor) return;
    this.resyncing = true;
    this.resyncAfterJoin = false;
    this.joinBuffer = undefined;
    void this.resync(this.actor);
  }

  private async resync(actor: RoomIdentity): Promise<void> {
    try {
      const reply = await this.deps.rooms.join(this.deps.roomId, this.deps.edgeId, actor);
      if (this.phase !== "live") return;
      this.send({
        type: "restarted",
        room: reply.info,
        seq: reply.info.seq,
        history: reply.history,
        highlights: reply.highlights,
        viewers: reply.info.viewers,
      });
      this.lastSeq = reply.info.seq;
      this.resyncing = false;
      this.deliverHeld();
    } catch (err) {
      const e = asRoomError(err);
      this.sendError(e.code, e.message);
      this.closeWith(CloseCode.tryAgainLater, "room restarted; join again");
    }
  }

  private async handle(frame: SessionFrame): Promise<void> {
    if (frame.type === "ping") {
      this.checkRecovery();
      return this.send({ type: "pong", t: frame.t, at: Date.now() });
    }
    const actor = this.actor;
    if (this.phase !== "live" || !actor) {
      return this.sendError("not_joined", "wait for welcome before sending commands");
    }
    if (this.inFlight >= this.deps.limits.maxInFlight) {
      return this.sendError(EdgeErrorCode.busy, "too many requests in flight", clientIdOf(frame));
    }
    const { roomId } = this.deps;
    this.inFlight++;
    try {
      switch (frame.type) {
        case "say": {
          const r = await this.deps.rooms.say(roomId, actor, frame.text, frame.clientId);
          this.send(ackFrame(r, frame.clientId));
          break;
        }
        case "mod":
          await this.deps.rooms.moderate(roomId, {
            actor,
            action: frame.action,
            target: frame.target,
            seconds: frame.seconds,
          });
          this.send({
            type: "mod_ok",
            action: frame.action,
            target: frame.target,
            clientId: frame.clientId,
          });
          break;
        case "gift": {
          const result = await this.deps.rooms.gift(roomId, {
            actor,
            giftId: frame.giftId,
            count: frame.count,
            idempotencyKey: frame.idempotencyKey,
          });
          if (isRefusal(result)) {
            this.sendError(result.code, result.message, frame.clientId);
          } else this.send({ type: "gift_ok", clientId: frame.clientId, result });
          break;
        }
        case "resume":
          await this.resume(frame.from);
          break;
        case "ai": {
          const result = await this.deps.rooms.ai(roomId, actor, frame.cmd);
          this.send({ type: "ai_ok", clientId: frame.clientId, op: frame.cmd.op, result });
          break;
        }
        case "stage": {
          const stage = await this.deps.rooms.stage(roomId, actor, frame.cmd);
          this.send({ type: "stage_ok", clientId: frame.clientId, op: frame.cmd.op, stage });
          break;
        }
        case "meeting": {
          const result = await this.deps.rooms.meeting(roomId, actor, frame.cmd);
          this.send({ type: "meeting_ok", clientId: frame.clientId, op: frame.cmd.op, result });
          break;
        }
      }
    } catch (err) {
      const e = asRoomError(err);
      this.sendError(e.code, e.message, clientIdOf(frame));
    } finally {
      this.inFlight--;
    }
  }

  /** Replay the batches after `from` (after a `gap`); live delivery goes on meanwhile. */
  private async resume(from: number): Promise<void> {
    const reply = await this.deps.rooms.join(this.deps.roomId, this.deps.edgeId, this.actor!, from);
    const missed = reply.missed.filter((b) => b.seq > from);
    for (const batch of missed) this.sendText(BatchView.of(batch).frame);
    this.send({
      type: "resumed",
      batches: missed.length,
      ...(reply.gap ? { gap: reply.gap } : {}),
    });
  }

  // --- outbound

  /**
   * Called by the room fan-out for every batch of this room (the hot path). Full deliveries
   * are counted on the view (`BatchView.fullDeliveries`); the fan-out adds them to the
   * metrics once per batch.
   */
  deliver(view: BatchView): void {
    if (this.phase !== "live" || this.resyncing) {
      if (this.phase === "joining" || this.resyncing) {
        const held = this.joinBuffer ??= [];
        held.push(view);
        if (held.length > this.deps.limits.joinBufferBatches) held.shift();
      }
      return;
    }
    if (view.seq <= this.lastSeq) return; // already covered (welcome, replay, resync)
    // Below the soft limit and not dropping, the upper bound decides exactly as a reading
    // would ("full", nothing to report), so the socket is only asked when it may matter.
    const buffered = this.bufferedBound < this.softBufferedBytes && !this.backpressure.isDropping
      ? this.bufferedBound
      : this.readBuffered();
    this.reportDropped(buffered);
    if (this.lastSeq >= 0 && view.seq > this.lastSeq + 1) {
      this.send({ type: "gap", from: this.lastSeq + 1, to: view.seq - 1 });
    }
    switch (this.backpressure.decide(buffered, view.droppable, view.essential)) {
      case "full":
        this.sendText(view.frame);
        view.fullDeliveries++;
        break;
      case "essential_only":
        this.sendText(view.essentialFrame());
        EDGE_METRICS.droppedFrames.inc(undefined, view.droppable);
        break;
      case "skip":
        EDGE_METRICS.droppedFrames.inc(undefined, view.droppable);
        break;
      case "close":
        this.lastSeq = view.seq;
        return this.closeWith(CloseCode.slowConsumer, "slow consumer");
    }
    this.lastSeq = view.seq;
    // Removed from the meeting: the batch saying so went out; no further batch does.
    if (view.removed && this.userId !== undefined && view.removed.includes(this.userId)) {
      this.closeWith(CloseCode.meetingRemoved, "meeting_removed");
    } else if (view.left && this.userId !== undefined && view.left.includes(this.userId)) {
      // Left the meeting (from this tab, another one, or over REST): every tab leaves with it.
      this.closeWith(CloseCode.meetingLeft, "meeting_left");
    }
  }

  /** Read the socket's buffered bytes and restart the upper bound from there. */
  private readBuffered(): number {
    const buffered = this.socket.bufferedAmount;
    this.bufferedBound = buffered;
    return buffered;
  }

  /** Tell a recovered viewer how much it missed (also called periodically). */
  checkRecovery(): void {
    if (this.phase === "live") this.reportDropped(this.readBuffered());
  }

  private reportDropped(buffered: number): void {
    const count = this.backpressure.takeRecovered(buffered);
    if (count > 0) this.send({ type: "dropped", count, throughSeq: this.lastSeq });
  }

  private send(frame: ServerFrame): void {
    this.sendText(JSON.stringify(frame));
  }

  private sendText(text: string): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    try {
      this.socket.send(text);
      // At most 3 UTF-8 bytes per UTF-16 code unit.
      this.bufferedBound += text.length * 3;
    } catch (err) {
      this.deps.log.debug("send failed", { err });
    }
  }

  private sendError(code: string, message: string, clientId?: string): void {
    this.send({ type: "error", code, message, ...(clientId ? { clientId } : {}) });
  }

  /** Close with a protocol code (idempotent). */
  closeWith(code: number, reason: string): void {
    if (this.phase === "closed") return;
    this.finish();
    try {
      if (this.socket.readyState <= WebSocket.OPEN) this.socket.close(code, reason.slice(0, 120));
    } catch (err) {
      this.deps.log.debug("close failed", { err });
    }
  }

  /** The member's last room socket on this edge closed: the meeting counts them as away
   * unless LiveKit or another edge still holds a connection of theirs. */
  private reportMeetingSocketGone(): void {
    const { roomId, edgeId } = this.deps;
    const userId = this.identity?.userId;
    if (!userId || this.deps.fanout.hasUser(roomId, userId)) return;
    this.deps.rooms.meetingPresence(roomId, { userId, connected: false, via: "socket", edgeId })
      .catch((err) => this.deps.log.debug("meeting presence not reported", { roomId, err }));
  }

  private finish(): void {
    if (this.phase === "closed") return;
    this.phase = "closed";
    clearTimeout(this.helloTimer);
    this.joinBuffer = undefined;
    if (this.inFanout) this.deps.fanout.remove(this.deps.roomId, this);
    this.inFanout = false;
    if (this.meetingMember) this.reportMeetingSocketGone();
    this.deps.onClosed(this);
  }
}

/** Shared by every session (one bound clock or no-op handler per socket would be garbage
 * kept per viewer). */
const monotonicNow = () => performance.now();
const ignore = () => {};

function isHello(frame: unknown): boolean {
  return typeof frame === "object" && frame !== null &&
    (frame as { type?: unknown }).type === "hello";
}

function clientIdOf(frame: SessionFrame): string | undefined {
  return "clientId" in frame ? frame.clientId : undefined;
}

function asRoomError(err: unknown): RoomRequestError {
  return err instanceof RoomRequestError ? err : new RoomRequestError("internal", "request failed");
}

function isRefusal(result: unknown): result is { ok: false; code: string; message: string } {
  return typeof result === "object" && result !== null && (result as { ok?: unknown }).ok === false;
}
