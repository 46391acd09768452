// "Go live" (`/#/golive?room=ID`): for a room's streamer (owner, room admin, platform admin).
// OBS: RTMP/WHIP ingress URL and stream key (shown on demand), key rotation. Browser: publish
// camera and microphone with the streamer token — or a moving canvas test pattern and a tone
// when there is no camera. Recording: the room's recording status and its segments as they
// land (Server-Sent Events).
import { $, accessToken, api, currentUser, el } from "./api.js";
import { loadVendor } from "./player.js";

function page() {
  const main = el("main", { id: "golive-view", class: "panel wide" });
  document.body.insertBefore(main, $("#mod-menu"));
  return main;
}

function field(label, value, secret = false) {
  const input = el("input", { readonly: true, value, type: secret ? "password" : "text" });
  const show = secret
    ? el("button", {
      class: "secondary",
      type: "button",
      onclick: () => (input.type = input.type === "password" ? "text" : "password"),
    }, "show")
    : null;
  const copy = el("button", {
    class: "secondary",
    type: "button",
    onclick: () => navigator.clipboard?.writeText(value),
  }, "copy");
  return el("label", { class: "ingress-field" }, el("span", {}, label), input, show, copy);
}

/** A moving test pattern (canvas) and a 440 Hz tone, for publishing without a camera. */
function testPattern() {
  const canvas = el("canvas", { width: 640, height: 360 });
  const g = canvas.getContext("2d");
  let frame = 0;
  const timer = setInterval(() => {
    frame++;
    const colors = ["#c00", "#0c0", "#00c", "#cc0", "#0cc", "#c0c", "#fff"];
    colors.forEach((c, i) => {
      g.fillStyle = c;
      g.fillRect((i * canvas.width) / colors.length, 0, canvas.width / colors.length, 360);
    });
    g.fillStyle = "#000";
    g.fillRect((frame * 4) % canvas.width, 0, 24, 360);
    g.font = "32px sans-serif";
    g.fillText(new Date().toLocaleTimeString(), 20, 340);
  }, 1000 / 15);
  const stream = canvas.captureStream(15);
  const audio = new AudioContext();
  const osc = audio.createOscillator();
  const gain = audio.createGain();
  gain.gain.value = 0.05;
  const dest = audio.createMediaStreamDestination();
  osc.frequency.value = 440;
  osc.connect(gain).connect(dest);
  osc.start();
  stream.addTrack(dest.stream.getAudioTracks()[0]);
  return {
    stream,
    stop() {
      clearInterval(timer);
      osc.stop();
      audio.close();
    },
  };
}

async function capture() {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    return { stream, source: "camera", stop: () => stream.getTracks().forEach((t) => t.stop()) };
  } catch {
    const p = testPattern();
    return { ...p, source: "test pattern" };
  }
}

