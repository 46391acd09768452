/** What recordings tell the world (SSE `GET /api/recording/events`, the room actor, tests). */

export interface SegmentReady {
  type: "segment_ready";
  recordingId: string;
  roomId: string;
  seq: number;
  key: string;
  /** Wall-clock span, ms since the epoch. */
  startAt: number;
  endAt: number;
  durationSec: number;
  bytes: number;
}

export type RecordingEvent =
  | SegmentReady
  | {
    type: "recording_started";
    recordingId: string;
    roomId: string;
    source: "livekit" | "url" | "egress";
    at: number;
  }
  | {
    type: "recording_paused";
    recordingId: string;
    roomId: string;
    reason: "disk_low" | "bucket_quota";
    at: number;
  }
  | { type: "recording_resumed"; recordingId: string; roomId: string; at: number }
  | {
    type: "recording_gap";
    recordingId: string;
    roomId: string;
    /** Wall-clock span with no media, ms since the epoch. */
    from: number;
    to: number;
    reason: "encoder_restart" | "paused" | "source_lost";
  }
  | {
    type: "recording_stopped";
    recordingId: string;
    roomId: string;
    at: number;
    reason: "requested" | "stream_ended" | "source_lost" | "failed";
    segments: number;
  };

export type RecordingEventListener = (event: RecordingEvent) => void;

/** In-process fan-out of recording events; a listener's exception never reaches others. */
export class RecordingEventHub {
  readonly #listeners = new Set<RecordingEventListener>();

  subscribe(listener: RecordingEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: RecordingEvent): void {
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch { /* a listener's problem stays its own */ }
    }
  }

  /** The next event matching `pred` (tests, waiting for a state). */
  next<E extends RecordingEvent>(
    pred: (e: RecordingEvent) => e is E,
    timeoutMs?: number,
  ): Promise<E>;
  next(pred: (e: RecordingEvent) => boolean, timeoutMs?: number): Promise<RecordingEvent>;
  next(pred: (e: RecordingEvent) => boolean, timeoutMs = 30_000): Promise<RecordingEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no matching recording event within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.subscribe((e) => {
        if (!pred(e)) return;
        clearTimeout(timer);
        off();
        resolve(e);
      });
    });
  }
}
