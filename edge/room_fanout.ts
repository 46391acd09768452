/**
 * The hot path: one transport subscription to `rooms.out.{roomId}` per room with at least
 * one local viewer, and fan-out of each batch to every local viewer. Each batch is decoded
 * and parsed once, its wire frame is built once (string concatenation, no re-serialising),
 * and the same string is handed to every viewer. The essential-only variant for slow
 * viewers is built lazily, at most once per batch. Past the display budget
 * (edge/display_budget.ts) the sampled batch is built and encoded once for every viewer of
 * the budget class; only a sender whose own message was left out gets a frame of its own.
 *
 * A room's sequence only grows. A batch whose `seq` is not above the last one this edge
 * forwarded for the room is never forwarded: the room restarted from older state (or a
 * stale owner's batch arrived late), so every viewer is told and resynced (`restarted`).
 */
import { roomOutSubject } from "../actors/room/contract.ts";
import type { RoomBatch, RoomEvent } from "../actors/room/contract.ts";
import type { Logger } from "../engine/log.ts";
import type { Message, Subscription, Transport } from "../engine/transport.ts";
import { metrics } from "../engine/metrics.ts";
import { EDGE_METRICS } from "./metrics.ts";
import { isDroppable } from "./protocol.ts";
import { type BudgetChoice, DisplayBudget } from "./display_budget.ts";

/** A batch as shown under a display budget: `omitted` danmaku were left out. */
export type ShownBatch = RoomBatch & { omitted?: number };

/** Batches not forwarded because their sequence went back (viewers were resynced). */
export const seqRegressions = metrics.counter(
  "synapse_edge_seq_regressions_total",
  "Room batches an edge did not forward because their sequence was not above the last one " +
    "it forwarded for the room (the room restarted; its viewers here were resynced)",
);

/** One batch as every viewer of the room sees it. */
export class BatchView {
  private essentialText: string | undefined;
  readonly droppable: number;
  readonly essential: number;
  /** Users the meeting's host removed in this batch: their sockets close once it is sent. */
  readonly removed: readonly string[] | undefined;
  /** Members who left the meeting themselves in this batch (a `leave`, from any tab or over
   * REST) and are not back in it by the batch's end: their other sockets close too. */
  readonly left: readonly string[] | undefined;
  /** Viewers this view went to in full since the last `flushMetrics` (counted by them, so
   * the danmaku-out metric is updated once per batch rather than once per viewer). */
  fullDeliveries = 0;

  constructor(readonly batch: ShownBatch, readonly frame: string) {
    let droppable = 0;
    let removed: string[] | undefined;
    let left: string[] | undefined;
    let lastMeeting: { members: { userId: string }[] } | undefined;
    for (const e of batch.events) {
      if (isDroppable(e)) droppable++;
      else if (e.t === "meeting") {
        lastMeeting = e.meeting;
        if (e.op === "removed" && e.userId) (removed ??= []).push(e.userId);
        // `reason: "disconnected"` means no socket was left to close
        else if (e.op === "left" && e.userId && e.reason === undefined) {
          (left ??= []).push(e.userId);
        }
      }
    }
    if (left && lastMeeting) {
      const members = lastMeeting.members;
      left = left.filter((id) => !members.some((m) => m.userId === id));
      if (left.length === 0) left = undefined;
    }
    this.droppable = droppable;
    this.removed = removed;
    this.left = left;
    this.essential = batch.events.length - droppable;
  }

  get seq(): number {
    return this.batch.seq;
  }

  /** The frame without droppable events (for slow viewers); built once. */
  essentialFrame(): string {
    this.essentialText ??= JSON.stringify({
      type: "batch",
      ...this.batch,
      events: this.batch.events.filter((e) => !isDroppable(e)),
    });
    return this.essentialText;
  }

  /** Add the full deliveries counted so far to the metrics. */
  flushMetrics(): void {
    if (this.fullDeliveries > 0 && this.droppable > 0) {
      EDGE_METRICS.danmakuOut.inc(undefined, this.droppable * this.fullDeliveries);
    }
    this.fullDeliveries = 0;
  }

  /** A view of a batch received in some other way (join replay, a budgeted sample). */
  static of(batch: ShownBatch): BatchView {
    return new BatchView(batch, JSON.stringify({ type: "batch", ...batch }));
  }
}

