// Chat replay on the VOD page: the recording's archived danmaku
// (`GET /api/vod/:recordingId/danmaku?from&to`) fly over the video at the offsets they were
// sent, with the live room's flying code (danmaku_fly.js). Loaded by windows of
// WINDOW_MS around the playhead (the current and the next one), so seeking anywhere works;
// a jump (seek) clears the screen instead of replaying everything skipped. A toggle hides
// them (remembered per browser).
import { el } from "./api.js";
import { flyDanmaku } from "./danmaku_fly.js";

const WINDOW_MS = 30_000;
const MAX_PAGES = 20;
/** Playhead moves larger than this between two ticks are treated as a seek. */
const JUMP_MS = 2_000;
const PREF = "synapse.vodDanmaku";

async function loadWindow(recId, index) {
  const out = [];
  let cursor = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const q = new URLSearchParams({
      from: String(index * WINDOW_MS),
      to: String((index + 1) * WINDOW_MS),
      limit: "1000",
    });
    if (cursor) q.set("cursor", cursor);
    const res = await fetch(`/api/vod/${encodeURIComponent(recId)}/danmaku?${q}`);
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error(body.error?.message ?? res.status), body.error);
    out.push(...body.danmaku);
    cursor = body.next;
    if (!cursor) break;
  }
  return out;
}

/** Puts a danmaku layer over `video` (inside `stage`) and a toggle into `controls`. */
export function attachVodDanmaku(stage, video, recId, controls, notice) {
  const layer = el("div", { id: "vod-danmaku-layer", class: "danmaku-layer" });
  stage.append(layer);
  let on = localStorage.getItem(PREF) !== "off";
  const toggle = el("button", { id: "vod-danmaku-toggle", type: "button" });
  const render = () => {
    toggle.textContent = on ? "Danmaku: on" : "Danmaku: off";
    toggle.classList.toggle("on", on);
    layer.hidden = !on;
  };
  toggle.onclick = () => {
    on = !on;
    localStorage.setItem(PREF, on ? "on" : "off");
    if (!on) layer.replaceChildren();
    render();
  };
  render();
  controls.append(toggle);

  const windows = new Map(); // index → Promise<danmaku[]> (a failed load is retried later)
  const ensure = (index) => {
    if (index < 0 || windows.has(index)) return windows.get(index);
    const p = loadWindow(recId, index).catch((e) => {
      windows.delete(index);
      notice?.(`danmaku: ${e.code ?? ""} ${e.message}`);
      return [];
    });
    windows.set(index, p);
    return p;
  };
  const shown = new Set();
  let last = video.currentTime * 1000;

  const fire = async (from, to) => {
    for (let i = Math.floor(from / WINDOW_MS); i <= Math.floor(to / WINDOW_MS); i++) {
      for (const d of await ensure(i)) {
        if (d.offsetMs >= from && d.offsetMs < to && !shown.has(d.id) && on) {
          shown.add(d.id);
          flyDanmaku(layer, d);
        }
      }
    }
  };
  const tick = () => {
    const now = video.currentTime * 1000;
    ensure(Math.floor(now / WINDOW_MS));
    ensure(Math.floor(now / WINDOW_MS) + 1); // ahead of the playhead
    if (now < last || now - last > JUMP_MS) {
      // a seek: start from here without replaying what was skipped
      layer.replaceChildren();
      shown.clear();
      last = now;
      return;
    }
    const from = last;
    last = now;
    if (now > from) fire(from, now);
  };
  video.addEventListener("timeupdate", tick);
  video.addEventListener("seeked", tick);
  const paused = () => {
    for (const item of layer.children) {
      item.style.animationPlayState = video.paused ? "paused" : "running";
    }
  };
  video.addEventListener("pause", paused);
  video.addEventListener("play", paused);
  ensure(0);
  return { layer, toggle };
}
