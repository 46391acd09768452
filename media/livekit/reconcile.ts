/**
 * Reconciliation after a restart: what the platform believes about live rooms and their
 * recordings is checked against LiveKit, at start-up and then every `everyMs`.
 *
 * 1. Heartbeat: the recordings this process runs get `owner` and a fresh `heartbeat_at`.
 * 2. Abandoned recordings (still `recording`/`paused` in the index but with a heartbeat
 *    older than `staleMs`, or owned by this process's stable instance id yet not running
 *    here: its previous life) become `interrupted`, ended at their last segment. A clean
 *    shutdown marks its recordings `interrupted` itself (MediaService.close).
 * 3. Each room with an unsettled interrupted recording, or listed on air (`believedLive`,
 *    the accounts database), is asked for its stream state, and LiveKit whether the
 *    streamer still publishes:
 *    - room offline: the interrupted recordings are settled as `offline`;
 *    - live and publishing: a new recording starts; its timeline carries the interruption
 *      as a gap (reason `server_restart`) and the old one names it in `resumed_by`;
 *    - live but nobody is even connected (and live for longer than a grace period): the room gets a trusted `stream` offline command (event id
 *      `reconcile:{room}:{since}`, so repeating it changes nothing), viewers get
 *      `stream_offline`, `/api/rooms` stops listing it live, and the recordings are settled
 *      as `offline`.
 *    A resumed recording gets a new id: the room is told with a trusted `stream_recording`
 *    command (compare-and-set on the room's recording id, actors/room/parts/stream.ts), so its
 *    status, `/api/recording/status`, stop on offline and the VOD link follow the new one; a
 *    room that missed it (the command failed) is told on a later pass.
 * 4. Egress recordings (cluster mode) run in LiveKit, not here: each one still `recording`
 *    that no live process heartbeats is looked up with LiveKit's `ListEgress`. Still active:
 *    this process watches it again (`adoptEgress`). Ended (its `egress_ended` webhook lost
 *    while the server was down), or unknown to LiveKit: it is finished from what is in S3 as
 *    `egress_ended` does (`finishEgress`: the segments not yet indexed, then stopped at the
 *    egress's end). A heartbeat compare-and-set makes exactly one process take each.
 *
 * Several processes may reconcile at once: closing an abandoned row is one UPDATE, and
 * acting on interrupted rows requires claiming them (compare-and-set on `resumed_by`), so
 * exactly one process starts the new recording. LiveKit unreachable: the room is left for
 * the next pass (never declared offline on an error).
 */
import { RoomClient } from "../../actors/room/client.ts";
import type { StreamView } from "../../actors/room/contract.ts";
import type { Logger } from "../../engine/log.ts";
import type { RecordingIndex, RecordingRow } from "../../actors/recording/recording_index.ts";
import type { ActorAsk, MediaService } from "../media_service.ts";
import type { EgressLister } from "./egress.ts";
import { roleFromMetadata } from "./tokens.ts";

/** What reconciliation needs of LiveKit (LivekitServerApi). */
export interface ParticipantLister {
  listParticipants(
    roomId: string,
  ): Promise<{ identity: string; metadata?: string; tracks?: unknown[]; kind?: number }[]>;
}

export interface ReconcileOptions {
  service: MediaService;
  index: RecordingIndex;
  actors: ActorAsk;
  /** Unset (LiveKit not configured): nothing is resumed or declared offline. */
  livekit?: ParticipantLister;
  /** LiveKit egress (cluster mode): egress recordings are adopted or finished. */
  egress?: EgressLister;
  log: Logger;
  /** Pass interval (ms); 0: only once, at start. */
  everyMs: number;
  /**
   * The first pass waits this long (default min(everyMs, 5 s)): webhooks LiveKit retries
   * after the restart are taken first, and the engine has settled.
   */
  firstDelayMs?: number;
  /**
   * A recording whose heartbeat is older than this is abandoned (default 3 × everyMs, at
   * least 3 s; without an interval there are no heartbeats, so no expiry).
   */
  staleMs?: number;
  /** `service.instanceId` is stable across restarts (INSTANCE_ID configured). */
  stableInstance?: boolean;
  /** More rooms the platform lists as live (registered rooms on air). */
  believedLive?: () => Promise<string[]>;
  /** After a room was put offline here (end the stream record in accounts). */
  onOffline?: (roomId: string) => Promise<void>;
  now?: () => number;
}

