/**
 * Server-side LiveKit operations Synapse needs: ingress for OBS (RTMP, WHIP) with key
 * rotation, and removing a banned participant from the SFU.
 */
import {
  IngressClient,
  IngressInfo,
  IngressInput,
  IngressVideoEncodingPreset,
  IngressVideoOptions,
  RoomServiceClient,
  TrackSource,
} from "livekit-server-sdk";
import type { Logger } from "../../engine/log.ts";
import { MediaError } from "../errors.ts";
import { livekitRoomName, type LivekitSettings } from "./settings.ts";
import { type StageHint, stageMetadata } from "./stage_metadata.ts";
import { type GuestMedia, roleFromMetadata, stagePermission } from "./tokens.ts";

export type IngressKind = "rtmp" | "whip";

/** What the streamer pastes into OBS. */
export interface IngressView {
  ingressId: string;
  kind: IngressKind;
  url: string;
  streamKey: string;
  roomId: string;
}

function view(info: IngressInfo, roomId: string): IngressView {
  return {
    ingressId: info.ingressId,
    kind: info.inputType === IngressInput.WHIP_INPUT ? "whip" : "rtmp",
    url: info.url,
    streamKey: info.streamKey,
    roomId,
  };
}

function unavailable(err: unknown): MediaError {
  const message = err instanceof Error ? err.message : String(err);
  return new MediaError("ingress_unavailable", `LiveKit ingress is not available: ${message}`, 503);
}

/** `IngressState.Status` values (the SDK does not export the enum). */
const ENDPOINT_BUFFERING = 1;
const ENDPOINT_PUBLISHING = 2;

export interface IngressOptions {
  /**
   * Transcode to three simulcast layers (720p/360p/180p) so viewers on slow links get a
   * smaller one; else one 720p layer (RTMP) or the publisher's own layers untouched (WHIP).
   */
  simulcast?: boolean;
  /** Before a key's ingress is deleted, wait this long at most for its stream to end. */
  inactiveWaitMs?: number;
}

const MUTE_SOURCES = {
  camera: TrackSource.CAMERA,
  mic: TrackSource.MICROPHONE,
  screen_share: TrackSource.SCREEN_SHARE,
} as const;

export class LivekitServerApi {
  readonly #ingress: IngressClient;
  readonly #rooms: RoomServiceClient;

  constructor(
    settings: LivekitSettings,
    private readonly log: Logger,
    private readonly ingressOptions: IngressOptions = {},
  ) {
    this.#ingress = new IngressClient(settings.httpUrl, settings.apiKey, settings.apiSecret);
    this.#rooms = new RoomServiceClient(settings.httpUrl, settings.apiKey, settings.apiSecret);
  }

