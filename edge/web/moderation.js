// Moderation for room admins: right-click a danmaku — in the chat list or
// flying over the video — for mute / unmute / ban / unban of its author. The room decides
// who may (owner, the room's admins from its settings, platform admins); the menu is only
// offered to them.
import { $, el } from "./api.js";

/** The TypeScript client's catalogues (client/src/bridge.ts), loaded before this module. */
const tr = (key) => globalThis.synapseClient.t(key);

const ACTIONS = [
  { label: "mod.mute10", action: "mute", seconds: 600 },
  { label: "mod.mute60", action: "mute", seconds: 3600 },
  { label: "mod.unmute", action: "unmute" },
  { label: "mod.ban", action: "ban", danger: true },
  { label: "mod.unban", action: "unban" },
];

/**
 * `canModerate()` tells whether the viewer may moderate now; `send(frame)` sends on the
 * room socket. Elements carrying `data-user` / `data-name` get the menu.
 */
export function initModeration({ canModerate, selfId, send }) {
  const menu = $("#mod-menu");
  let counter = 0;
  const hide = () => (menu.hidden = true);
  document.addEventListener("click", hide);
  document.addEventListener("keydown", (e) => e.key === "Escape" && hide());

  const open = (e, target) => {
    const userId = target.dataset.user;
    if (!userId || !canModerate() || userId === selfId()) return;
    e.preventDefault();
    menu.replaceChildren(
      el("div", { class: "mod-title" }, target.dataset.name || userId),
      ...ACTIONS.map((a) =>
        el("button", {
          class: a.danger ? "danger" : "",
          "data-action": a.action + (a.seconds ? `-${a.seconds}` : ""),
          onclick: () => {
            send({
              type: "mod",
              action: a.action,
              target: userId,
              ...(a.seconds ? { seconds: a.seconds } : {}),
              clientId: `mod${++counter}`,
            });
            hide();
          },
        }, tr(a.label))
      ),
    );
    menu.style.left = `${Math.min(e.clientX, innerWidth - 180)}px`;
    menu.style.top = `${Math.min(e.clientY, innerHeight - 220)}px`;
    menu.hidden = false;
  };

  for (const root of [$("#chat"), $("#danmaku-layer")]) {
    root.addEventListener("contextmenu", (e) => {
      const target = e.target.closest("[data-user]");
      if (target) open(e, target);
    });
  }
}
