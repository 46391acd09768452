// The leaderboard side panel of a room: top gifters of the current stream or of all time.
// Refreshed when a gift event arrives (debounced) and when the scope tab changes.
import { $, api, coins, el } from "./api.js";

export function createLeaderboard(roomId) {
  let scope = "stream";
  /** Until the viewer picks a tab, an offline room shows its all-time board. */
  let chosen = false;
  let timer;

  const selectTab = (value) => {
    scope = value;
    for (const t of document.querySelectorAll("#leaderboard-tabs button")) {
      t.classList.toggle("active", t.dataset.scope === value);
    }
  };

  const render = (entries, emptyText) => {
    const list = $("#leaderboard");
    list.replaceChildren(
      ...(entries.length === 0 ? [el("li", { class: "muted" }, emptyText)] : entries.map((e) =>
        el(
          "li",
          { "data-user": e.userId },
          el("span", { class: "rank" }, `#${e.rank}`),
          el("span", { class: "name" }, e.name),
          el("span", { class: "amount" }, coins(e.amount)),
        )
      )),
    );
  };

  const refresh = async () => {
    try {
      const body = await api(`/rooms/${encodeURIComponent(roomId)}/leaderboard?scope=${scope}`);
      render(body.entries, scope === "stream" ? "no gifts this stream yet" : "no gifts yet");
    } catch (err) {
      if (err.code === "invalid_request" && !chosen) {
        selectTab("all");
        return await refresh();
      }
      if (err.code === "invalid_request") render([], "offline — no stream running");
      // An unregistered room, or no economy on this server.
      else if (err.status === 404) $("#leaderboard-panel").hidden = true;
      else render([], `leaderboard unavailable (${err.code ?? "network"})`);
    }
  };

  for (const tab of document.querySelectorAll("#leaderboard-tabs button")) {
    tab.onclick = () => {
      chosen = true;
      selectTab(tab.dataset.scope);
      refresh();
    };
  }
  refresh();
  return {
    /** A gift happened in the room: refresh soon (one request for a burst of gifts). */
    bump() {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    },
    refresh,
  };
}
