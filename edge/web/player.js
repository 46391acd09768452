// The room's player: WebRTC through LiveKit (`livekit-client`, served from node_modules at
// /vendor/livekit-client.js) with a viewer token from /api/media/token, falling back to the
// stream's HLS recording (`hls.js` at /vendor/hls.js) when WebRTC cannot connect. It follows
// the room's live/offline state (RoomInfo.stream, then `system` events stream_live /
// stream_offline) and says plainly when media is off on this server.
import { $, ApiError, el, socketIdentity } from "./api.js";

/** The TypeScript client's catalogues (client/src/bridge.ts), loaded before this module. */
const tr = (key, params) => globalThis.synapseClient.t(key, params);

const scripts = new Map();
/** Loads a vendored UMD build once; resolves to its global. */
export function loadVendor(name, global) {
  if (!scripts.has(name)) {
    scripts.set(
      name,
      new Promise((resolve, reject) => {
        const s = el("script", { src: `/vendor/${name}.js` });
        s.onload =
          () => (globalThis[global] ? resolve(globalThis[global]) : reject(new Error(name)));
        s.onerror = () => reject(new Error(`could not load /vendor/${name}.js`));
        document.head.append(s);
      }),
    );
  }
  return scripts.get(name);
}

/** Plays an HLS playlist in `video` (hls.js, or natively where the browser can). */
export async function playHls(video, url) {
  if (video.canPlayType("application/vnd.apple.mpegurl") && !/Chrome/.test(navigator.userAgent)) {
    video.src = url;
    return { destroy: () => video.removeAttribute("src") };
  }
  const Hls = await loadVendor("hls", "Hls");
  if (!Hls.isSupported()) throw new Error("this browser cannot play HLS");
  const hls = new Hls();
  hls.loadSource(url);
  hls.attachMedia(video);
  return hls;
}

