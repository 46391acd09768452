// The VOD page's AI part: the stream's summary, its chapters (click to seek) and the live
// captions as a WebVTT track of the video (`GET /api/analysis/recordings/:id`).
import { el } from "./api.js";

const fmt = (ms) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

export async function showChapters(main, recId, video) {
  const res = await fetch(`/api/analysis/recordings/${encodeURIComponent(recId)}`);
  if (!res.ok) return; // analysis off on this server
  const a = await res.json();
  const chapters = el("ol", { id: "vod-chapters", class: "chapters" });
  for (const c of a.chapters) {
    chapters.append(el(
      "li",
      {},
      el("a", {
        href: "#",
        onclick: (e) => (e.preventDefault(), video.currentTime = c.startMs / 1000),
      }, `${fmt(c.startMs)} ${c.title}`),
    ));
  }
  if (a.chapters.length === 0) chapters.append(el("li", { class: "muted" }, "no chapters yet"));
  main.append(
    el("h3", {}, "Summary"),
    el("p", { id: "vod-summary" }, a.summary ?? "No summary yet."),
    el("h3", {}, "Chapters"),
    chapters,
  );
  if (a.captionsVtt) {
    video.append(
      el("track", {
        kind: "captions",
        src: a.captionsVtt,
        srclang: "en",
        label: "Captions",
        default: true,
      }),
    );
  }
}
