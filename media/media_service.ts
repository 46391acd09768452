/**
 * The media side of a Synapse process, wired together: verified LiveKit events start and
 * stop recordings (recorder agent, or egress watched in S3), every recording event is
 * written to the index, and each `segment_ready` is sent to its SegmentActor.
 */
import { SEGMENT_ACTOR_TYPE, segmentActorId } from "../actors/segment/messages.ts";
import type { Logger } from "../engine/log.ts";
import { MediaError } from "./errors.ts";
import type { RecordingIndex, RecordingRow } from "../actors/recording/recording_index.ts";
import type { EgressStarter } from "./livekit/egress.ts";
import type { StreamEvent } from "./livekit/webhooks.ts";
import { publishesTheStream } from "./livekit/stream_state.ts";
import { EgressWatcher } from "./recorder/egress_watcher.ts";
import { MEDIA_SERVER_LOST } from "./recorder/session.ts";
import { type RecordingEvent, RecordingEventHub } from "./recorder/events.ts";
import { newRecordingId, type RecordingManager } from "./recorder/manager.ts";
import type { ObjectStore } from "./object_store.ts";

/** Anything that can ask an actor (ActorClient, ActorSystem). */
export interface ActorAsk {
  ask<R>(type: string, id: string, msg: unknown): Promise<R>;
}

export interface MediaServiceOptions {
  objects: ObjectStore;
  index: RecordingIndex;
  actors: ActorAsk;
  log: Logger;
  /** The recorder agent (embedded mode); unset where egress records. */
  manager?: RecordingManager;
  /** Cluster mode: record through LiveKit egress (takes precedence over the recorder agent). */
  egressStarter?: EgressStarter;
  egressSegmentSeconds?: number;
  /** Start recording when a streamer publishes (default true). */
  autoRecord?: boolean;
  egressPollMs?: number;
  /**
   * Names this process as the owner of the recordings it runs (the index's `owner`, see
   * media/livekit/reconcile.ts); default: a random id per process.
   */
  instanceId?: string;
}

export class MediaService {
  readonly events: RecordingEventHub;
  readonly egress: EgressWatcher;
  readonly #chains = new Map<string, Promise<void>>();
  readonly #streamers = new Map<string, string>();
  readonly #off: () => void;
  readonly #pending = new Set<Promise<unknown>>();
  /** Egress id → the recording it writes (also in the index as `source_ref`). */
  readonly #egress = new Map<string, { recordingId: string; roomId: string }>();
  readonly #egressStarting = new Set<string>();
  /** Room → its running egress (until egress_ended). */
  readonly #liveEgress = new Map<string, string>();

  /** Owner id written on the recordings this process runs. */
  readonly instanceId: string;

  constructor(private readonly opts: MediaServiceOptions) {
    this.instanceId = opts.instanceId ?? `media-${crypto.randomUUID()}`;
    this.events = opts.manager?.events ?? new RecordingEventHub();
    this.egress = new EgressWatcher({
      objects: opts.objects,
      events: this.events,
      log: opts.log,
      pollMs: opts.egressPollMs,
    });
    this.#off = this.events.subscribe((e) => this.#enqueue(e));
  }

  get manager(): RecordingManager | undefined {
    return this.opts.manager;
  }

