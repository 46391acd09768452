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

/**
 * A window of a planned recording (the Douyin document's API: `segment_time` windows counted
 * from the recording's start) is stored as one MP4 (media/recorder/windows.ts).
 */
export interface WindowReady {
  type: "window_ready";
  recordingId: string;
  roomId: string;
  seq: number;
  /** The MP4's object key (`records/{platform}/{anchor}/{date}/...mp4`). */
  key: string;
  /** The window's exact bounds, ms since the epoch (the last one ends with the recording). */
  startAt: number;
  endAt: number;
  /** What the MP4 holds (whole segments, each in the window its start falls in). */
  mediaStartAt: number;
  mediaEndAt: number;
  segments: number;
  bytes: number;
}

export type RecordingEvent =
  | SegmentReady
  | WindowReady
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
    /** `media_server_lost`: cut short by the media server going away (to be resumed). */
    reason: "requested" | "stream_ended" | "source_lost" | "failed" | "media_server_lost";
    segments: number;
  };

export type RecordingEventListener = (event: RecordingEvent) => void;

/** In-process fan-out; a listener's exception never reaches the others or the emitter. */
class FanOut<T> {
  protected readonly listeners = new Set<(value: T) => void>();

  subscribe(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(value: T): void {
    for (const l of this.listeners) {
      try {
        l(value);
      } catch { /* a listener's problem stays its own */ }
    }
  }
}

/** In-process fan-out of recording events; a listener's exception never reaches others. */
export class RecordingEventHub extends FanOut<RecordingEvent> {
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

/** One audio frame of a recording's live source (16-bit PCM, see LivekitSource). */
export interface RecordingAudioFrame {
  recordingId: string;
  roomId: string;
  /** Whose microphone (the streamer or a guest on stage; a LiveKit identity = user id). */
  speaker: { identity: string; name: string };
  samples: Int16Array;
  sampleRate: number;
  channels: number;
  /** Wall clock of the frame's first sample, ms since the epoch. */
  at: number;
  /** Offset of the frame in the recording (ms); null while the recorder is not writing. */
  vodMs: number | null;
}

export type RecordingAudioListener = (frame: RecordingAudioFrame) => void;

/**
 * In-process fan-out of live audio frames (live captions). Listeners are called
 * synchronously from the recorder's audio pump and must not block; `recording_started`
 * with `source: "livekit"` announces a recording whose audio comes here.
 */
export class RecordingAudioHub extends FanOut<RecordingAudioFrame> {
  get listening(): boolean {
    return this.listeners.size > 0;
  }
}

/** A sampled picture of a participant of a room recording (liveness checks). */
export interface RecordingVideoSample {
  recordingId: string;
  roomId: string;
  /** Whose camera (the streamer or a guest on stage; a LiveKit identity = user id). */
  identity: string;
  /** Wall clock, ms since the epoch. */
  at: number;
  width: number;
  height: number;
  /** Interleaved RGB bytes. */
  rgb: Uint8Array;
}

/**
 * In-process fan-out of sampled live pictures (`LIVE_FRAME_SAMPLE_MS` apart per participant).
 * Listeners are called synchronously from the recorder's video pump and must not block.
 */
export class RecordingVideoHub extends FanOut<RecordingVideoSample> {
  get listening(): boolean {
    return this.listeners.size > 0;
  }
}
