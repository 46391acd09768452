/**
 * A fail-over scenario under load, shared by the cluster test (which checks the delivery
 * promise of edge/PROTOCOL.md) and the fail-over bench (which measures outages): separate
 * engine and edge processes over NATS (tests/helpers/cluster.ts), busy rooms whose viewers and
 * senders are split over two edges, then `kill -9` of the engine owning the most rooms
 * mid-traffic, a SIGTERM of another engine, and a new engine joining. Every frame every socket
 * receives is recorded with a global arrival order (`g`) and a time.
 *
 * Rooms are chosen by rendezvous hashing so the scenario is the same on every run: four rooms
 * on the engine that is killed, two on the one stopped with SIGTERM, two on the survivor, and
 * some of each move again when the new engine joins.
 */
import { partitionOf, rendezvousOwner } from "../../engine/partition.ts";
import { CLUSTER_PARTITIONS, startTestCluster, until } from "./cluster.ts";

// deno-lint-ignore no-explicit-any
export type Frame = Record<string, any>;

export const ENGINES = { victim: "fo-e1", stopped: "fo-e2", survivor: "fo-e3", joiner: "fo-e4" };

export type PhaseName = "warm" | "kill" | "sigterm" | "join";

export interface Phase {
  name: PhaseName;
  /** Arrival order and time (performance.now) when the phase's event happened. */
  g: number;
  at: number;
  /** The same moment as wall-clock ms (to compare with the processes' log lines). */
  wall: number;
}

/** An engine stopped serving a partition without handing it over (its lease lapsed while
 * it was starved, or a release outlasted its bound): its rooms restart as after a crash. */
export interface LeaseLoss {
  instance: string;
  partition: number;
  wall: number;
}

export interface Received {
  g: number;
  at: number;
  frame: Frame;
}

export interface PeerLog {
  room: string;
  name: string;
  /** Everything received after `welcome` (the welcome itself is `welcome`). */
  frames: Received[];
  welcome: Frame;
  closed?: { code: number; reason: string };
}

export interface SendLog {
  room: string;
  clientId: string;
  sentG: number;
  sentAt: number;
  outcome?:
    | { kind: "ack"; g: number; at: number; id: string; suppressed: boolean }
    | { kind: "error"; g: number; at: number; code: string };
}

export interface RoomPlan {
  id: string;
  /** Owner among the first three engines, and after the new engine joins. */
  owner: string;
  ownerAfterJoin: string;
}

export interface ScenarioResult {
  leaseTtlMs: number;
  rooms: RoomPlan[];
  /** Rooms the killed engine owned. */
  victimRooms: string[];
  phases: Phase[];
  peers: PeerLog[];
  sends: SendLog[];
  /** Rooms that logged "room restarted after an unclean stop" on some engine. */
  uncleanRestarts: string[];
  /** Leases lost or given up without a hand-over (a starved engine; not expected). */
  leaseLosses: LeaseLoss[];
  /** Exit code of the engine stopped with SIGTERM. */
  sigtermExit: number;
}

export interface ScenarioOptions {
  leaseTtlMs?: number;
  rooms?: number;
  viewersPerRoom?: number;
  sendersPerRoom?: number;
  /** Each sender says something this often (the room's rate limit allows 1/s per user). */
  sendEveryMs?: number;
  /** Acked says per room (sent after the phase's event) that end a phase. */
  acksPerPhase?: number;
}

/** Half the rooms on the victim, a quarter on the engine stopped cleanly, the rest on the
 * survivor; per engine, alternately rooms that move again on the join and rooms that stay. */