  /** Wait until every recording event seen so far is indexed (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.#chains.size > 0 || this.#pending.size > 0) {
      await Promise.all([...this.#chains.values(), ...this.#pending]);
    }
  }

  /** Per recording, events are indexed in order; recordings run side by side. */
  #enqueue(event: RecordingEvent): void {
    const id = event.recordingId;
    const next = (this.#chains.get(id) ?? Promise.resolve())
      .then(() => this.#index(event))
      .catch((err) =>
        this.opts.log.error("indexing a recording event failed", {
          type: event.type,
          recordingId: id,
          error: err as Error,
        })
      );
    this.#chains.set(id, next);
    void next.then(() => {
      if (this.#chains.get(id) === next) this.#chains.delete(id);
    });
  }

  async #index(e: RecordingEvent): Promise<void> {
    const { index } = this.opts;
    switch (e.type) {
      case "recording_started": {
        const status = this.opts.manager?.status(e.recordingId);
        await index.upsertRecording({
          id: e.recordingId,
          roomId: e.roomId,
          streamerId: this.#streamers.get(e.roomId) ?? null,
          source: e.source,
          sourceRef: status?.describe ?? null,
          state: "recording",
          startedAt: e.at,
          owner: this.instanceId,
        });
        return;
      }
      case "segment_ready":
        await this.opts.actors.ask(SEGMENT_ACTOR_TYPE, segmentActorId(e.recordingId, e.seq), {
          kind: "segment_ready",
          recordingId: e.recordingId,
          roomId: e.roomId,
          seq: e.seq,
          key: e.key,
          startAt: e.startAt,
          endAt: e.endAt,
          durationSec: e.durationSec,
          bytes: e.bytes,
          streamerId: this.#streamers.get(e.roomId),
          source: this.opts.manager?.status(e.recordingId)?.source ?? "egress",
        });
        return;
      case "recording_gap":
        await index.putGap(e.recordingId, { from: e.from, to: e.to, reason: e.reason });
        return;
      case "recording_paused":
      case "recording_resumed":
        await this.#setState(e.recordingId, e.type === "recording_paused" ? "paused" : "recording");
        return;
      case "recording_stopped": {
        const row = await index.recording(e.recordingId);
        if (!row) return;
        if (e.reason === MEDIA_SERVER_LOST) {
          // Cut short under a live stream: the reconciler resumes it once the streamer
          // publishes again (a new recording, the hole a gap), or settles it if the room
          // went offline meanwhile.
          await index.markInterrupted([e.recordingId], MEDIA_SERVER_LOST);
          return;
        }
        await index.upsertRecording({
          ...row,
          state: e.reason === "failed" || e.reason === "source_lost" ? "failed" : "stopped",
          endedAt: e.at,
          endReason: e.reason,
        });
        return;
      }
    }
  }

  async #setState(recordingId: string, state: "paused" | "recording"): Promise<void> {
    const row = await this.opts.index.recording(recordingId);
    if (row) await this.opts.index.upsertRecording({ ...row, state });
  }