export interface ReconcileReport {
  closed: string[];
  resumed: { roomId: string; from: string[]; recordingId: string }[];
  offline: string[];
  settled: string[];
  skipped: { roomId: string; reason: string }[];
  /** Rooms told their resumed recording's id. */
  told: { roomId: string; recordingId: string }[];
  /** Egress recordings watched again (the egress still runs). */
  adopted: string[];
  /** Egress recordings finished from S3 (the egress ended while nobody listened). */
  finished: { recordingId: string; reason: string }[];
}

export const RECONCILE_GAP_REASON = "server_restart";

/** LiveKit participant kinds that never stream (ParticipantInfo_Kind EGRESS, AGENT). */
const NOT_STREAMERS = new Set([2, 4]);

export class RecordingReconciler {
  readonly #bornAt: number;
  readonly #now: () => number;
  readonly #rooms: RoomClient;
  #timer?: ReturnType<typeof setInterval>;
  #first?: ReturnType<typeof setTimeout>;
  #running?: Promise<ReconcileReport>;
  #closed = false;

  constructor(private readonly opts: ReconcileOptions) {
    this.#now = opts.now ?? Date.now;
    this.#rooms = new RoomClient(opts.actors);
    this.#bornAt = this.#now();
  }

  get #staleMs(): number {
    if (this.opts.staleMs !== undefined) return this.opts.staleMs;
    return this.opts.everyMs > 0 ? Math.max(3 * this.opts.everyMs, 3_000) : 10 * 365 * 86_400_000;
  }

  get #claim(): string {
    return `pending:${this.opts.service.instanceId}`.slice(0, 128);
  }

  /** A first pass after `firstDelayMs`, then one every `everyMs`. */
  start(): void {
    const every = this.opts.everyMs;
    this.#first = setTimeout(() => {
      void this.#tick();
      if (every > 0 && !this.#closed) this.#timer = setInterval(() => void this.#tick(), every);
    }, this.opts.firstDelayMs ?? Math.min(every, 5_000));
  }

  async #tick(): Promise<void> {
    try {
      await this.pass();
    } catch (err) {
      this.opts.log.warn("recording reconciliation failed", { error: err as Error });
    }
  }

  /** Run one pass (or join the one running). */
  pass(): Promise<ReconcileReport> {
    if (this.#running) return this.#running;
    const run = this.#pass().finally(() => this.#running = undefined);
    this.#running = run;
    return run;
  }

  async #pass(): Promise<ReconcileReport> {
    const { index, service, log } = this.opts;
    const report: ReconcileReport = {
      closed: [],
      resumed: [],
      offline: [],
      settled: [],
      skipped: [],
      told: [],
      adopted: [],
      finished: [],
    };
    const now = this.#now();
    const running = service.runningRecordingIds();
    await index.heartbeat(service.instanceId, running, now);
    const closed = await index.closeAbandoned({
      owner: this.opts.stableInstance ? service.instanceId : null,
      running,
      staleBefore: now - this.#staleMs,
      ownerBefore: this.#bornAt,
      reason: "process_lost",
    });
    report.closed = closed.map((r) => r.id);
    if (closed.length) log.warn("abandoned recordings closed", { recordings: report.closed });
    if (this.opts.egress) await this.#egressPass(running, now, report);

    const byRoom = new Map<string, RecordingRow[]>();
    for (const row of await index.unsettled(now - this.#staleMs)) {
      byRoom.set(row.roomId, [...(byRoom.get(row.roomId) ?? []), row]);
    }
    const extra = this.opts.believedLive
      ? await this.opts.believedLive().catch((err) => {
        log.warn("rooms on air not listed", { error: err as Error });
        return [] as string[];
      })
      : [];
    for (const roomId of new Set([...byRoom.keys(), ...extra])) {
      if (this.#closed) break;
      try {
        await this.#room(roomId, byRoom.get(roomId) ?? [], report);
      } catch (err) {
        report.skipped.push({ roomId, reason: (err as Error).message });
        log.warn("room not reconciled", { roomId, error: err as Error });
      }
    }
    return report;
  }

  async #room(roomId: string, rows: RecordingRow[], report: ReconcileReport): Promise<void> {
    const { index, service, log } = this.opts;
    const now = this.#now();
    const expired = now - this.#staleMs;
    const ids = rows.map((r) => r.id);
    const info = await this.#rooms.info(roomId);
    const stream = info.stream ?? { live: false };
    if (!stream.live) {
      // Nothing to resume; a stale "on air" in accounts is ended.
      const got = await index.claimResume(ids, this.#claim, now, expired);
      await index.settleResume(got, this.#claim, "offline", now);
      report.settled.push(...got);
      if (rows.length === 0) await this.opts.onOffline?.(roomId);
      return;
    }
    if (!this.opts.livekit) {
      report.skipped.push({ roomId, reason: "livekit_not_configured" });
      return;
    }
    const { publisher, connected } = await this.#presence(roomId, stream.streamerId);
    if (!publisher && connected) {
      report.skipped.push({ roomId, reason: "streamer_connected_not_publishing" });
      return; // joining or reconnecting: look again next pass
    }
    if (!publisher && now - (stream.since ?? 0) < Math.min(this.#staleMs, 30_000)) {
      report.skipped.push({ roomId, reason: "just_live" }); // its tracks may not be up yet
      return;
    }
    if (publisher) {
      if (rows.length === 0) {
        // live and recorded (or not) as the room decided; a missed resume is told now
        await this.#repairRoom(roomId, stream, report);
        return;
      }
      const got = await index.claimResume(ids, this.#claim, now, expired);
      if (got.length === 0) return; // another process acts on them
      const existing = service.manager?.activeForRoom(roomId)?.recordingId ??
        (await index.openRecordingsOfRoom(roomId)).find((r) => r.source === "livekit")?.id;
      if (existing) {
        await index.settleResume(got, this.#claim, existing, now);
        report.settled.push(...got);
        await this.#tellRoom(roomId, stream, existing, report);
        return;
      }
      try {
        const rec = await service.startRoomRecording(roomId, { streamerIdentity: publisher });
        const startedAt = rec.startedAt ?? now;
        const gotRows = rows.filter((r) => got.includes(r.id));
        const from = Math.max(...gotRows.map((r) => r.endedAt ?? r.startedAt));
        // The row may not be indexed yet (the recorder's event is indexed on its own chain).
        await index.ensureRecording({
          id: rec.recordingId,
          roomId,
          streamerId: publisher,
          source: "livekit",
          startedAt,
        });
        if (from < startedAt) {
          await index.putGap(rec.recordingId, {
            from,
            to: startedAt,
            reason: RECONCILE_GAP_REASON,
          });
        }
        await index.settleResume(got, this.#claim, rec.recordingId, now);
        report.resumed.push({ roomId, from: got, recordingId: rec.recordingId });
        log.info("recording resumed after a restart", {
          roomId,
          recordingId: rec.recordingId,
          interrupted: got,
        });
      } catch (err) {
        await index.settleResume(got, this.#claim, null, now); // the next pass tries again
        throw err;
      }
      await this.#tellRoom(roomId, stream, report.resumed.at(-1)!.recordingId, report);
      return;
    }
    // Live, but nobody publishes: the stream ended while nobody was listening.
    const got = await index.claimResume(ids, this.#claim, now, expired);
    const reply = await this.#rooms.stream(roomId, {
      state: "offline",
      eventId: `reconcile:${roomId}:${stream.since ?? 0}`.slice(0, 128),
      at: Math.max(now, (stream.since ?? 0) + 1),
      source: stream.source ?? "room",
      ...(stream.streamerId ? { streamerId: stream.streamerId } : {}),
    });
    await this.opts.onOffline?.(roomId);
    await index.settleResume(got, this.#claim, "offline", now);
    report.offline.push(roomId);
    report.settled.push(...got);
    log.info("stream put offline after a restart", { roomId, applied: reply.applied });
  }

  /**
   * Tell the room its stream's recording is now `recordingId` (a trusted
   * `stream_recording`, compare-and-set on the id it holds). Never throws: a room that did
   * not hear it is repaired on a later pass.
   */
  async #tellRoom(
    roomId: string,
    stream: StreamView,
    recordingId: string,
    report: ReconcileReport,
  ): Promise<void> {
    if (!stream.streamId || stream.recordingId === recordingId) return;
    try {
      const reply = await this.#rooms.streamRecording(roomId, {
        streamId: stream.streamId,
        replaces: stream.recordingId ?? null,
        recordingId,
      });
      if (reply.applied) report.told.push({ roomId, recordingId });
    } catch (err) {
      this.opts.log.warn("room not told its resumed recording", {
        roomId,
        recordingId,
        error: err as Error,
      });
    }
  }

  /**
   * A live room whose recording id names an interrupted recording already resumed (the
   * room was not told, or not yet): follow `resumed_by` to the recording that carries on.
   */
  async #repairRoom(roomId: string, stream: StreamView, report: ReconcileReport): Promise<void> {
    let id = stream.recordingId;
    if (!id) return;
    const { index } = this.opts;
    for (let hop = 0; hop < 16; hop++) {
      const row = await index.recording(id);
      if (!row || row.roomId !== roomId) return;
      if (row.state !== "interrupted") break;
      const next = await index.resumedBy(id);
      if (!next?.startsWith("rec_")) return; // not resumed (yet)
      id = next;
    }
    if (id !== stream.recordingId) await this.#tellRoom(roomId, stream, id, report);
  }

  /** Egress recordings nobody watches: adopt the running ones, finish the ended ones. */
  async #egressPass(running: string[], now: number, report: ReconcileReport): Promise<void> {
    const { index, service, log } = this.opts;
    const staleBefore = now - this.#staleMs;
    for (const row of await index.staleEgress(staleBefore, running)) {
      if (this.#closed) return;
      try {
        if (!row.sourceRef) {
          // its egress never started (the start failed or the process died meanwhile)
          if (!(await index.claimEgress(row.id, service.instanceId, now, staleBefore))) continue;
          await service.finishEgress(row, "failed");
          report.finished.push({ recordingId: row.id, reason: "egress_not_started" });
          continue;
        }
        const state = await this.opts.egress!.egressState(row.sourceRef);
        if (!(await index.claimEgress(row.id, service.instanceId, now, staleBefore))) continue;
        if (state?.active) {
          service.adoptEgress(row);
          report.adopted.push(row.id);
          log.info("egress recording watched again after a restart", {
            recordingId: row.id,
            egressId: row.sourceRef,
          });
          continue;
        }
        const reason = state === null ? "source_lost" : state.failed ? "failed" : "stream_ended";
        await service.finishEgress(row, reason, state?.endedAt);
        report.finished.push({ recordingId: row.id, reason: state?.status ?? "unknown_egress" });
        log.info("egress recording finished after a restart", {
          recordingId: row.id,
          egressId: row.sourceRef,
          status: state?.status ?? "unknown",
        });
      } catch (err) {
        report.skipped.push({ roomId: row.roomId, reason: (err as Error).message });
        log.warn("egress recording not reconciled", { recordingId: row.id, error: err as Error });
      }
    }
  }

  /**
   * The identity publishing as the streamer (`null`: nobody), and whether a possible
   * streamer is connected at all; throws if LiveKit fails.
   */
  async #presence(
    roomId: string,
    streamerId: string | undefined,
  ): Promise<{ publisher: string | null; connected: boolean }> {
    let list: Awaited<ReturnType<ParticipantLister["listParticipants"]>>;
    try {
      list = await this.opts.livekit!.listParticipants(roomId);
    } catch (err) {
      const e = err as { status?: number; code?: string; message?: string };
      const gone = e.status === 404 || e.code === "not_found" ||
        /does not exist|not found/i.test(e.message ?? "");
      if (!gone) throw err;
      list = []; // the LiveKit room is gone: nobody publishes
    }
    const streamers = list.filter((p) =>
      !p.identity.startsWith("recorder-") && roleFromMetadata(p.metadata) !== "viewer" &&
      !NOT_STREAMERS.has(p.kind ?? 0)
    );
    const publishing = streamers.filter((p) => (p.tracks?.length ?? 0) > 0);
    const publisher = publishing.find((p) => p.identity === streamerId) ?? publishing[0];
    return { publisher: publisher?.identity ?? null, connected: streamers.length > 0 };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#first);
    clearInterval(this.#timer);
    await this.#running?.catch(() => {});
  }
}
