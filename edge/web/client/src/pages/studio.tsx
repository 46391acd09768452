/**
 * The streamer dashboard. `/studio`: my rooms (create one, open its dashboard). `/studio/:id`:
 * the room's dashboard in tabs — Live (go live from the browser with a preview, charts over
 * the stream's time, the chat, hot topics, coaching tips), Room AI (Q&A queue, knowledge base,
 * moderation log with undo), Stream (OBS ingress, recording), Co-host, and Room (settings:
 * title, category, cover, guest chat, admins; earnings and withdrawals). The tab is in the
 * URL's hash, so a link opens it. `/studio` also shows the earnings and withdrawals, and
 * records a live URL (Douyin, Bilibili, a stream) in windows (studio/live_url.tsx).
 */
import { useSignal, useSignalEffect } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import { api, ApiError, currentUser } from "../api.ts";
import { PageHeader } from "../components/page_header.tsx";
import { SignIn } from "../components/sign_in.tsx";
import { Tabs } from "../components/tabs.tsx";
import { errorText, t } from "../i18n/i18n.ts";
import { formatDuration } from "../i18n/format.ts";
import { StreamCharts } from "../studio/charts.tsx";
import { lazyComponent } from "../components/lazy.tsx";
import { BrowserPublish, live, ObsIngress } from "../studio/golive.tsx";
import { ChatFeed, HotTopics, KnowledgeBase, ModerationLog, QaQueue } from "../studio/room_ai.tsx";
import { RoomSocket } from "../studio/room_socket.ts";
import { StagePanel } from "../stage/stage_panel.tsx";
import { CoachingTips } from "../studio/tips.tsx";
import { LivenessFlags } from "../studio/liveness.tsx";
import { StreamLanguage } from "../studio/stream_language.tsx";

const ROOM_ID = /^[A-Za-z0-9_-]{1,64}$/;

// Tabs other than Live, and the earnings, load when first shown.
const CoHost = lazyComponent(() => import("../studio/cohost.tsx").then((m) => m.CoHost));
const Recording = lazyComponent(() => import("../studio/recording.tsx").then((m) => m.Recording));
const EarningsPanel = lazyComponent(() =>
  import("../studio/earnings.tsx").then((m) => m.EarningsPanel)
);
const LiveUrlRecorder = lazyComponent(() =>
  import("../studio/live_url.tsx").then((m) => m.LiveUrlRecorder)
);
const RoomSettings = lazyComponent(() =>
  import("../studio/room_settings.tsx").then((m) => m.RoomSettings)
);

function roomFromPath(): string | null {
  const m = location.pathname.match(/^\/studio\/([^/]+)$/);
  const id = m ? decodeURIComponent(m[1]) : null;
  return id && ROOM_ID.test(id) ? id : null;
}

export function Studio() {
  const roomId = roomFromPath();
  return (
    <>
      <PageHeader current="studio" />
      <main id="studio" class="page-main">
        {!currentUser.value
          ? <SignIn why={t("studio.signIn")} />
          : roomId
          ? <Dashboard roomId={roomId} />
          : <MyRooms />}
      </main>
    </>
  );
}

interface MyRoom {
  id: string;
  title: string;
  liveStreamId?: string | null;
}

function MyRooms() {
  const rooms = useSignal<MyRoom[] | null>(null);
  const status = useSignal("");
  const load = () =>
    api<{ rooms: MyRoom[] }>("/me/rooms", { auth: true }).then(
      (r) => (rooms.value = r.rooms),
      (err) => (status.value = errorText(err instanceof ApiError ? err.code : "offline")),
    );
  useEffect(() => void load(), []);
  const create = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const id = String(data.get("id") ?? "").trim();
    try {
      const { room } = await api<{ room: MyRoom }>("/rooms", {
        auth: true,
        json: { title: String(data.get("title")).trim(), ...(id ? { id } : {}) },
      });
      location.assign(`/studio/${encodeURIComponent(room.id)}`);
    } catch (err) {
      status.value = errorText(err instanceof ApiError ? err.code : "offline");
    }
  };
  return (
    <div class="studio-rooms">
      <h1>{t("studio.myRooms")}</h1>
      {rooms.value === null && !status.value && <p class="muted">{t("studio.loading")}</p>}
      {rooms.value?.length === 0 && <p class="muted">{t("studio.noRooms")}</p>}
      <ul class="room-links">
        {rooms.value?.map((r) => (
          <li key={r.id}>
            <a href={`/studio/${encodeURIComponent(r.id)}`}>{r.title || r.id}</a>
            {r.liveStreamId && <span class="live-badge">{t("card.live")}</span>}
            <span class="muted small">{r.id}</span>
          </li>
        ))}
      </ul>
      <section class="panel-card narrow" aria-labelledby="create-h">
        <h2 id="create-h">{t("studio.create")}</h2>
        <form class="stack" id="create-room-form" onSubmit={create}>
          <label>
            <span>{t("studio.roomTitle")}</span>
            <input name="title" required maxLength={120} />
          </label>
          <label>
            <span>{t("studio.roomId")}</span>
            <input name="id" pattern="[a-z0-9_-]{3,64}" />
          </label>
          <button type="submit">{t("studio.createButton")}</button>
        </form>
      </section>
      {status.value && <p class="error" role="alert">{status.value}</p>}
      <LiveUrlRecorder />
      <EarningsPanel />
    </div>
  );
}