async function viewerToken(roomId) {
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

/**
 * Mounts the player in the room's video area. `onState(state)` is told "live", "offline"
 * or "media_off" (for tests and the room bar).
 */
export function createPlayer(container, roomId, { notice, onState } = {}) {
  const video = el("video", {
    id: "live-video",
    class: "live-video",
    autoplay: true,
    playsinline: true,
    muted: true,
    controls: true,
  });
  const badge = el("span", { id: "stream-badge", class: "stream-badge offline" }, "offline");
  const hint = el("a", { class: "vod-link", href: `/#/vod?room=${encodeURIComponent(roomId)}` });
  hint.textContent = tr("player.recordings");
  container.prepend(video, badge, hint);
  const placeholder = $(".video-placeholder", container);
  let stream = { live: false };
  let lk = null;
  let hls = null;
  let generation = 0;
  /** This server has no live video (`/api/media/status`). */
  let mediaOff = false;
  /** WebRTC failed and the stream's recording is not known yet: play it once it is. */
  let awaitingRecording = false;

  const setBadge = (state, text) => {
    badge.className = `stream-badge ${state}`;
    badge.title = "";
    badge.textContent = text;
    container.dataset.stream = state;
    if (placeholder) {
      placeholder.textContent = state === "live"
        ? ""
        : state === "media_off"
        ? tr("player.mediaOffHint")
        : tr("player.offlineHint");
      placeholder.hidden = state === "live";
    }
    onState?.(state);
  };

  const stopMedia = async () => {
    generation++;
    awaitingRecording = false;
    hls?.destroy();
    hls = null;
    const room = lk;
    lk = null;
    await room?.disconnect().catch(() => {});
    video.srcObject = null;
  };

  async function watchWebRtc(gen) {
    const { url, token } = await viewerToken(roomId);
    const LK = await loadVendor("livekit-client", "LivekitClient");
    const room = new LK.Room({ adaptiveStream: true });
    const media = new MediaStream();
    // Guests on stage get their own tiles (client/src/stage/stage_media.ts), not this video.
    const stage = globalThis.synapseClient.stage;
    const tiles = document.getElementById("stage-tiles");
    if (tiles) stage.attachRoom(room, LK, tiles);
    room.on(LK.RoomEvent.TrackSubscribed, (track, _pub, participant) => {
      if (stage.isGuest(participant)) return;
      media.addTrack(track.mediaStreamTrack);
      video.srcObject = media;
      video.play().catch(() => {});
    });
    room.on(LK.RoomEvent.TrackUnsubscribed, (track) => media.removeTrack(track.mediaStreamTrack));
    // A dropped connection is shown while livekit-client tries again; given up, start over.
    const backLive = () => {
      if (gen === generation && badge.classList.contains("reconnecting")) {
        setBadge("live", "● LIVE");
      }
    };
    room.on(LK.RoomEvent.ConnectionStateChanged, (state) => {
      if (gen !== generation) return;
      if (state === "reconnecting" || state === "signalReconnecting") {
        setBadge("reconnecting", "reconnecting…");
      } else if (state === "connected") backLive();
    });
    // A resumed session may not report "connected" again: media flowing is proof enough.
    room.on(LK.RoomEvent.Reconnected, backLive);
    room.on(LK.RoomEvent.TrackSubscribed, backLive);
    video.addEventListener("timeupdate", () => room.state === "connected" && backLive());
    room.on(LK.RoomEvent.Disconnected, () => {
      if (gen === generation && stream.live) {
        setBadge("reconnecting", "reconnecting…");
        setTimeout(() => gen === generation && start(), 1000);
      }
    });
    await room.connect(url, token);
    if (gen !== generation) return room.disconnect();
    lk = room;
    container.dataset.transport = "webrtc";
  }

  async function watchHls(gen) {
    if (!stream.recordingId) {
      awaitingRecording = true;
      throw new Error("no recording of this stream yet");
    }
    awaitingRecording = false;
    const url = `/api/vod/recordings/${stream.recordingId}/playlist.m3u8`;
    // The playlist exists once the first segment is stored.
    for (let i = 0; i < 60 && gen === generation; i++) {
      if ((await fetch(url).catch(() => null))?.ok) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    if (gen !== generation) return;
    const h = await playHls(video, url);
    if (gen !== generation) return h.destroy();
    hls = h;
    container.dataset.transport = "hls";
    // The recording trails the live edge by a few segments: say so.
    setBadge("live", "● LIVE · delayed");
    badge.title = "playing the stream's recording (HLS), some seconds behind";
  }

  async function start() {
    await stopMedia();
    const gen = generation;
    if (!stream.live) {
      return mediaOff
        ? setBadge("media_off", tr("player.mediaOff"))
        : setBadge("offline", tr("player.offline"));
    }
    setBadge("live", tr("player.live"));
    try {
      await watchWebRtc(gen);
    } catch (err) {
      if (err instanceof ApiError && err.code === "media_disabled") {
        return setBadge("media_off", tr("player.mediaOff"));
      }
      try {
        await watchHls(gen);
        notice?.("WebRTC unavailable: playing the stream's HLS recording");
      } catch {
        notice?.(`cannot play the stream: ${err.message}`);
      }
    }
  }

  // Say so at once when this server has no live video at all.
  fetch("/api/media/status").then((r) => r.json()).then((m) => {
    mediaOff = !m.live;
    if (mediaOff && !stream.live) setBadge("media_off", tr("player.mediaOff"));
  }).catch(() => {});

  return {
    /** The room's stream view (welcome's `room.stream`, or after a change). */
    setStream(view) {
      stream = view ?? { live: false };
      start();
    },
    /** A `system` event of the room; true when it was about the stream. */
    onSystem(e) {
      if (e.code === "stream_live") {
        notice?.("the stream is live");
        stream = { ...stream, live: true };
        start();
        return true;
      }
      if (e.code === "stream_offline") {
        stream = { live: false };
        start();
        return true;
      }
      return false;
    },
    /** Later RoomInfo (polled): picks up the recording id for the HLS fallback. */
    update(view) {
      if (!view) return;
      if (view.live !== stream.live) return this.setStream(view);
      stream = { ...stream, ...view };
      if (awaitingRecording && stream.live && stream.recordingId) {
        watchHls(generation).then(
          () => notice?.("WebRTC unavailable: playing the stream's HLS recording"),
          (err) => notice?.(`cannot play the stream: ${err.message}`),
        );
      }
    },
  };
}