export function planRooms(count = 8): RoomPlan[] {
  const three = [ENGINES.victim, ENGINES.stopped, ENGINES.survivor];
  const quota = new Map([
    [ENGINES.victim, Math.ceil(count / 2)],
    [ENGINES.stopped, Math.floor(count / 4)],
    [ENGINES.survivor, count - Math.ceil(count / 2) - Math.floor(count / 4)],
  ]);
  const buckets = new Map(
    three.map((e) => [e, { moves: [] as RoomPlan[], stays: [] as RoomPlan[] }]),
  );
  for (let i = 0; i < 2_000; i++) {
    const id = `load${i}`;
    const p = partitionOf(id, CLUSTER_PARTITIONS);
    const owner = rendezvousOwner(p, three)!;
    const ownerAfterJoin = rendezvousOwner(p, [ENGINES.survivor, ENGINES.joiner])!;
    const bucket = buckets.get(owner)!;
    (ownerAfterJoin === ENGINES.joiner ? bucket.moves : bucket.stays).push({
      id,
      owner,
      ownerAfterJoin,
    });
  }
  const plans: RoomPlan[] = [];
  for (const engine of three) {
    const { moves, stays } = buckets.get(engine)!;
    for (let k = 0; k < quota.get(engine)!; k++) {
      const first = k % 2 === 0 ? moves : stays;
      const room = first.shift() ?? (first === moves ? stays : moves).shift();
      if (room) plans.push(room);
    }
  }
  return plans;
}

/** One WebSocket (a viewer or a sender) recording what it receives. */
class Peer {
  readonly log: PeerLog;
  inFlight = 0;
  #ws!: WebSocket;
  #pending = new Map<string, SendLog>();
  #closing = false;

  constructor(room: string, name: string, private readonly clock: () => number) {
    this.log = { room, name, frames: [], welcome: {} };
  }

  async join(url: string, token: string): Promise<void> {
    const ws = new WebSocket(url);
    this.#ws = ws;
    const welcome = Promise.withResolvers<void>();
    ws.onmessage = (e) => {
      const frame = JSON.parse(String(e.data)) as Frame;
      const g = this.clock();
      if (frame.type === "welcome") {
        this.log.welcome = frame;
        welcome.resolve();
        return;
      }
      this.log.frames.push({ g, at: performance.now(), frame });
      if ((frame.type === "ack" || frame.type === "error") && frame.clientId) {
        const send = this.#pending.get(frame.clientId);
        if (!send) return;
        this.#pending.delete(frame.clientId);
        this.inFlight--;
        send.outcome = frame.type === "ack"
          ? { kind: "ack", g, at: performance.now(), id: frame.id, suppressed: !!frame.suppressed }
          : { kind: "error", g, at: performance.now(), code: frame.code };
      }
    };
    ws.onclose = (e) => {
      if (!this.#closing) this.log.closed = { code: e.code, reason: e.reason };
      welcome.reject(new Error(`${this.log.name} closed before welcome (${e.code} ${e.reason})`));
    };
    ws.onerror = () => {};
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.addEventListener("close", () => reject(new Error(`${this.log.name}: did not open`)));
    });
    ws.send(JSON.stringify({ type: "hello", v: 1, token, room: this.log.room }));
    await welcome.promise; // the edge closes a socket that gets no welcome
  }

  say(clientId: string, text: string): SendLog {
    const send: SendLog = { room: this.log.room, clientId, sentG: this.clock(), sentAt: 0 };
    send.sentAt = performance.now();
    this.#pending.set(clientId, send);
    this.inFlight++;
    this.#ws.send(JSON.stringify({ type: "say", text, clientId }));
    return send;
  }

  close(): void {
    this.#closing = true;
    try {
      this.#ws.close(1000);
    } catch { /* gone */ }
  }
}

const WORDS = [
  "nice",
  "play",
  "wow",
  "great",
  "song",
  "stream",
  "hello",
  "again",
  "cool",
  "music",
  "today",
  "friends",
  "dance",
  "tea",
  "rain",
  "light",
  "city",
  "river",
  "cloud",
  "green",
];

