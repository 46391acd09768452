/**
 * A room's stream: live or offline, as LiveKit's verified webhooks say (the edge builds the
 * `stream` command in media/livekit/stream_state.ts; it is never built from a viewer's
 * frame). Each change is idempotent per webhook event id (a bounded, persisted memory of
 * seen ids) and ordered by the event's time (a late, older event changes nothing). Going
 * live tells viewers (`system` event `stream_live`), and asks the recording port to start a
 * recording; going offline tells viewers (`stream_offline`) and stops it.
 *
 * The recording port does I/O, so the room never waits for it inside its mailbox: the
 * result comes back as the room's own `recording_started` message (`ctx.self`, in process),
 * and a recording that started for a stream already over is stopped at once.
 *
 * After a server restart the recording of a still-live stream is resumed as a new recording
 * by the reconciler (media/livekit/reconcile.ts), which runs outside the room: it tells the
 * room with an internal `stream_recording` command (like `stream`: sent inside the internal
 * envelope by `RoomClient`, see `contract.ts`). It is a compare-and-set on the room's recording id (`replaces`), for
 * the stream it names, so a stale or repeated command changes nothing; for a stream that is
 * over, the new recording is stopped. Status, `/api/recording/status`, stop on offline and
 * the VOD link then all read the new id.
 */
import { z } from "zod";
import { type ActorContext, ActorError } from "../../engine/actor.ts";
import {
  type RoomEvent,
  type StreamCommand,
  type StreamRecordingCommand,
  type StreamReply,
  StreamSource,
  type StreamView,
} from "./contract.ts";
import type { RoomRecordingPort } from "./ports.ts";

/** Webhook event ids remembered per room (enough for every retry LiveKit makes). */
const SEEN_IDS = 256;
/** While live, the room stays active (and listed) with this keep-alive timer. */
export const STREAM_TIMER = "stream";

/** Persisted with the room (`state.stream`). */
export interface StreamState {
  live: boolean;
  streamId: string | null;
  /** When the current (or last) stream went live. */
  since: number | null;
  endedAt: number | null;
  source: z.infer<typeof StreamSource> | null;
  streamerId: string | null;
  /** The current stream's recording, once the recorder reported it. */
  recordingId: string | null;
  /** Time of the last event that changed the state (older events are ignored). */
  changedAt: number;
  /** Recent webhook event ids, oldest first. */
  seen: string[];
}

export function initialStreamState(): StreamState {
  return {
    live: false,
    streamId: null,
    since: null,
    endedAt: null,
    source: null,
    streamerId: null,
    recordingId: null,
    changedAt: 0,
    seen: [],
  };
}

const PersistedStream = z.object({
  live: z.boolean().catch(false),
  streamId: z.string().nullable().catch(null),
  since: z.number().nullable().catch(null),
  endedAt: z.number().nullable().catch(null),
  source: StreamSource.nullable().catch(null),
  streamerId: z.string().nullable().catch(null),
  recordingId: z.string().nullable().catch(null),
  changedAt: z.number().catch(0),
  seen: z.array(z.string()).catch([]),
});

export type WithStream<S> = S & { stream?: StreamState };

/** Restores `stream` from persisted room state (damaged: back to offline, nothing seen). */
export function restoreStreamState<S extends object>(state: S, raw: unknown): WithStream<S> {
  const s = typeof raw === "object" && raw !== null
    ? (raw as { stream?: unknown }).stream
    : undefined;
  if (s === undefined) return state;
  const parsed = PersistedStream.safeParse(s);
  return Object.assign(state, {
    stream: parsed.success ? parsed.data : initialStreamState(),
  });
}

export interface RoomStreamHooks {
  /** Queue an event for the room's next batch. */
  emit(event: RoomEvent): void;
  /** Publish the room's status now (the directory shows live rooms first). */
  statusChanged(): void;
}

export class RoomStream {
  readonly #state: { stream?: StreamState };

  constructor(
    private readonly ctx: ActorContext,
    /** The room's persisted state; this class owns its `stream` field. */
    state: object,
    private readonly port: RoomRecordingPort | undefined,
    private readonly hooks: RoomStreamHooks,
    private readonly keepAliveMs: number,
  ) {
    this.#state = state as { stream?: StreamState };
  }

