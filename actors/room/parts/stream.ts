/**
 * The stream part: a room's stream, live or offline, as LiveKit's verified webhooks say (the edge builds the
 * `stream` command in media/livekit/stream_state.ts; it is never built from a viewer's
 * frame). Each change is idempotent per webhook event id (a bounded, persisted memory of
 * seen ids) and ordered by the event's time (a late, older event changes nothing). Going
 * live tells viewers (`system` event `stream_live`), and asks the recording port to start a
 * recording; going offline tells viewers (`stream_offline`) and stops it.
 *
 * The recording port does I/O, so the room never waits for it inside its mailbox: the
 * result comes back as this part's own message (`RoomApi.self`, in process),
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
import { ActorError } from "../../../engine/actor.ts";
import type {
  CommandOf,
  RoomInfo,
  RoomStatus,
  StreamCommand,
  StreamRecordingCommand,
  StreamReply,
  StreamView,
} from "../contract.ts";
import { StreamSource as StreamSourceSchema } from "../contract.ts";
import type { RoomApi, RoomPart } from "../part.ts";
import type { RoomRecordingPort } from "../ports.ts";

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
  source: z.infer<typeof StreamSourceSchema> | null;
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
  source: StreamSourceSchema.nullable().catch(null),
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

/** The recorder reported the recording it started (this part's own message). */
interface RecordingStarted {
  streamId: string;
  recordingId: string;
}

export class StreamPart implements RoomPart {
  readonly name = "stream";
  readonly #state: { stream?: StreamState };

  constructor(
    private readonly api: RoomApi,
    /** The room's persisted state; this part owns its `stream` field. */
    state: object,
    private readonly port: RoomRecordingPort | undefined,
    private readonly keepAliveMs: number,
  ) {
    this.#state = state as { stream?: StreamState };
  }

  readonly commands = {
    stream: (cmd: CommandOf<"stream">) => this.#apply(cmd),
    stream_recording: (cmd: CommandOf<"stream_recording">) => this.#recordingReplaced(cmd),
  };

  get #s(): StreamState {
    return this.#state.stream ??= initialStreamState();
  }

  get live(): boolean {
    return this.#state.stream?.live ?? false;
  }

  /** After activation: a live room keeps itself active. */
  onActivate(): void {
    if (this.live) this.api.setInterval(STREAM_TIMER, this.keepAliveMs, { keepAlive: true });
  }

  /** While live, the keep-alive timer publishes the status (the directory lists the room). */
  onTimer(name: string): void {
    if (name === STREAM_TIMER) this.api.statusChanged();
  }

  async onSelf(msg: unknown): Promise<void> {
    const { streamId, recordingId } = msg as RecordingStarted;
    await this.#recordingStarted(streamId, recordingId);
  }

  describe(info: RoomInfo): void {
    info.stream = this.view();
  }

  describeStatus(status: RoomStatus): void {
    status.live = this.live;
    if (!status.live) return;
    const { since, streamId, recordingId } = this.view();
    if (since !== undefined) status.liveSince = since;
    if (streamId !== undefined) status.streamId = streamId;
    if (recordingId !== undefined) status.recordingId = recordingId;
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

  async #apply(cmd: StreamCommand): Promise<StreamReply> {
    const s = this.#s;
    if (s.seen.includes(cmd.eventId)) {
      return { ok: true, applied: false, duplicate: true, stream: this.view() };
    }
    s.seen.push(cmd.eventId);
    if (s.seen.length > SEEN_IDS) s.seen.splice(0, s.seen.length - SEEN_IDS);
    const changes = cmd.at >= s.changedAt && (cmd.state === "live") !== s.live;
    if (!changes) {
      await this.api.persist(); // the id is remembered either way
      return { ok: true, applied: false, stream: this.view() };
    }
    s.changedAt = cmd.at;
    if (cmd.state === "live") this.#goLive(cmd);
    else this.#goOffline(cmd);
    await this.api.persist();
    this.api.statusChanged();
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
    this.api.setInterval(STREAM_TIMER, this.keepAliveMs, { keepAlive: true });
    this.api.emit({ t: "system", code: "stream_live", text: "the stream is live", at: cmd.at });
    this.api.log.info("stream live", { streamId: s.streamId, source: cmd.source });
    const port = this.port;
    if (!port) return;
    const streamId = s.streamId;
    port.start(this.api.roomId, { streamId, streamerId: cmd.streamerId })
      .then(({ recordingId }) => {
        if (!this.api.self({ streamId, recordingId } satisfies RecordingStarted)) {
          // the activation stopped meanwhile; the reconciler repairs the room's recording id
          this.api.log.warn("recording started after the room stopped", { streamId, recordingId });
        }
      })
      .catch((err) => this.api.log.warn("recording did not start", { streamId, err }));
  }

  #goOffline(cmd: StreamCommand): void {
    const s = this.#s;
    const recordingId = s.recordingId;
    s.live = false;
    s.endedAt = cmd.at;
    s.recordingId = null;
    this.api.clearTimer(STREAM_TIMER);
    this.api.emit({
      t: "system",
      code: "stream_offline",
      text: "the stream is offline",
      at: cmd.at,
    });
    this.api.log.info("stream offline", { streamId: s.streamId, source: cmd.source });
    this.#stopRecording(recordingId);
  }

  #stopRecording(recordingId: string | null): void {
    this.port?.stop(this.api.roomId, recordingId)
      .catch((err) => this.api.log.warn("recording did not stop", { recordingId, err }));
  }

  async #recordingStarted(streamId: string, recordingId: string): Promise<{ ok: true }> {
    const s = this.#s;
    if (!s.live || s.streamId !== streamId) {
      // The stream ended (or another began) before the recorder reported: stop this one.
      this.#stopRecording(recordingId);
      return { ok: true };
    }
    if (s.recordingId === recordingId) return { ok: true };
    s.recordingId = recordingId;
    await this.api.persist();
    this.api.statusChanged();
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
    await this.api.persist();
    this.api.statusChanged();
    this.api.log.info("stream recording resumed", {
      streamId: s.streamId,
      recordingId: cmd.recordingId,
      replaces: cmd.replaces,
    });
    return { ok: true, applied: true, stream: this.view() };
  }
}