export async function showGoLive(notice) {
  const main = page();
  const roomId = new URLSearchParams(location.hash.split("?")[1] ?? "").get("room");
  main.append(el("h2", {}, "Go live"));
  if (!currentUser()) {
    main.append(el("p", { class: "muted" }, "Sign in to go live."));
    return;
  }
  if (!roomId) {
    const { rooms } = await api("/me/rooms", { auth: true }).catch(() => ({ rooms: [] }));
    const list = el("ul", { class: "room-list" });
    for (const r of rooms) {
      list.append(el("li", {}, el("a", { href: `/#/golive?room=${r.id}` }, r.title || r.id)));
    }
    if (rooms.length === 0) list.append(el("li", { class: "muted" }, "create a room first"));
    main.append(el("p", {}, "Pick a room:"), list);
    return;
  }
  main.append(el(
    "p",
    {},
    "Room ",
    el("a", { href: `/r/${encodeURIComponent(roomId)}` }, roomId),
    " · ",
    el("a", { href: `/#/vod?room=${encodeURIComponent(roomId)}` }, "recordings"),
  ));
  const status = el("p", { id: "golive-status", class: "muted" });
  main.append(status);

  // --- OBS ingress
  const ingressBox = el("section", { class: "ingress" }, el("h3", {}, "Stream from OBS"));
  main.append(ingressBox);
  const renderIngress = (items) => {
    ingressBox.querySelectorAll(".ingress-item").forEach((n) => n.remove());
    for (const ing of items) {
      ingressBox.append(el(
        "div",
        { class: "ingress-item" },
        el("strong", {}, ing.kind.toUpperCase()),
        field("Server URL", ing.url),
        field("Stream key", ing.streamKey, true),
        el("button", {
          class: "secondary",
          onclick: async () => {
            if (!confirm("Rotate the stream key? OBS must use the new key.")) return;
            await api("/media/ingress/rotate", {
              auth: true,
              json: { roomId, ingressId: ing.ingressId },
            }).then(load, (e) => notice(`${e.code}: ${e.message}`));
          },
        }, "Rotate key"),
      ));
    }
  };
  const load = async () => {
    try {
      renderIngress((await api(`/media/ingress?roomId=${roomId}`, { auth: true })).ingress);
    } catch (e) {
      status.textContent = e.code === "media_disabled"
        ? "Media is off on this server (LiveKit is not configured)."
        : `${e.code}: ${e.message}`;
    }
  };
  for (const kind of ["rtmp", "whip"]) {
    ingressBox.append(el("button", {
      onclick: () =>
        api("/media/ingress", { auth: true, json: { roomId, kind } }).then(
          load,
          (e) => notice(`${e.code}: ${e.message}`),
        ),
    }, `New ${kind.toUpperCase()} ingress`));
  }
  load();

  // --- browser publishing
  const preview = el("video", { class: "preview", autoplay: true, muted: true, playsinline: true });
  const goBtn = el("button", { id: "go-live-btn" }, "Go live from this browser");
  const stopBtn = el("button", { class: "secondary", hidden: true }, "End stream");
  main.append(el("section", {}, el("h3", {}, "Stream from this browser"), preview, goBtn, stopBtn));
  let live = null;
  goBtn.onclick = async () => {
    goBtn.disabled = true;
    try {
      const { url, token } = await api(`/media/token?roomId=${roomId}&role=streamer`, {
        auth: true,
      });
      const LK = await loadVendor("livekit-client", "LivekitClient");
      const media = await capture();
      preview.srcObject = media.stream;
      const room = new LK.Room();
      await room.connect(url, token);
      for (const track of media.stream.getTracks()) {
        await room.localParticipant.publishTrack(track, {
          source: track.kind === "video" ? LK.Track.Source.Camera : LK.Track.Source.Microphone,
        });
      }
      live = { room, media };
      status.textContent = `Live from this browser (${media.source}).`;
      stopBtn.hidden = false;
    } catch (e) {
      goBtn.disabled = false;
      status.textContent = e.code === "media_disabled"
        ? "Media is off on this server (LiveKit is not configured)."
        : `could not go live: ${e.message}`;
    }
  };
  stopBtn.onclick = async () => {
    await live?.room.disconnect();
    live?.media.stop();
    live = null;
    preview.srcObject = null;
    stopBtn.hidden = true;
    goBtn.disabled = false;
    status.textContent = "Stream ended.";
  };

  import("./tips.js").then((m) => m.showTips(main, roomId)).catch(() => {});
  // --- recording
  const rec = el("ol", { id: "segments", class: "segments" });
  main.append(el("section", {}, el("h3", {}, "Recording"), rec));
  const token = await accessToken();
  const events = new EventSource(
    `/api/recording/events?roomId=${encodeURIComponent(roomId)}&access_token=${token}`,
  );
  for (const type of ["recording_started", "segment_ready", "recording_stopped"]) {
    events.addEventListener(type, (m) => {
      const e = JSON.parse(m.data);
      rec.prepend(el(
        "li",
        {},
        type === "segment_ready"
          ? `segment ${e.seq} · ${e.durationSec?.toFixed?.(1) ?? "?"} s`
          : `${type.replace("_", " ")}`,
      ));
    });
  }
}