/** Runs the whole scenario; the cluster is gone when it returns. */
export async function runFailoverScenario(opts: ScenarioOptions = {}): Promise<ScenarioResult> {
  const leaseTtlMs = opts.leaseTtlMs ?? 2_000;
  const viewersPerRoom = opts.viewersPerRoom ?? 4;
  const sendersPerRoom = opts.sendersPerRoom ?? 5;
  const sendEveryMs = opts.sendEveryMs ?? 1_000;
  const acksPerPhase = opts.acksPerPhase ?? 10;
  const rooms = planRooms(opts.rooms ?? 8);
  const victimRooms = rooms.filter((r) => r.owner === ENGINES.victim).map((r) => r.id);
  let counter = 0;
  const clock = () => ++counter;
  const phases: Phase[] = [];
  const mark = (name: PhaseName) =>
    phases.push({ name, g: clock(), at: performance.now(), wall: Date.now() });
  const sends: SendLog[] = [];
  const peers: Peer[] = [];
  const c = await startTestCluster({ leaseTtlMs });
  let traffic: Promise<void> | undefined;
  let running = true;
  try {
    const [victim, stopped] = await Promise.all([
      c.start("engine", ENGINES.victim),
      c.start("engine", ENGINES.stopped),
      c.start("engine", ENGINES.survivor),
    ]);
    const edges = await Promise.all([c.start("edge", "fo-edge-a"), c.start("edge", "fo-edge-b")]);
    const admin = await c.admin();
    await admin.settled(3, 60_000, "three engines own every partition");

    // Viewers and senders, split over both edges, all joined before any traffic.
    const senders: Peer[] = [];
    const joins: Promise<void>[] = [];
    for (const room of rooms) {
      for (let i = 0; i < viewersPerRoom + sendersPerRoom; i++) {
        const sender = i >= viewersPerRoom;
        const name = `${room.id}-${sender ? "s" : "v"}${i}`;
        const peer = new Peer(room.id, name, clock);
        peers.push(peer);
        if (sender) senders.push(peer);
        const edge = edges[i % 2];
        joins.push(c.mintToken(name, name).then((t) => peer.join(c.wsUrl(edge, room.id), t)));
      }
    }
    await Promise.all(joins);

    const ackedAfter = (room: string, at: number) =>
      sends.filter((s) => s.room === room && s.sentAt >= at && s.outcome?.kind === "ack").length;
    const everyRoomAcked = (at: number, what: string) =>
      until(
        () => rooms.every((r) => ackedAfter(r.id, at) >= acksPerPhase),
        60_000,
        `${acksPerPhase} acked says in every room ${what}`,
      );

    traffic = Promise.all(senders.map(async (peer, k) => {
      for (let n = 0; running; n++) {
        await new Promise((r) => setTimeout(r, sendEveryMs * (0.9 + 0.25 * Math.random())));
        if (!running) break;
        if (peer.inFlight >= 7) continue; // the edge allows 8 requests in flight per socket
        const text = `${WORDS[(n * 7 + k) % WORDS.length]} ${
          WORDS[(n * 3 + k * 5) % WORDS.length]
        } ${peer.log.name} ${n}`;
        sends.push(peer.say(`${peer.log.name}:${n}`, text));
      }
    })).then(() => {});

    mark("warm");
    await everyRoomAcked(0, "while warming up");

    // kill -9 of the busiest owner, mid-traffic.
    mark("kill");
    const killAt = performance.now();
    victim.signal("SIGKILL");
    await victim.exited;
    await everyRoomAcked(killAt, "after the kill");
    // Every viewer of a moved room has seen the room publish again.
    await until(
      () =>
        peers.every((p) => {
          const acked = new Set(
            sends.filter((s) =>
              s.room === p.log.room && s.sentAt >= killAt && s.outcome?.kind === "ack"
            ).map((s) => s.outcome?.kind === "ack" ? s.outcome.id : ""),
          );
          return p.log.frames.some((f) =>
            f.frame.type === "batch" &&
            f.frame.events.some((e: Frame) => e.t === "danmaku" && acked.has(e.d.id))
          );
        }),
      30_000,
      "every viewer saw its room publish after the kill",
    );

    // A clean stop of another engine.
    mark("sigterm");
    const termAt = performance.now();
    const sigtermExit = await stopped.stop("SIGTERM");
    await admin.settled(1, 30_000, "the survivor owns every partition");
    await everyRoomAcked(termAt, "after the SIGTERM");

    // A new engine joins and takes its share.
    mark("join");
    const joinAt = performance.now();
    await c.start("engine", ENGINES.joiner);
    await admin.settled(2, 30_000, "the survivor and the new engine share the partitions");
    await everyRoomAcked(joinAt, "after the join");

    running = false;
    await traffic;
    await until(() => senders.every((s) => s.inFlight === 0), 30_000, "every say answered");
    // Let the last batches reach every viewer: each acked say is in some batch (or a gap).
    await until(
      () => violations(result()).length === 0,
      10_000,
      "every acked say delivered or covered",
    ).catch(() => {}); // the caller checks and reports

    const uncleanRestarts = new Set<string>();
    const leaseLosses: LeaseLoss[] = [];
    for (const node of c.nodes) {
      for (const line of node.output().split("\n")) {
        const lost = line.includes("partition lease lost");
        const forced = line.includes("giving the lease up anyway");
        if (!lost && !forced && !line.includes("room restarted after an unclean stop")) continue;
        try {
          const entry = JSON.parse(line);
          if (lost || forced) {
            const named = lost ? entry.partition : /p(\d+)/.exec(String(entry.what))?.[1];
            const partition = named === undefined ? -1 : Number(named);
            leaseLosses.push({ instance: node.id, partition, wall: Date.parse(entry.time) });
          } else uncleanRestarts.add(String(entry.actor ?? "").replace(/^rooms\//, ""));
        } catch { /* not JSON */ }
      }
    }
    return {
      ...result(),
      uncleanRestarts: [...uncleanRestarts].sort(),
      leaseLosses,
      sigtermExit,
    };
  } finally {
    running = false;
    await traffic?.catch(() => {});
    for (const p of peers) p.close();
    await c.close();
  }

  function result(): ScenarioResult {
    return {
      leaseTtlMs,
      rooms,
      victimRooms,
      phases,
      peers: peers.map((p) => p.log),
      sends,
      uncleanRestarts: [],
      leaseLosses: [],
      sigtermExit: -1,
    };
  }
}

/**
 * What breaks the delivery promise (PROTOCOL.md, "The delivery promise") and the issue's
 * other guarantees, one line each; empty when everything held. Batches are read as a client
 * must: one whose `seq` is not above the last is ignored (and is itself a violation).
 */
export function violations(r: ScenarioResult): string[] {
  return audit(r).violations;
}

/** Per viewer and acked say: delivered once, or covered by a notice (and the violations). */
export function audit(
  r: ScenarioResult,
): { violations: string[]; delivered: number; covered: number; refusedInHandOvers: number } {
  const out: string[] = [];
  let deliveredOnce = 0;
  let coveredByNotice = 0;
  const phase = (name: PhaseName) => r.phases.find((p) => p.name === name);
  const cleanFrom = phase("sigterm")?.g ?? Infinity;
  const victims = new Set(r.victimRooms);
  const starved = new Set(starvedRooms(r));
  const acked = r.sends.filter((s) => s.outcome?.kind === "ack" && !s.outcome.suppressed);
  for (const p of r.peers) {
    if (p.closed) out.push(`${p.name}: socket closed (${p.closed.code} ${p.closed.reason})`);
    let last = typeof p.welcome.seq === "number" ? p.welcome.seq : -1;
    const delivered = new Map<string, number>();
    /** After each batch (by arrival order), the highest seq this viewer has. */
    const position: { g: number; seq: number }[] = [{ g: 0, seq: last }];
    const notices: Received[] = [];
    /** Danmaku that came only in a batch a client ignores (a reused number) → its seq. */
    const ignored = new Map<string, number>();
    for (const f of p.frames) {
      const t = f.frame.type;
      if (t === "gap" || t === "restarted" || t === "dropped") notices.push(f);
      if (t === "batch" && f.frame.omitted > 0) notices.push(f); // the display budget thinned it
      if (t === "restarted") last = f.frame.seq;
      if (t !== "batch") continue;
      if (f.frame.seq <= last) {
        out.push(`${p.name}: batch ${f.frame.seq} after ${last} (not increasing; ignored)`);
        for (const e of f.frame.events) if (e.t === "danmaku") ignored.set(e.d.id, f.frame.seq);
        continue;
      }
      last = f.frame.seq;
      position.push({ g: f.g, seq: last });
      for (const e of f.frame.events) {
        if (e.t === "danmaku") delivered.set(e.d.id, (delivered.get(e.d.id) ?? 0) + 1);
      }
    }
    for (const n of notices) {
      if (n.frame.type !== "gap") continue;
      if (starved.has(p.room)) continue; // not a hand-over: the engine lost the lease
      if (!victims.has(p.room)) {
        out.push(`${p.name}: gap ${n.frame.from}..${n.frame.to} in a room that never crashed`);
      } else if (n.g > cleanFrom) {
        out.push(`${p.name}: gap ${n.frame.from}..${n.frame.to} during a clean hand-over`);
      }
    }
    for (const s of acked) {
      if (s.room !== p.room || s.outcome?.kind !== "ack") continue;
      const { id, g } = s.outcome;
      const times = delivered.get(id) ?? 0;
      if (times > 1) out.push(`${p.name}: ${s.clientId} (${id}) delivered ${times} times`);
      if (times === 1) deliveredOnce++;
      if (times >= 1) continue;
      // The viewer's position when the ack arrived; a notice must cover what came after it.
      const at = positionAt(position, g);
      const reused = ignored.get(id);
      if (reused !== undefined) {
        // Published under a number the viewer already had: no gap can cover it.
        out.push(`${p.name}: ${s.clientId} (${id}) acked, came only in batch ${reused} (reused)`);
        continue;
      }
      const covered = notices.some((n) =>
        (n.frame.type === "gap" && n.frame.to > at) ||
        (n.frame.type !== "gap" && n.g > s.sentG)
      );
      if (!covered) {
        out.push(`${p.name}: ${s.clientId} (${id}) acked, never delivered, no notice after ${at}`);
      } else coveredByNotice++;
    }
  }
  // Refusals are not violations (an unacked say promises nothing), but a clean hand-over
  // should have none: they are counted for the report.
  const refusedInHandOvers =
    r.sends.filter((s) =>
      s.sentG > cleanFrom && s.outcome?.kind === "error" && s.outcome.code === "room_unavailable"
    ).length;
  return {
    violations: out,
    delivered: deliveredOnce,
    covered: coveredByNotice,
    refusedInHandOvers,
  };
}

/**
 * Rooms whose partition an engine lost (lease lapsed while the process was starved, or a
 * release forced past its bound) after the warm-up: they restart as after a crash, so gaps
 * there are honest, not a hand-over's. The delivery promise is still checked for them.
 */
export function starvedRooms(r: ScenarioResult): string[] {
  const from = r.phases.find((p) => p.name === "kill")?.wall ?? Infinity;
  const lost = new Set(r.leaseLosses.filter((l) => l.wall >= from).map((l) => l.partition));
  // A forced release on shutdown names no partition (-1): it may have been any of them.
  return r.rooms.filter((room) =>
    lost.has(-1) || lost.has(partitionOf(room.id, CLUSTER_PARTITIONS))
  ).map((room) => room.id);
}

/** The last `seq` in `positions` (ascending `g`) reached before arrival order `g`. */
function positionAt(positions: { g: number; seq: number }[], g: number): number {
  let lo = 0;
  let hi = positions.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (positions[mid].g < g) lo = mid;
    else hi = mid - 1;
  }
  return positions[lo].seq;
}

/** Longest time between two consecutive acks of a room around an event (its outage). */
export function ackGapMs(r: ScenarioResult, room: string, from: number, to: number): number {
  const times = r.sends
    .filter((s) => s.room === room && s.outcome?.kind === "ack")
    .map((s) => s.outcome!.at)
    .sort((a, b) => a - b);
  let worst = 0;
  for (let i = 1; i < times.length; i++) {
    if (times[i] > from && times[i - 1] < to) worst = Math.max(worst, times[i] - times[i - 1]);
  }
  return worst;
}
