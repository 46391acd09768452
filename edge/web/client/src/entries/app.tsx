/**
 * The TypeScript client's entry, loaded by every page beside the older `app.js`: the language
 * switch in the header, and the pages rebuilt on Preact (Home, Room, VOD), each a chunk of its
 * own loaded only on its page. Pages not yet rebuilt stay with app.js; meanwhile they use this
 * client's catalogues (and the open room's connection) through `globalThis.synapseClient`.
 */
import "../styles/base.css";
import "../styles/home.css";
import "../styles/danmaku.css";
import "../styles/stage.css";
import "../styles/room.css";
import "../styles/vod.css";
import "../styles/meeting.css";
import "../styles/notifications.css";
import { effect } from "@preact/signals";
import { render } from "preact";
import { installBridge } from "../bridge.ts";
import { LangSwitch } from "../components/lang_switch.tsx";
import { t } from "../i18n/i18n.ts";
import { locale } from "../i18n/locale.ts";
import { translateMarkup } from "../markup_i18n.ts";
import { notice } from "../notice.ts";
import { WebhooksPage } from "../pages/webhooks.tsx";
import { NotificationBell } from "../components/notification_bell.tsx";
import { openRoom, RoomConnection } from "../pages/room/connection.ts";
import { isHomeRoute, meetingIdOf, roomIdOf, vodOf } from "../routes.ts";

effect(() => {
  document.documentElement.lang = locale.value;
  if (isHomeRoute(location)) document.title = `${t("home.title")} · ${t("app.name")}`;
});

installBridge();
translateMarkup();

const langRoot = document.getElementById("lang-root");
if (langRoot) render(<LangSwitch />, langRoot);
const bellRoot = document.getElementById("bell-root");
if (bellRoot) render(<NotificationBell />, bellRoot);

const listView = document.getElementById("list-view");
if (listView && isHomeRoute(location)) {
  listView.hidden = false;
  import("../pages/home.tsx").then(({ Home }) => render(<Home notice={notice} />, listView));
}
if (listView && location.hash.startsWith("#/webhooks")) {
  listView.hidden = false;
  render(<WebhooksPage />, listView);
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
  import("../pages/meeting/meeting.tsx").then(({ Meeting }) =>
    render(
      <Meeting roomId={meetingId} connect={(say) => new RoomConnection(meetingId, say)} />,
      roomView,
    )
  );
}