  /**
   * React to a verified LiveKit event. Never throws: recording problems are logged, the
   * webhook is still acknowledged.
   */
  onStreamEvent(ev: StreamEvent): void {
    const track = (p: Promise<unknown>) => {
      this.#pending.add(p);
      void p.catch((err) =>
        this.opts.log.warn("stream event handling failed", {
          kind: ev.kind,
          roomId: ev.roomId,
          error: err as Error,
        })
      )
        .finally(() => this.#pending.delete(p));
    };
    const manager = this.opts.manager;
    switch (ev.kind) {
      case "track_published": {
        // Only the stream's publisher owns the room's recording: a guest on stage publishing
        // first, or leaving, must neither start it as the streamer nor stop it (the recorder
        // composes guests into the streamer's recording).
        const who = ev.participant;
        if (!publishesTheStream(who)) return;
        this.#streamers.set(ev.roomId, who.identity);
        if (!(this.opts.autoRecord ?? true)) return;
        if (this.opts.egressStarter) track(this.#startEgress(ev.roomId));
        else if (manager && !manager.activeForRoom(ev.roomId)) {
          track(manager.startRoom(ev.roomId, { streamerIdentity: who.identity }));
        }
        return;
      }
      case "participant_left":
        if (manager && ev.participant?.identity === this.#streamers.get(ev.roomId)) {
          track(manager.stopRoom(ev.roomId));
        }
        return;
      case "room_finished":
        this.#streamers.delete(ev.roomId);
        if (manager) track(manager.stopRoom(ev.roomId));
        return;
      case "egress_started":
        if (ev.egress) track(this.#egressStarted(ev.egress.egressId, ev.roomId, ev.at));
        return;
      case "egress_ended":
        if (ev.egress) {
          const reason = ev.egress.error ? "failed" : "stream_ended";
          const egressId = ev.egress.egressId;
          if (this.#liveEgress.get(ev.roomId) === egressId) this.#liveEgress.delete(ev.roomId);
          track(
            this.#egressRecording(egressId).then(async (rec) => {
              if (!rec) return;
              if (this.egress.isWatching(rec.recordingId)) {
                return await this.egress.finish(rec.recordingId, reason);
              }
              // Started before a restart and not adopted yet: finish it from S3 now.
              const row = await this.opts.index.recording(rec.recordingId);
              if (row?.state === "recording" || row?.state === "paused") {
                await this.finishEgress(row, reason);
              }
            }),
          );
        }
        return;
      default:
        return;
    }
  }

  /** Start an egress for the room unless one runs; its recording row is written first. */
  async #startEgress(roomId: string): Promise<string | undefined> {
    if (this.#egressStarting.has(roomId)) return undefined;
    const live = this.#liveEgress.get(roomId);
    if (live) return this.#egress.get(live)?.recordingId;
    this.#egressStarting.add(roomId);
    try {
      const recordingId = newRecordingId();
      await this.opts.index.upsertRecording({
        id: recordingId,
        roomId,
        streamerId: this.#streamers.get(roomId) ?? null,
        source: "egress",
        state: "recording",
        startedAt: Date.now(),
      });
      const egressId = await this.opts.egressStarter!.start(
        roomId,
        recordingId,
        this.opts.egressSegmentSeconds ?? 6,
      ).catch(async (err) => {
        // nothing records it: the row must not stay `recording`
        await this.opts.index.upsertRecording({
          id: recordingId,
          roomId,
          source: "egress",
          state: "failed",
          startedAt: Date.now(),
          endedAt: Date.now(),
          endReason: "failed",
        });
        throw err;
      });
      this.#egress.set(egressId, { recordingId, roomId });
      this.#liveEgress.set(roomId, egressId);
      await this.opts.index.upsertRecording({
        id: recordingId,
        roomId,
        source: "egress",
        sourceRef: egressId,
        state: "recording",
        startedAt: Date.now(),
      });
      return recordingId;
    } finally {
      this.#egressStarting.delete(roomId);
    }
  }

  /** The recording an egress writes: from memory, else from the index (another edge started it). */
  async #egressRecording(
    egressId: string,
  ): Promise<{ recordingId: string; roomId: string } | undefined> {
    const known = this.#egress.get(egressId);
    if (known) return known;
    const row = await this.opts.index.recordingBySourceRef(egressId);
    if (!row) return undefined;
    const rec = { recordingId: row.id, roomId: row.roomId };
    this.#egress.set(egressId, rec);
    return rec;
  }

  async #egressStarted(egressId: string, roomId: string, at: number): Promise<void> {
    // The egress may report before start() returned: wait briefly for the mapping.
    for (let i = 0; i < 50; i++) {
      const rec = await this.#egressRecording(egressId);
      if (rec) {
        this.egress.start(rec.recordingId, rec.roomId, at);
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    this.opts.log.warn("egress started for an unknown recording", { egressId, roomId });
  }

  /**
   * Start recording a room's live stream on request: through egress where it is deployed,
   * else with the recorder agent. Idempotent per room.
   */
  async startRoomRecording(
    roomId: string,
    opts: { streamerIdentity?: string } = {},
  ): Promise<{ recordingId: string; roomId: string; source: string; startedAt?: number }> {
    if (opts.streamerIdentity) this.#streamers.set(roomId, opts.streamerIdentity);
    if (this.opts.egressStarter) {
      const recordingId = await this.#startEgress(roomId);
      if (!recordingId) {
        throw new MediaError("recording_starting", "a recording of this room is starting", 409);
      }
      return { recordingId, roomId, source: "egress" };
    }
    if (!this.opts.manager) {
      throw new MediaError("recorder_unavailable", "no recorder runs on this server", 503);
    }
    const status = await this.opts.manager.startRoom(roomId, {
      streamerIdentity: this.#streamers.get(roomId),
    });
    return status;
  }

  /**
   * Recordings this process runs now: the recorder agent's, and the egress recordings it
   * started or watches (their heartbeat keeps other reconcilers from adopting them).
   */
  runningRecordingIds(): string[] {
    return [
      ...new Set([
        ...(this.opts.manager?.list().map((s) => s.recordingId) ?? []),
        ...this.egress.watching(),
        ...this.#startedEgress(),
      ]),
    ];
  }

  /** Recordings of the egresses this process started that have not ended. */
  #startedEgress(): string[] {
    return [...this.#liveEgress.values()].flatMap((id) => {
      const rec = this.#egress.get(id);
      return rec ? [rec.recordingId] : [];
    });
  }