export interface FanoutViewer {
  deliver(view: BatchView): void;
  /** The room's sequence went back: what the viewer holds cannot be resumed; resync it. */
  restarted(): void;
  /** Who the viewer is: its own danmaku always reach it, whatever the budget left out. */
  readonly userId?: string;
  /** Sees every danmaku (moderating viewers): no display budget. */
  readonly fullDisplay?: boolean;
}

/** One batch under the display budget: the shared sample, and per-sender frames built on
 * demand for senders whose own danmaku the sample left out. */
class BudgetedBatch {
  readonly shared: BatchView;
  readonly #own = new Map<string, BatchView>();
  /** For the senders' own frames (built at the first): each event's place in the batch, the
   * shown events' places, the events' JSON texts as needed, and the frame's head. */
  #at: Map<RoomEvent, number> | undefined;
  #shownAt: number[] = [];
  #texts: (string | undefined)[] = [];
  #head = "";

  constructor(readonly full: BatchView, readonly choice: BudgetChoice<RoomEvent>) {
    this.shared = BatchView.of({ ...full.batch, events: choice.events, omitted: choice.omitted });
  }

  /** The view for one viewer. */
  viewFor(viewer: FanoutViewer): BatchView {
    if (viewer.fullDisplay) return this.full;
    const userId = viewer.userId;
    const own = userId === undefined ? undefined : this.choice.omittedBySender.get(userId);
    if (!own) return this.shared;
    let view = this.#own.get(userId!);
    if (!view) {
      view = this.#ownView(own);
      this.#own.set(userId!, view);
    }
    return view;
  }

  /**
   * The sample with a sender's own left-out danmaku put back in the batch's order. A hot
   * room's batch leaves out the lines of most of its senders (each gets a frame of its own),
   * so the frame is spliced from each event's JSON text, encoded once per batch, rather than
   * re-encoding the batch per sender: `{"type":"batch",...the batch's other fields,
   * "events":[...],"omitted":n}`, the same object as `BatchView.of` would encode.
   */
  #ownView(own: RoomEvent[]): BatchView {
    const all = this.full.batch.events;
    let at = this.#at;
    if (!at) {
      at = this.#at = new Map();
      for (let i = 0; i < all.length; i++) at.set(all[i], i);
      this.#shownAt = this.choice.events.map((e) => at!.get(e)!);
      const { events: _events, ...rest } = this.full.batch;
      this.#head = JSON.stringify({ type: "batch", ...rest }).slice(0, -1);
    }
    const shown = this.#shownAt;
    const events: RoomEvent[] = [];
    const texts: string[] = [];
    const put = (i: number) => {
      events.push(all[i]);
      texts.push(this.#texts[i] ??= JSON.stringify(all[i]));
    };
    // both in the batch's order: merge them
    let s = 0;
    for (const e of own) {
      const i = at.get(e)!;
      while (s < shown.length && shown[s] < i) put(shown[s++]);
      put(i);
    }
    while (s < shown.length) put(shown[s++]);
    const omitted = this.choice.omitted - own.length;
    return new BatchView(
      { ...this.full.batch, events, omitted },
      `${this.#head},"events":[${texts.join(",")}],"omitted":${omitted}}`,
    );
  }

  flushMetrics(): void {
    this.shared.flushMetrics();
    for (const view of this.#own.values()) view.flushMetrics();
  }
}

const decoder = new TextDecoder();

/** Parse a room batch published on the transport and build its frame. */
export function parseBatchMessage(data: Uint8Array): BatchView | undefined {
  const text = decoder.decode(data);
  const batch = JSON.parse(text) as RoomBatch;
  if (
    typeof batch !== "object" || batch === null || typeof batch.seq !== "number" ||
    !Array.isArray(batch.events) || text[0] !== "{"
  ) return undefined;
  // `{"type":"batch",` + the rest of the room's object: the room's JSON is reused verbatim.
  const frame = text.length > 2 ? `{"type":"batch",${text.slice(1)}` : `{"type":"batch"}`;
  return new BatchView(batch, frame);
}

/** Local viewers of one room and the subscription feeding them. */
class RoomFanout {
  readonly viewers = new Set<FanoutViewer>();
  private readonly subscription: Subscription;
  batches = 0;
  /** The last sequence forwarded here; -1 before the first batch. */
  private lastSeq = -1;

