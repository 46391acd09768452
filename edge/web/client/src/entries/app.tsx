/**
 * The entry of index.html's pages: the header, and Home, Room, VOD and Webhooks, each page a
 * chunk of its own loaded only on its page. Older links to pages that moved are sent to their
 * new homes (routes.ts). Tests reach a few parts through `globalThis.synapseClient` (bridge.ts).
 */
// What every page of index.html shows (the header, the bell, its notifications page); each
// page's own stylesheet comes with its chunk and the server names it in that page's head
// (build.ts: manifest `pages`; edge/routes/web.ts).
import "../styles/app.css";
import "../styles/base.css";
import "../styles/header.css";
import "../styles/notifications.css";
import { effect } from "@preact/signals";
import { render } from "preact";
import { installBridge } from "../bridge.ts";
import { PageHeader, type PageName } from "../components/page_header.tsx";
import { currentUser, finishOAuth, refreshUser } from "../api.ts";
import { catalogueReady, errorSentence, t } from "../i18n/i18n.ts";
import { locale } from "../i18n/locale.ts";
import { notice } from "../notice.ts";
import { openRoom, RoomConnection } from "../pages/room/connection.ts";
import { isHomeRoute, meetingIdOf, movedTo, roomIdOf, vodOf } from "../routes.ts";

const moved = movedTo(location);
if (moved) location.replace(moved);

// Nothing renders before the language's catalogue is in (a chunk per language).
await catalogueReady();

effect(() => {
  document.documentElement.lang = locale.value;
  if (isHomeRoute(location)) document.title = `${t("home.title")} · ${t("app.name")}`;
});

installBridge();

// Back from an OAuth provider (`/#/oauth?...`): keep the session, clean the address bar.
// Else roles may have changed since sign-in (an admin granted one): read them again.
finishOAuth().then((error) => {
  if (error) void errorSentence(error).then((reason) => notice(t("auth.failed", { reason })));
  else if (error === null) refreshUser();
});

function pageName(): PageName {
  if (roomIdOf(location)) return "room";
  if (vodOf(location)) return "vod";
  return location.hash.startsWith("#/webhooks") ? "webhooks" : "home";
}
const headerRoot = document.getElementById("header-root");
const page = pageName();
if (headerRoot) render(<PageHeader current={page} />, headerRoot);
// A link that changes only the hash (`/#/webhooks` from Home, an older `/#/console`) is
// no navigation for the browser: send it where it leads, or load the page it names.
addEventListener("hashchange", () => {
  const to = movedTo(location);
  if (to) location.replace(to);
  else if (pageName() !== page || (page === "home" && !isHomeRoute(location))) location.reload();
});

const listView = document.getElementById("list-view");
if (listView && isHomeRoute(location)) {
  listView.hidden = false;
  import("../pages/home.tsx").then(({ Home }) => render(<Home notice={notice} />, listView));
}
if (listView && location.hash.startsWith("#/webhooks")) {
  listView.hidden = false;
  // the webhooks page speaks the streamer's pages' catalogue part
  Promise.all([import("../pages/webhooks.tsx"), catalogueReady("work")]).then((
    [{ WebhooksPage }],
  ) => render(<WebhooksPage />, listView));
}
if (listView && location.hash.startsWith("#/notifications")) {
  listView.hidden = false;
  import("../pages/notifications.tsx").then(({ NotificationsPage }) =>
    render(<NotificationsPage notice={notice} />, listView)
  );
}

const roomView = document.getElementById("room-view");
const roomId = roomIdOf(location);
if (roomView && roomId) {
  roomView.hidden = false;
  const room = new RoomConnection(roomId, notice);
  openRoom.value = room;
  // Signing in or out changes who the room's socket speaks for: start over as the new identity.
  const who = currentUser.value?.id;
  effect(() => {
    if (currentUser.value?.id !== who) location.reload();
  });
  import("../pages/room/room.tsx").then(({ Room }) =>
    render(<Room room={room} notice={notice} />, roomView)
  );
}

const vod = vodOf(location);
const vodView = document.getElementById("vod-view");
if (vodView && vod) {
  vodView.hidden = false;
  import("../pages/vod/vod.tsx").then(({ Vod }) =>
    render(<Vod roomId={vod.roomId} recordingId={vod.recordingId} notice={notice} />, vodView)
  );
}

const meetingId = meetingIdOf(location);
if (roomView && meetingId) {
  roomView.hidden = false;
  Promise.all([import("../pages/meeting/meeting.tsx"), catalogueReady("work")]).then((
    [{ Meeting }],
  ) =>
    render(
      <Meeting roomId={meetingId} connect={(say) => new RoomConnection(meetingId, say)} />,
      roomView,
    )
  );
}
