// Coaching tips for the streamer (Go live page): the room's latest analysis windows
// (`GET /api/analysis/tips/latest`) and new ones as they are stored (Server-Sent Events
// `GET /api/analysis/tips/stream`). Only the room's streamer and admins are allowed.
import { accessToken, api, el } from "./api.js";

const TYPE_LABEL = { welcome: "👋", product: "🛒", interaction: "💬", closing: "🏁" };

function renderWindow(row) {
  const when = new Date(row.endAt).toLocaleTimeString();
  return el(
    "li",
    { class: "tips-window", "data-window": String(row.window) },
    el("div", { class: "muted" }, `${when} · window ${row.window} · ${row.source}`),
    el(
      "ul",
      {},
      ...row.tips.map((t) =>
        el("li", { class: `tip tip-${t.type}` }, `${TYPE_LABEL[t.type] ?? ""} ${t.text}`)
      ),
    ),
  );
}

/** Appends the tips section to `main` and keeps it current. */
export async function showTips(main, roomId) {
  const list = el("ol", { id: "coaching-tips", class: "tips" });
  main.append(el("section", {}, el("h3", {}, "Coaching tips"), list));
  const room = encodeURIComponent(roomId);
  try {
    const { tips } = await api(`/analysis/tips/latest?room=${room}&limit=5`, { auth: true });
    for (const row of tips) list.append(renderWindow(row));
    if (tips.length === 0) list.append(el("li", { class: "muted empty" }, "no tips yet"));
  } catch (e) {
    list.append(el("li", { class: "muted" }, e.code === "not_found" ? "AI off" : e.message));
    return;
  }
  const token = await accessToken();
  const events = new EventSource(`/api/analysis/tips/stream?room=${room}&access_token=${token}`);
  events.addEventListener("tips", (m) => {
    list.querySelector(".empty")?.remove();
    list.prepend(renderWindow(JSON.parse(m.data)));
    while (list.children.length > 5) list.lastElementChild.remove();
  });
}