  /** Danmaku per second per viewer past which batches are sampled (undefined: no budget). */
  private readonly budget: DisplayBudget | undefined;

  constructor(
    readonly roomId: string,
    transport: Transport,
    private readonly log: Logger,
    displayBudgetPerSecond = 0,
  ) {
    this.budget = displayBudgetPerSecond > 0
      ? new DisplayBudget(displayBudgetPerSecond)
      : undefined;
    this.subscription = transport.subscribe(roomOutSubject(roomId), (m) => this.onMessage(m));
  }

  private onMessage(msg: Message): void {
    let view: BatchView | undefined;
    try {
      view = parseBatchMessage(msg.data);
    } catch (err) {
      this.log.warn("unparsable room batch", { roomId: this.roomId, err });
      return;
    }
    if (!view) {
      this.log.warn("malformed room batch", { roomId: this.roomId });
      return;
    }
    if (view.seq <= this.lastSeq) return this.restarted(view.seq);
    this.lastSeq = view.seq;
    this.batches++;
    const choice = this.budget?.choose(view.batch.events, view.batch.at);
    const budgeted = choice && choice.omitted > 0 ? new BudgetedBatch(view, choice) : undefined;
    for (const viewer of this.viewers) {
      try {
        viewer.deliver(budgeted ? budgeted.viewFor(viewer) : view);
      } catch (err) {
        this.log.warn("delivery to a viewer failed", { roomId: this.roomId, err });
      }
    }
    view.flushMetrics();
    budgeted?.flushMetrics();
  }

  private restarted(seq: number): void {
    seqRegressions.inc();
    this.log.warn("room sequence went back; resyncing its viewers", {
      roomId: this.roomId,
      last: this.lastSeq,
      seq,
    });
    this.lastSeq = seq;
    for (const viewer of this.viewers) {
      try {
        viewer.restarted();
      } catch (err) {
        this.log.warn("resync of a viewer failed", { roomId: this.roomId, err });
      }
    }
  }

  close(): void {
    this.subscription.unsubscribe();
  }
}

/** Every room this edge has viewers in. */
export class FanoutRegistry {
  private readonly rooms = new Map<string, RoomFanout>();

  constructor(
    private readonly transport: Transport,
    private readonly log: Logger,
    /** Called with the room's new local viewer count after every add/remove. */
    private readonly onCount: (roomId: string, viewers: number) => void = () => {},
    /** Danmaku per second per viewer past which each room's batches are sampled (0: off). */
    private readonly displayBudgetPerSecond = 0,
  ) {}

  /** Add a viewer; subscribes to the room's batches when it is the first here. */
  add(roomId: string, viewer: FanoutViewer): void {
    let room = this.rooms.get(roomId);
    if (!room) {
      room = new RoomFanout(roomId, this.transport, this.log, this.displayBudgetPerSecond);
      this.rooms.set(roomId, room);
    }
    if (room.viewers.has(viewer)) return;
    room.viewers.add(viewer);
    this.onCount(roomId, room.viewers.size);
  }

  /** Remove a viewer; unsubscribes when it was the last here. */
  remove(roomId: string, viewer: FanoutViewer): void {
    const room = this.rooms.get(roomId);
    if (!room || !room.viewers.delete(viewer)) return;
    if (room.viewers.size === 0) {
      room.close();
      this.rooms.delete(roomId);
    }
    this.onCount(roomId, room.viewers.size);
  }

  /** Whether another local viewer of the room is `userId` (a second tab). */
  hasUser(roomId: string, userId: string, except?: FanoutViewer): boolean {
    const room = this.rooms.get(roomId);
    if (!room) return false;
    for (const v of room.viewers) if (v !== except && v.userId === userId) return true;
    return false;
  }

  count(roomId: string): number {
    return this.rooms.get(roomId)?.viewers.size ?? 0;
  }

  /** Room ids with local viewers and their counts. */
  counts(): Map<string, number> {
    return new Map([...this.rooms].map(([id, r]) => [id, r.viewers.size]));
  }

  get subscriptions(): number {
    return this.rooms.size;
  }

  close(): void {
    for (const room of this.rooms.values()) room.close();
    this.rooms.clear();
  }
}