interface RoomInfoView {
  title?: string | null;
  stream?: { live: boolean; since?: number; source?: string };
}

function Dashboard({ roomId }: { roomId: string }) {
  const socket = useMemo(() => new RoomSocket(roomId), [roomId]);
  const info = useSignal<RoomInfoView | null>(null);
  useEffect(() => () => socket.close(), [socket]);
  const loadInfo = () =>
    api<{ room: RoomInfoView }>(`/rooms/${encodeURIComponent(roomId)}`).then(
      (r) => (info.value = r.room),
      () => {},
    );
  useSignalEffect(() => {
    void socket.streamChanged.value;
    void live.value;
    loadInfo();
  });
  const stream = info.value?.stream;
  return (
    <div class="dashboard">
      <div class="dash-head">
        <h1>
          {info.value?.title || roomId}{" "}
          <span id="stream-state" class={stream?.live ? "live-badge" : "pill"}>
            {stream?.live ? t("card.live") : t("studio.offline")}
          </span>
        </h1>
        <p class="muted small">
          {stream?.live && stream.since
            ? t("card.liveFor", { d: formatDuration(Date.now() - stream.since) })
            : t("studio.offlineHelp")} ·{" "}
          <a href={`/r/${encodeURIComponent(roomId)}`}>{t("studio.openRoom")}</a>
          {" · "}
          <span id="socket-state">
            {socket.connected.value ? t("studio.connected") : t("studio.connecting")}
          </span>
        </p>
      </div>
      <Tabs
        label={t("studio.tabs")}
        tabs={[
          {
            id: "live",
            label: t("studio.tabLive"),
            body: () => (
              <div class="dash-grid">
                <div class="dash-col">
                  <BrowserPublish roomId={roomId} />
                  <div id="stage-panel" class="panel-card">
                    <StagePanel />
                  </div>
                  <StreamCharts roomId={roomId} socket={socket} />
                </div>
                <div class="dash-col">
                  <ChatFeed socket={socket} />
                  <HotTopics socket={socket} />
                  <CoachingTips roomId={roomId} />
                  <LivenessFlags roomId={roomId} />
                  <StreamLanguage roomId={roomId} socket={socket} />
                </div>
              </div>
            ),
          },
          {
            id: "ai",
            label: t("studio.tabAi"),
            body: () => (
              <div class="dash-grid">
                <div class="dash-col">
                  <QaQueue socket={socket} />
                  <KnowledgeBase socket={socket} />
                </div>
                <div class="dash-col">
                  <ModerationLog socket={socket} />
                </div>
              </div>
            ),
          },
          {
            id: "stream",
            label: t("studio.tabStream"),
            body: () => (
              <div class="dash-grid">
                <div class="dash-col">
                  <ObsIngress roomId={roomId} />
                </div>
                <div class="dash-col">
                  <Recording roomId={roomId} />
                </div>
              </div>
            ),
          },
          { id: "cohost", label: t("studio.tabCohost"), body: () => <CoHost roomId={roomId} /> },
          {
            id: "room",
            label: t("studio.tabRoom"),
            body: () => (
              <div class="dash-grid">
                <div class="dash-col">
                  <RoomSettings roomId={roomId} onSaved={loadInfo} />
                </div>
                <div class="dash-col">
                  <EarningsPanel />
                </div>
              </div>
            ),
          },
        ]}
      />
    </div>
  );
}
