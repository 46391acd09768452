// Recordings of a room (`/#/vod?room=ID[&rec=RECORDING]`): the list, one played over HLS
// (the edge's playlist of presigned segments, hls.js), its segment timeline with gaps, the
// room's highlights at their VOD offsets (click to seek) and the clip cut for each.
import { $, el } from "./api.js";
import { playHls } from "./player.js";

const fmt = (ms) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

async function get(path) {
  const res = await fetch(`/api${path}`);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(body.error?.message ?? res.status), body.error);
  return body;
}

export async function showVod(notice) {
  const main = el("main", { id: "vod-view", class: "panel wide" });
  document.body.insertBefore(main, $("#mod-menu"));
  const params = new URLSearchParams(location.hash.split("?")[1] ?? "");
  const roomId = params.get("room");
  main.append(el("h2", {}, "Recordings"));
  if (!roomId) return main.append(el("p", { class: "muted" }, "no room given"));
  main.append(el("p", {}, el("a", { href: `/r/${encodeURIComponent(roomId)}` }, `← ${roomId}`)));
  let recordings;
  try {
    recordings = (await get(`/vod/rooms/${encodeURIComponent(roomId)}/recordings`)).recordings;
  } catch (e) {
    main.append(el(
      "p",
      { class: "muted" },
      e.code === "media_disabled" ? "Media is off on this server." : `${e.code}: ${e.message}`,
    ));
    return;
  }
  const list = el("ul", { id: "recording-list", class: "room-list" });
  for (const r of recordings) {
    const length = r.endedAt ? ` · ${fmt(r.endedAt - r.startedAt)}` : "";
    list.append(el(
      "li",
      {},
      el(
        "a",
        { href: `/#/vod?room=${encodeURIComponent(roomId)}&rec=${r.id}` },
        new Date(r.startedAt).toLocaleString(),
      ),
      el("span", { class: "muted" }, `${r.state}${length} · ${r.source}`),
    ));
  }
  if (recordings.length === 0) list.append(el("li", { class: "muted" }, "no recordings yet"));
  main.append(list);
  const recId = params.get("rec") ?? recordings[0]?.id;
  if (recId) await showRecording(main, recId, notice);
}

async function showRecording(main, recId, notice) {
  const video = el("video", { id: "vod-video", class: "vod-video", controls: true, muted: true });
  const stage = el("div", { class: "vod-stage" }, video);
  const controls = el("div", { class: "vod-controls" });
  const timeline = el("div", { id: "vod-timeline", class: "vod-timeline" });
  const marks = el("ol", { id: "vod-highlights", class: "highlights" });
  main.append(stage, controls, timeline, el("h3", {}, "Highlights"), marks);
  // the chat replayed over the video at the moment it was sent
  import("./vod_danmaku.js").then((m) => m.attachVodDanmaku(stage, video, recId, controls, notice))
    .catch(() => {});
  import("./vod_chapters.js").then((m) => m.showChapters(main, recId, video)).catch(() => {});
  let t;
  try {
    t = await get(`/vod/recordings/${recId}`);
  } catch (e) {
    return notice?.(`${e.code}: ${e.message}`);
  }
  const total = Math.max(1, t.durationMs);
  for (const s of t.segments) {
    const block = el("div", {
      class: "seg" + (s.discontinuity ? " gap" : ""),
      title: `segment ${s.seq} · ${fmt(s.offsetMs)} · ${(s.durationMs / 1000).toFixed(1)} s`,
    });
    block.style.left = `${(s.offsetMs / total) * 100}%`;
    block.style.width = `${(s.durationMs / total) * 100}%`;
    timeline.append(block);
  }
  const clips = new Map();
  try {
    for (const c of (await get(`/vod/recordings/${recId}/clips`)).clips) {
      clips.set(c.highlightId, c);
    }
  } catch { /* clips are optional */ }
  for (const h of t.highlights) {
    const m = el("div", { class: "hl", title: `highlight ${fmt(h.startOffsetMs)}` });
    m.style.left = `${(h.startOffsetMs / total) * 100}%`;
    m.style.width = `${Math.max(0.5, ((h.endOffsetMs - h.startOffsetMs) / total) * 100)}%`;
    m.onclick = () => (video.currentTime = h.startOffsetMs / 1000);
    timeline.append(m);
    const clip = clips.get(h.id);
    marks.append(el(
      "li",
      { "data-highlight": h.id },
      el("a", {
        href: "#",
        onclick: (e) => (e.preventDefault(), video.currentTime = h.startOffsetMs / 1000),
      }, `${fmt(h.startOffsetMs)}–${fmt(h.endOffsetMs)}`),
      " ",
      clip
        ? el("a", { href: clip.url, class: "clip", target: "_blank" }, "clip")
        : el("span", { class: "muted" }, "no clip"),
    ));
  }
  if (t.highlights.length === 0) marks.append(el("li", { class: "muted" }, "no highlights"));
  if (t.segments.length === 0) return main.append(el("p", { class: "muted" }, "no segments yet"));
  try {
    await playHls(video, `/api/vod/recordings/${recId}/playlist.m3u8`);
    video.play().catch(() => {});
  } catch (e) {
    notice?.(`cannot play: ${e.message}`);
  }
}
