/**
 * Cluster mode: LiveKit egress writes segmented HLS straight to S3. This watcher turns
 * that into the same events as the recorder agent: it polls the recording's playlist in
 * S3 while the egress runs (egress_started → egress_ended webhooks) and emits
 * `segment_ready` for each new segment, in order, exactly once.
 *
 * The egress runs in LiveKit, not in this process: closing the watcher stops watching but
 * does not end the recording (it stays `recording`). After a restart the reconciler
 * (media/livekit/reconcile.ts) asks LiveKit about the egress and `adopt`s the recording
 * again — rescanning from the start: a repeated `segment_ready` is answered by its
 * SegmentActor from its state — to keep watching it or to `finish` it from what is in S3.
 */
import type { Logger } from "../../engine/log.ts";
import { parseMediaPlaylist } from "../hls.ts";
import type { ObjectStore } from "../object_store.ts";
import { playlistKey, recordingPrefix } from "../../actors/recording/storage_keys.ts";
import type { RecordingEventHub } from "./events.ts";

interface Watch {
  recordingId: string;
  roomId: string;
  startedAt: number;
  reported: number;
  nextStartAt: number;
  timer: ReturnType<typeof setInterval>;
  scanning: Promise<void>;
}

export class EgressWatcher {
  readonly #watches = new Map<string, Watch>();

  constructor(
    private readonly opts: {
      objects: ObjectStore;
      events: RecordingEventHub;
      log: Logger;
      pollMs?: number;
      clock?: () => number;
    },
  ) {}

  isWatching(recordingId: string): boolean {
    return this.#watches.has(recordingId);
  }

  /** The recordings watched now. */
  watching(): string[] {
    return [...this.#watches.keys()];
  }

  /** Egress started for `recordingId` (its egress id) writing under the room's prefix. */
  start(recordingId: string, roomId: string, startedAt: number): void {
    if (this.#watch(recordingId, roomId, startedAt)) {
      this.opts.events.emit({
        type: "recording_started",
        recordingId,
        roomId,
        source: "egress",
        at: startedAt,
      });
    }
  }

  /**
   * Watch a recording whose egress was started before (by another process, or this one's
   * previous life): no `recording_started`, its segments are reported from the first one.
   */
  adopt(recordingId: string, roomId: string, startedAt: number): void {
    this.#watch(recordingId, roomId, startedAt);
  }

  #watch(recordingId: string, roomId: string, startedAt: number): boolean {
    if (this.#watches.has(recordingId)) return false;
    const watch: Watch = {
      recordingId,
      roomId,
      startedAt,
      reported: 0,
      nextStartAt: startedAt,
      timer: setInterval(() => this.#poll(watch), this.opts.pollMs ?? 2_000),
      scanning: Promise.resolve(),
    };
    this.#watches.set(recordingId, watch);
    return true;
  }

  /**
   * Egress ended: one last scan, then `recording_stopped` at `at` (default now;
   * `"last_segment"`: where its last segment ends, for an end seen late).
   */
  async finish(
    recordingId: string,
    reason: "stream_ended" | "failed" | "source_lost" = "stream_ended",
    at?: number | "last_segment",
  ): Promise<void> {
    const watch = this.#watches.get(recordingId);
    if (!watch) return;
    this.#watches.delete(recordingId);
    clearInterval(watch.timer);
    await this.#poll(watch);
    this.opts.events.emit({
      type: "recording_stopped",
      recordingId,
      roomId: watch.roomId,
      at: at === "last_segment" ? watch.nextStartAt : at ?? (this.opts.clock ?? Date.now)(),
      reason,
      segments: watch.reported,
    });
  }

  /**
   * Stop watching (shutdown) after one last scan. The egresses run on in LiveKit: their
   * recordings stay `recording` for the reconciler to adopt (the ids are returned).
   */
  async close(): Promise<string[]> {
    const ids = [...this.#watches.keys()];
    for (const id of ids) {
      const watch = this.#watches.get(id)!;
      this.#watches.delete(id);
      clearInterval(watch.timer);
      await this.#poll(watch);
    }
    return ids;
  }

  #poll(watch: Watch): Promise<void> {
    watch.scanning = watch.scanning.then(() => this.#scan(watch)).catch((err) =>
      this.opts.log.warn("egress playlist scan failed", {
        recordingId: watch.recordingId,
        error: err as Error,
      })
    );
    return watch.scanning;
  }

  async #scan(watch: Watch): Promise<void> {
    const text = await this.opts.objects.getText(playlistKey(watch.roomId, watch.recordingId));
    if (text === undefined) return;
    const playlist = parseMediaPlaylist(text);
    const prefix = recordingPrefix(watch.roomId, watch.recordingId);
    while (watch.reported < playlist.segments.length) {
      const s = playlist.segments[watch.reported];
      const seq = playlist.mediaSequence + watch.reported;
      const key = s.uri.includes("/") ? s.uri : prefix + s.uri;
      const startAt = s.programDateTime ?? watch.nextStartAt;
      const endAt = Math.round(startAt + s.durationSec * 1000);
      watch.reported++;
      watch.nextStartAt = endAt;
      this.opts.events.emit({
        type: "segment_ready",
        recordingId: watch.recordingId,
        roomId: watch.roomId,
        seq,
        key,
        startAt,
        endAt,
        durationSec: s.durationSec,
        bytes: 0,
      });
    }
  }
}
