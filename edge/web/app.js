// Synapse Live web client, the pages not yet rebuilt in TypeScript (client/): the header's
// sign-in and wallet, the room's AI panel and moderation menu, the streamer console and the
// admin pages. Plain JS modules, no build step. Protocol: edge/PROTOCOL.md.
//
// Routes (the TypeScript client renders Home, Room and VOD): `/#/golive` (to /studio) ·
// `/#/console` the streamer
// console · `/#/finance` withdrawals (finance, admins) · `/#/users` platform roles (admins) ·
// `/#/oauth?...` where the OAuth callback lands.
import { createAiPanel } from "./ai_panel.js";
import { $, currentUser, onAuthChange, socketIdentity } from "./api.js";
import { initAuth } from "./auth.js";
import { showConsole } from "./console.js";
import { initModeration } from "./moderation.js";
import { initWallet } from "./wallet.js";

/** The TypeScript client's catalogues (client/src/bridge.ts), loaded before this module. */
const tr = (key, params) => globalThis.synapseClient.t(key, params);

function notice(text) {
  const n = $("#notice");
  n.textContent = text;
  n.hidden = false;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => (n.hidden = true), 6000);
}

// --- the room (client/src/pages/room/room.tsx renders it; the AI panel and the moderation
// menu attach to its connection here until they are rebuilt too)

async function attachRoomTools(room) {
  const selfId = () => room.me.value?.userId;
  const canModerate = () => room.canModerate();
  const send = (frame) => room.send(frame);
  // The page's chat and layers exist once it rendered (it opens the socket right after).
  await room.rendered;
  initModeration({ canModerate, selfId, send });
  const aiPanel = createAiPanel({ send, canModerate, selfId, notice });
  const welcomed = () => {
    aiPanel.onWelcome();
    const me = room.me.value;
    if (me?.kind === "guest") $("#me").textContent = tr("auth.watchingAs", { name: me.name });
  };
  room.listen({
    welcome: welcomed,
    frame: (f) => aiPanel.onFrame(f),
    event: (e) => aiPanel.onEvent(e),
  });
  if (room.conn.value.state === "connected") welcomed();
}

// --- routing

function route() {
  // Going live moved to the streamer dashboard (/studio/:room). (`#/vod` is the TypeScript
  // client's.)
  if (location.hash.startsWith("#/golive")) {
    const room = new URLSearchParams(location.hash.split("?")[1] ?? "").get("room");
    return location.replace(room ? `/studio/${encodeURIComponent(room)}` : "/studio");
  }
  // The room's tools are attached before anything is awaited (roomTools below).
  if (globalThis.synapseClient.room) return;
  if (location.hash === "#/console") return showConsole();
  if (location.hash === "#/finance") return import("./finance.js").then((m) => m.showFinance());
  if (location.hash === "#/users") return import("./users.js").then((m) => m.showUsers());
  // Otherwise Home, which the TypeScript client renders (client/src/pages/home.tsx).
}

// Before anything is awaited: the room page's socket is already opening.
const room = globalThis.synapseClient.room;
if (room) attachRoomTools(room);
initWallet();
await initAuth({ notice });
// Signing in or out changes who the room's socket speaks for: start over as the new identity.
if (room) onAuthChange(() => location.reload());
if (!currentUser() && !room) {
  // Guests are welcome: show their guest name in the header.
  socketIdentity().then((
    s,
  ) => ($("#me").textContent = tr("auth.youAre", { name: s.identity.name })))
    .catch(
      () => {},
    );
}
route();
addEventListener("hashchange", () => {
  if (/^#\/(console|finance|users|golive|vod|webhooks|notifications)|^$/.test(location.hash)) {
    location.reload();
  }
});