  /**
   * An egress recording whose egress still runs in LiveKit but that nobody watches (started
   * before a restart): watch it again, so its segments are indexed and `egress_ended`
   * finishes it (media/livekit/reconcile.ts).
   */
  adoptEgress(row: RecordingRow): void {
    if (!row.sourceRef) return;
    this.#egress.set(row.sourceRef, { recordingId: row.id, roomId: row.roomId });
    this.#liveEgress.set(row.roomId, row.sourceRef);
    this.egress.adopt(row.id, row.roomId, row.startedAt);
  }

  /**
   * Finish an egress recording whose end nobody saw (the server was down, or it was not
   * watched): its segments are taken from S3 as `egress_ended` does, then it is stopped —
   * at `endedAt` when LiveKit says when the egress ended, else at its last segment's end.
   */
  async finishEgress(
    row: RecordingRow,
    reason: "stream_ended" | "failed" | "source_lost",
    endedAt?: number,
  ): Promise<void> {
    if (row.sourceRef) {
      this.#egress.set(row.sourceRef, { recordingId: row.id, roomId: row.roomId });
      if (this.#liveEgress.get(row.roomId) === row.sourceRef) this.#liveEgress.delete(row.roomId);
    }
    this.egress.adopt(row.id, row.roomId, row.startedAt);
    await this.egress.finish(row.id, reason, endedAt ?? "last_segment");
  }

  /**
   * Stop a recording (recorder agent or egress); unknown ids are `recording_not_found`. An
   * interrupted recording (a restart) stops the recording that resumed it.
   */
  async stopRecording(recordingId: string): Promise<{ recordingId: string; roomId: string }> {
    const manager = this.opts.manager;
    if (manager?.status(recordingId)) return await manager.stop(recordingId);
    const row = await this.opts.index.recording(recordingId);
    if (!row) throw new MediaError("recording_not_found", `no recording ${recordingId}`, 404);
    if (row.state === "interrupted") {
      let next = await this.opts.index.resumedBy(recordingId);
      for (let hop = 0; next?.startsWith("rec_") && hop < 16; hop++) {
        if (manager?.session(next)) {
          await manager.stop(next);
          break;
        }
        const nextRow = await this.opts.index.recording(next);
        if (nextRow?.state !== "interrupted") break;
        next = await this.opts.index.resumedBy(next);
      }
      return { recordingId, roomId: row.roomId };
    }
    if (
      row.source === "egress" && row.sourceRef && row.state === "recording" &&
      this.opts.egressStarter
    ) {
      await this.opts.egressStarter.stop(row.sourceRef); // egress_ended webhook closes it
    }
    return { recordingId, roomId: row.roomId };
  }

  /** Room of a recording, live or indexed. */
  async roomOf(recordingId: string): Promise<string | undefined> {
    return this.opts.manager?.status(recordingId)?.roomId ??
      (await this.opts.index.recording(recordingId))?.roomId;
  }

  /**
   * Stop everything. Room recordings cut short here are marked `interrupted` (the rooms are
   * still live): the reconciler of the next process, or of another one, resumes them.
   */
  async close(): Promise<void> {
    // Egresses run on in LiveKit: their recordings stay `recording`, released at once to
    // the reconciler of the next process (or another one), which adopts or finishes them.
    const started = this.#startedEgress();
    const watched = [...new Set([...(await this.egress.close()), ...started])];
    const cut = this.opts.manager?.list().filter((s) => s.source === "livekit")
      .map((s) => s.recordingId) ?? [];
    await this.opts.manager?.close();
    await this.settled();
    this.#off();
    await this.opts.index.markInterrupted(cut, "server_shutdown").catch((err) =>
      this.opts.log.warn("recordings not marked interrupted", { error: err as Error })
    );
    await this.opts.index.releaseEgress(watched, this.instanceId).catch((err) =>
      this.opts.log.warn("egress recordings not released", { error: err as Error })
    );
  }
}
