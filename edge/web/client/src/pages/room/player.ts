/**
 * The room's live player: WebRTC through LiveKit (`livekit-client`, the vendored UMD build at
 * /vendor/livekit-client.js, loaded only when a stream is live) with a viewer token from
 * /api/media/token, falling back to the stream's HLS recording (/vendor/hls.js) when WebRTC
 * cannot connect. It follows the room's stream (live or not) and says plainly when this
 * server has no media at all. `state` drives the badge and the placeholder.
 */
import { signal } from "@preact/signals";
import type { StreamView } from "../../../../../../actors/room/contract.ts";
import { ApiError } from "../../api.ts";
import { socketIdentity } from "../../socket_identity.ts";
import { type HlsLike, loadVendor, playHls } from "../../media_vendor.ts";

export type PlayerState = "live" | "offline" | "media_off" | "reconnecting";
type LK = typeof import("livekit-client");
type LkRoom = InstanceType<LK["Room"]>;
async function viewerToken(roomId: string): Promise<{ url: string; token: string }> {
  const { token } = await socketIdentity();
  const res = await fetch(`/api/media/token?roomId=${encodeURIComponent(roomId)}&role=viewer`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    throw new ApiError(res.status, body.error?.code ?? `http_${res.status}`, body.error?.message);
  }
  return body;
}

export class LivePlayer {
  readonly state = signal<PlayerState>("offline");
  /** Playing the recording (HLS) a few seconds behind the live edge. */
  readonly delayed = signal(false);
  readonly transport = signal<"webrtc" | "hls" | null>(null);
  /** Whether this server has live video at all (null until it said). */
  readonly mediaOn = signal<boolean | null>(null);
  #stream: StreamView = { live: false };
  #lk: LkRoom | null = null;
  #hls: HlsLike | null = null;
  #generation = 0;
  #mediaOff = false;
  /** WebRTC failed and the stream's recording is not known yet: play it once it is. */
  #awaitingRecording = false;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly roomId: string,
    private readonly notice: (code: "webrtc_fallback" | "cannot_play") => void,
    /** The viewer is this stream's streamer: LiveKit allows one participant per identity, so
     * subscribing with theirs would disconnect their own publisher. They watch the recording. */
    private readonly isOwnStream: (view: StreamView) => boolean = () => false,
    /** Where guests on stage (连麦) get their video tiles; they stay out of the main video. */
    private readonly stageTiles: HTMLElement | null = null,
  ) {
    // Say so at once when this server has no live video at all.
    fetch("/api/media/status").then((r) => r.json()).then((m) => {
      this.#mediaOff = !m.live;
      this.mediaOn.value = !!m.live;
      if (this.#mediaOff && !this.#stream.live) this.state.value = "media_off";
    }).catch(() => {});
  }

  /** The room's stream (welcome, events, polled RoomInfo). */
  setStream(view: StreamView): void {
    const was = this.#stream;
    this.#stream = view;
    if (view.live === was.live && view.streamId === was.streamId && this.#lk) return;
    if (view.live === was.live && this.#awaitingRecording && view.recordingId) {
      void this.#watchHls(this.#generation).then(
        () => this.notice("webrtc_fallback"),
        () => this.notice("cannot_play"),
      );
      return;
    }
    if (view.live === was.live && view.live && (this.#lk || this.#hls)) return;
    void this.#start();
  }

  destroy(): void {
    void this.#stopMedia();
  }

  async #stopMedia() {
    this.#generation++;
    this.#awaitingRecording = false;
    this.#hls?.destroy();
    this.#hls = null;
    const room = this.#lk;
    this.#lk = null;
    await room?.disconnect().catch(() => {});
    this.video.srcObject = null;
    this.delayed.value = false;
    this.transport.value = null;
  }

  async #start() {
    await this.#stopMedia();
    const gen = this.#generation;
    if (!this.#stream.live) {
      this.state.value = this.#mediaOff ? "media_off" : "offline";
      return;
    }
    this.state.value = "live";
    if (this.isOwnStream(this.#stream)) {
      await this.#watchHls(gen).catch(() => {});
      return;
    }
    try {
      await this.#watchWebRtc(gen);
    } catch (err) {
      if (err instanceof ApiError && err.code === "media_disabled") {
        this.state.value = "media_off";
        return;
      }
      try {
        await this.#watchHls(gen);
        this.notice("webrtc_fallback");
      } catch {
        this.notice("cannot_play");
      }
    }
  }

  async #watchWebRtc(gen: number) {
    const { url, token } = await viewerToken(this.roomId);
    const [LK, { attachStageRoom, isStageGuest }] = await Promise.all([
      loadVendor<LK>("livekit-client", "LivekitClient"),
      // guests on stage ride on this connection (their code comes with the player's)
      import("../../stage/stage_media.ts"),
    ]);
    const room = new LK.Room({ adaptiveStream: true });
    const media = new MediaStream();
    const video = this.video;
    const backLive = () => {
      if (gen === this.#generation && this.state.value === "reconnecting") {
        this.state.value = "live";
      }
    };
    if (this.stageTiles) attachStageRoom(room, LK, this.stageTiles);
    room.on(LK.RoomEvent.TrackSubscribed, (track, _pub, participant) => {
      if (isStageGuest(participant)) return;
      media.addTrack(track.mediaStreamTrack);
      video.srcObject = media;
      video.play().catch(() => {});
      backLive();
    });
    room.on(LK.RoomEvent.TrackUnsubscribed, (track) => media.removeTrack(track.mediaStreamTrack));
    // A dropped connection is shown while livekit-client tries again; given up, start over.
    room.on(LK.RoomEvent.ConnectionStateChanged, (state) => {
      if (gen !== this.#generation) return;
      if (state === "reconnecting" || state === "signalReconnecting") {
        this.state.value = "reconnecting";
      } else if (state === "connected") backLive();
    });
    // A resumed session may not report "connected" again: media flowing is proof enough.
    room.on(LK.RoomEvent.Reconnected, backLive);
    video.addEventListener("timeupdate", () => room.state === "connected" && backLive());
    room.on(LK.RoomEvent.Disconnected, () => {
      if (gen === this.#generation && this.#stream.live) {
        this.state.value = "reconnecting";
        setTimeout(() => gen === this.#generation && void this.#start(), 1000);
      }
    });
    await room.connect(url, token);
    if (gen !== this.#generation) return void room.disconnect();
    this.#lk = room;
    this.transport.value = "webrtc";
  }

  async #watchHls(gen: number) {
    if (!this.#stream.recordingId) {
      this.#awaitingRecording = true;
      throw new Error("no recording of this stream yet");
    }
    this.#awaitingRecording = false;
    const url = `/api/vod/recordings/${this.#stream.recordingId}/playlist.m3u8`;
    // The playlist exists once the first segment is stored.
    for (let i = 0; i < 60 && gen === this.#generation; i++) {
      if ((await fetch(url).catch(() => null))?.ok) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    if (gen !== this.#generation) return;
    const h = await playHls(this.video, url);
    if (gen !== this.#generation) return h.destroy();
    this.#hls = h;
    this.transport.value = "hls";
    this.state.value = "live";
    this.delayed.value = true;
  }
}