  get #s(): StreamState {
    return this.#state.stream ??= initialStreamState();
  }

  get live(): boolean {
    return this.#state.stream?.live ?? false;
  }

  /** After activation: a live room keeps itself active. */
  onActivate(): void {
    if (this.live) this.ctx.setInterval(STREAM_TIMER, this.keepAliveMs, { keepAlive: true });
  }

  view(): StreamView {
    const s = this.#state.stream;
    if (!s) return { live: false };
    const v: StreamView = { live: s.live };
    if (s.streamId !== null) v.streamId = s.streamId;
    if (s.since !== null) v.since = s.since;
    if (!s.live && s.endedAt !== null) v.endedAt = s.endedAt;
    if (s.source !== null) v.source = s.source;
    if (s.streamerId !== null) v.streamerId = s.streamerId;
    if (s.recordingId !== null) v.recordingId = s.recordingId;
    return v;
  }

  /** `stream`: live or offline, from a verified webhook. */
  apply(cmd: StreamCommand): Promise<StreamReply> {
    return this.#apply(cmd);
  }

  /** `stream_recording`: the reconciler resumed the stream's recording. */
  replaceRecording(cmd: StreamRecordingCommand): Promise<StreamReply> {
    return this.#recordingReplaced(cmd);
  }

  async #apply(cmd: StreamCommand): Promise<StreamReply> {
    const s = this.#s;
    if (s.seen.includes(cmd.eventId)) {
      return { ok: true, applied: false, duplicate: true, stream: this.view() };
    }
    s.seen.push(cmd.eventId);
    if (s.seen.length > SEEN_IDS) s.seen.splice(0, s.seen.length - SEEN_IDS);
    const changes = cmd.at >= s.changedAt && (cmd.state === "live") !== s.live;
    if (!changes) {
      await this.ctx.persist(); // the id is remembered either way
      return { ok: true, applied: false, stream: this.view() };
    }
    s.changedAt = cmd.at;
    if (cmd.state === "live") this.#goLive(cmd);
    else this.#goOffline(cmd);
    await this.ctx.persist();
    this.hooks.statusChanged();
    return { ok: true, applied: true, stream: this.view() };
  }

  #goLive(cmd: StreamCommand): void {
    const s = this.#s;
    s.live = true;
    s.streamId = cmd.streamId ?? `st_${cmd.eventId.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 48)}`;
    s.since = cmd.at;
    s.endedAt = null;
    s.source = cmd.source;
    s.streamerId = cmd.streamerId ?? null;
    s.recordingId = null;
    this.ctx.setInterval(STREAM_TIMER, this.keepAliveMs, { keepAlive: true });
    this.hooks.emit({ t: "system", code: "stream_live", text: "the stream is live", at: cmd.at });
    this.ctx.log.info("stream live", { streamId: s.streamId, source: cmd.source });
    const port = this.port;
    if (!port) return;
    const streamId = s.streamId;
    port.start(this.ctx.id, { streamId, streamerId: cmd.streamerId })
      .then(({ recordingId }) => {
        if (!this.ctx.self({ kind: "recording_started", streamId, recordingId })) {
          // the activation stopped meanwhile; the reconciler repairs the room's recording id
          this.ctx.log.warn("recording started after the room stopped", { streamId, recordingId });
        }
      })
      .catch((err) => this.ctx.log.warn("recording did not start", { streamId, err }));
  }

  #goOffline(cmd: StreamCommand): void {
    const s = this.#s;
    const recordingId = s.recordingId;
    s.live = false;
    s.endedAt = cmd.at;
    s.recordingId = null;
    this.ctx.clearTimer(STREAM_TIMER);
    this.hooks.emit({
      t: "system",
      code: "stream_offline",
      text: "the stream is offline",
      at: cmd.at,
    });
    this.ctx.log.info("stream offline", { streamId: s.streamId, source: cmd.source });
    this.#stopRecording(recordingId);
  }

  #stopRecording(recordingId: string | null): void {
    this.port?.stop(this.ctx.id, recordingId)
      .catch((err) => this.ctx.log.warn("recording did not stop", { recordingId, err }));
  }

  /** The recorder reported the recording it started (the room's own message). */
  async recordingStarted(streamId: string, recordingId: string): Promise<{ ok: true }> {
    const s = this.#s;
    if (!s.live || s.streamId !== streamId) {
      // The stream ended (or another began) before the recorder reported: stop this one.
      this.#stopRecording(recordingId);
      return { ok: true };
    }
    if (s.recordingId === recordingId) return { ok: true };
    s.recordingId = recordingId;
    await this.ctx.persist();
    this.hooks.statusChanged();
    return { ok: true };
  }

  /** The reconciler resumed the stream's recording under a new id (compare-and-set). */
  async #recordingReplaced(cmd: StreamRecordingCommand): Promise<StreamReply> {
    const s = this.#s;
    if (!s.live || s.streamId !== cmd.streamId) {
      // The stream ended (or another began) meanwhile: the resumed recording has no stream.
      if (s.recordingId !== cmd.recordingId) this.#stopRecording(cmd.recordingId);
      return { ok: true, applied: false, stream: this.view() };
    }
    if (s.recordingId === cmd.recordingId) return { ok: true, applied: false, stream: this.view() };
    if (s.recordingId !== cmd.replaces) {
      throw new ActorError(
        "recording_conflict",
        `the stream's recording is ${s.recordingId ?? "not known yet"}, not ${
          cmd.replaces ?? "none"
        }`,
        { recordingId: s.recordingId },
      );
    }
    s.recordingId = cmd.recordingId;
    await this.ctx.persist();
    this.hooks.statusChanged();
    this.ctx.log.info("stream recording resumed", {
      streamId: s.streamId,
      recordingId: cmd.recordingId,
      replaces: cmd.replaces,
    });
    return { ok: true, applied: true, stream: this.view() };
  }
}