  /** Create an ingress publishing into the room as the streamer. */
  async createIngress(
    roomId: string,
    kind: IngressKind,
    streamer: { identity: string; name: string },
  ): Promise<IngressView> {
    const simulcast = this.ingressOptions.simulcast ?? false;
    try {
      const info = await this.#ingress.createIngress(
        kind === "whip" ? IngressInput.WHIP_INPUT : IngressInput.RTMP_INPUT,
        {
          name: `${roomId}-${kind}`,
          roomName: livekitRoomName(roomId),
          participantIdentity: streamer.identity,
          participantName: streamer.name,
          participantMetadata: JSON.stringify({ role: "streamer" }),
          // WHIP without simulcast: the browser's/OBS's own encoding goes through untouched.
          enableTranscoding: kind === "rtmp" || simulcast,
          video: kind === "rtmp" || simulcast
            ? new IngressVideoOptions({
              source: TrackSource.CAMERA,
              encodingOptions: {
                case: "preset",
                value: simulcast
                  ? IngressVideoEncodingPreset.H264_720P_30FPS_3_LAYERS
                  : IngressVideoEncodingPreset.H264_720P_30FPS_1_LAYER,
              },
            })
            : undefined,
        },
      );
      return view(info, roomId);
    } catch (err) {
      throw unavailable(err);
    }
  }

  async listIngress(roomId: string): Promise<IngressView[]> {
    try {
      const list = await this.#ingress.listIngress({ roomName: livekitRoomName(roomId) });
      return list.map((info) => view(info, roomId));
    } catch (err) {
      throw unavailable(err);
    }
  }

  /**
   * Rotate a stream key: LiveKit keys are fixed per ingress, so the old ingress is deleted
   * (its key stops working at once, its stream is cut) and a new one with the same settings
   * is created. A stream that just stopped is first allowed to report inactive:
   * livekit-server v1.13.5 panicked when an ingress was deleted right after its publisher
   * vanished (NOTES.md).
   */
  async rotateIngressKey(
    roomId: string,
    ingressId: string,
    streamer: { identity: string; name: string },
  ): Promise<IngressView> {
    const existing = (await this.listIngress(roomId)).find((i) => i.ingressId === ingressId);
    if (!existing) {
      throw new MediaError("ingress_not_found", `no ingress ${ingressId} in room ${roomId}`, 404);
    }
    await this.deleteIngress(ingressId);
    return this.createIngress(roomId, existing.kind, streamer);
  }

  /**
   * Delete an ingress; its key dies with it. A session still running is ended first by
   * disabling the ingress (an update: LiveKit stops the session and refuses new connections)
   * and given `inactiveWaitMs` to report that it has stopped; only then is the ingress
   * deleted. Deleting an ingress while its session still sends state updates races them in
   * livekit-server v1.13.5 (`UpdateIngressState` reads the ingress and its state in two steps
   * and panics on a nil state when a delete lands in between: livekit/livekit#4806), which
   * took the whole media server down in about one key rotation in three here.
   */
  async deleteIngress(ingressId: string): Promise<void> {
    try {
      const deadline = Date.now() + (this.ingressOptions.inactiveWaitMs ?? 5_000);
      let disabled = false;
      for (;;) {
        const [info] = await this.#ingress.listIngress({ ingressId });
        const status = info?.state?.status;
        const running = status === ENDPOINT_BUFFERING || status === ENDPOINT_PUBLISHING;
        if (!info || !running || Date.now() > deadline) break;
        if (!disabled) {
          await this.#ingress.updateIngress(ingressId, { name: info.name, enabled: false });
          disabled = true;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      await this.#ingress.deleteIngress(ingressId);
    } catch (err) {
      throw unavailable(err);
    }
  }

  /**
   * The role in a connected participant's metadata (its token's, or the stage's since), or
   * undefined when it has none (an ingress) or is gone. LiveKit's `track_published` webhook
   * names the participant without its metadata, so this is how its role is known.
   */
  async participantRole(roomId: string, identity: string): Promise<string | undefined> {
    try {
      const p = await this.#rooms.getParticipant(livekitRoomName(roomId), identity);
      return roleFromMetadata(p.metadata);
    } catch (err) {
      if ((err as { status?: number }).status === 404) return undefined;
      this.log.warn("livekit getParticipant failed", { roomId, identity, error: err as Error });
      throw new MediaError("livekit_unavailable", "could not reach LiveKit (participant)", 503);
    }
  }

  /** Disconnect a participant from the room's SFU (a ban); absent participants are fine. */
  async removeParticipant(roomId: string, identity: string): Promise<boolean> {
    try {
      await this.#rooms.removeParticipant(livekitRoomName(roomId), identity);
      return true;
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 404) return false;
      this.log.warn("livekit removeParticipant failed", { roomId, identity, error: err as Error });
      throw new MediaError(
        "livekit_unavailable",
        "could not reach LiveKit to remove the participant",
        503,
      );
    }
  }

  /**
   * A guest on stage may publish `media` (camera, microphone or both); `undefined` takes the
   * right back (LiveKit then unpublishes the guest's tracks). The participant's metadata
   * says `guest` or `viewer`, as the tokens do. False when the participant is not connected
   * (its next token carries the rights: `GET /api/media/token`).
   */
  async setStagePublish(
    roomId: string,
    identity: string,
    media: GuestMedia | undefined,
  ): Promise<boolean> {
    return await this.#participantCall(
      "updateParticipant",
      roomId,
      identity,
      () =>
        this.#rooms.updateParticipant(livekitRoomName(roomId), identity, {
          metadata: JSON.stringify({ role: media ? "guest" : "viewer" }),
          permission: stagePermission(media),
        }),
    );
  }

  /**
   * Mutes the participant's published track of `source` (the streamer mutes a guest, a
   * meeting's host a participant).
   */
  async muteSource(
    roomId: string,
    identity: string,
    source: "camera" | "mic" | "screen_share",
  ): Promise<boolean> {
    const want = MUTE_SOURCES[source];
    return await this.#participantCall("mutePublishedTrack", roomId, identity, async () => {
      const room = livekitRoomName(roomId);
      const p = await this.#rooms.getParticipant(room, identity);
      for (const t of p.tracks.filter((t) => t.source === want)) {
        await this.#rooms.mutePublishedTrack(room, identity, t.sid, true);
      }
    });
  }

  /** Runs a call about one participant: false when it is not in the room (404). */
  async #participantCall(
    what: string,
    roomId: string,
    identity: string,
    call: () => Promise<unknown>,
  ): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (err) {
      if ((err as { status?: number }).status === 404) return false;
      this.log.warn(`livekit ${what} failed`, { roomId, identity, error: err as Error });
      throw new MediaError("livekit_unavailable", `could not reach LiveKit (${what})`, 503);
    }
  }

  /**
   * The stage (layout, guests in order) into the LiveKit room's metadata, for the recorder
   * agent (`stage_metadata.ts`). False when the room is not open in LiveKit (nobody joined
   * yet: the recorder then asks the room when it starts).
   */
  async setStageHint(roomId: string, hint: StageHint): Promise<boolean> {
    try {
      await this.#rooms.updateRoomMetadata(livekitRoomName(roomId), stageMetadata(hint));
      return true;
    } catch (err) {
      if ((err as { status?: number }).status === 404) return false;
      this.log.warn("livekit updateRoomMetadata failed", { roomId, error: err as Error });
      throw new MediaError("livekit_unavailable", "could not reach LiveKit (room metadata)", 503);
    }
  }

  async listParticipants(roomId: string) {
    return await this.#rooms.listParticipants(livekitRoomName(roomId));
  }
}
