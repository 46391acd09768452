/**
 * The Room page (`/r/:roomId`): the player with live captions, danmaku flying over it in
 * lanes, gifts animated by tier, the highlight timeline, the chat (a polite live region; the
 * flying danmaku are aria-hidden), the gift panel, top gifters, the streamer with follow and
 * report, and dividers saying how many messages were missed after a gap or left out by the
 * display budget of a very busy room.
 */
import "../../styles/media.css";
import "../../styles/danmaku.css";
import "../../styles/stage.css";
import "../../styles/room.css";
import "../../styles/room_tools.css";
import { effect, useComputed, useSignal } from "@preact/signals";
import { useEffect, useMemo, useRef } from "preact/hooks";
import type { HighlightSpan, RoomEvent } from "../../../../../../actors/room/contract.ts";
import { DanmakuControls } from "../../danmaku/controls.tsx";
import { fly } from "../../danmaku/overlay.ts";
import { giftBurst } from "../../gifts/gift_burst.ts";
import { formatMoney, formatNumber } from "../../i18n/format.ts";
import { errorSentence, errorText, hasMessage, t } from "../../i18n/i18n.ts";
import { ChatList, ChatStore } from "./chat.tsx";
import type { ConnState, Divider, RoomConnection } from "./connection.ts";
import { giftIcon, giftName, GiftPanel } from "./gift_panel.tsx";
import { HighlightList, HighlightTimeline } from "./highlights.tsx";
import { Leaderboard } from "./leaderboard.tsx";
import { LivePlayer, type PlayerState } from "./player.ts";
import { ReportButton } from "./report.tsx";
import { RoomAiPanel, timeLeft } from "./ai_panel.tsx";
import { MessageMenu, onDanmakuContextMenu } from "./message_menu.tsx";
import { refreshWallet } from "../../wallet.ts";
import { StreamerBox } from "./streamer_box.tsx";
import {
  bindStageFromWelcome,
  onStageFrame,
  pk,
  stage,
  stageSelf,
} from "../../stage/stage_store.ts";
import { lazyComponent } from "../../components/lazy.tsx";
import { vodHref } from "../../routes.ts";

/** Guests on stage and PK rounds: their panels' code loads only when the room has them. */
const StagePanel = lazyComponent(
  () => import("../../stage/stage_panel.tsx").then((m) => m.StagePanel),
  { quiet: true },
);
const PkPanel = lazyComponent(
  () => import("../../stage/pk_panel.tsx").then((m) => m.PkPanel),
  { quiet: true },
);

const CAPTIONS_KEY = "synapse.captions";
/** How long a caption stays when no newer one replaces it. */
const CAPTION_MS = 6_000;
/** The "+n" of the display budget sums what it left out over this window. */
const OMITTED_WINDOW_MS = 5_000;
const INFO_POLL_MS = 3_000;
const BURST = /^(6{3,}|哈{3,}|[?？]{2,})$/;

function connText(c: ConnState): string {
  if (c.state === "connecting") return t("room.connecting");
  if (c.state === "connected") return t("room.connected");
  if (c.why === "closed") return t("room.disconnected", { code: c.code });
  if (c.why === "banned") return t("room.banned");
  if (c.why === "removed") return errorText("meeting_removed");
  return t(c.why === "no_session" ? "room.noSession" : "room.tooManyConnections");
}

function badgeText(s: PlayerState, delayed: boolean): string {
  if (s === "live") return t(delayed ? "player.liveDelayed" : "player.live");
  if (s === "reconnecting") return t("player.reconnecting");
  return t(s === "media_off" ? "player.mediaOff" : "player.offline");
}

function dividerText(d: Divider): string {
  switch (d.kind) {
    case "missed":
      return d.n ? t("room.missed", { n: formatNumber(d.n), count: d.n }) : t("room.missedNone");
    case "catching_up":
      return t("room.catchingUp");
    case "unrecoverable":
      return t("room.unrecoverable");
    case "restarted":
      return t("room.restarted");
    case "dropped":
      return t("room.droppedSlow", { n: formatNumber(d.n), count: d.n });
  }
}

function systemText(e: Extract<RoomEvent, { t: "system" }>): string {
  if (e.code === "stream_live") return t("room.streamLive");
  if (e.code === "stream_offline") return t("room.streamOffline");
  return e.text;
}

export function Room({ room, notice }: { room: RoomConnection; notice: (s: string) => void }) {
  const roomId = room.roomId;
  const chat = useMemo(() => new ChatStore(), [room]);
  const highlights = useSignal<HighlightSpan[]>([]);
  /** The caption shown and who spoke it (a guest on stage, the streamer). */
  const caption = useSignal<{ text: string; speaker?: string } | null>(null);
  const captionsOn = useSignal(localStorage.getItem(CAPTIONS_KEY) !== "off");
  const omitted = useSignal<{ at: number; n: number }[]>([]);
  const now = useSignal(Date.now());
  const draft = useSignal("");
  const videoRef = useRef<HTMLVideoElement>(null);
  const layerRef = useRef<HTMLDivElement>(null);
  const giftLayerRef = useRef<HTMLDivElement>(null);
  const stageTilesRef = useRef<HTMLDivElement>(null);
  const player = useSignal<LivePlayer | null>(null);

  useEffect(() => {
    const p = new LivePlayer(
      videoRef.current!,
      roomId,
      (code) => notice(t(code === "webrtc_fallback" ? "player.hlsFallback" : "player.cannotPlay")),
      (view) => !!view.streamerId && view.streamerId === room.me.value?.userId,
      stageTilesRef.current,
    );
    player.value = p;
    const stopStream = effect(() => p.setStream(room.stream.value));
    let captionTimer: ReturnType<typeof setTimeout> | undefined;
    let lastSaid = "";
    const addHighlight = (h: HighlightSpan) =>
      highlights.value = [...highlights.value.filter((x) => x.id !== h.id), h];
    const history = (list: { name: string; text: string; userId: string; id: string }[]) => {
      for (const d of list) {
        chat.add({ kind: "msg", who: d.name, text: d.text, userId: d.userId, msgId: d.id });
      }
    };
    const onEvent = (e: RoomEvent) => {
      const me = room.me.value;
      switch (e.t) {
        case "danmaku": {
          const mine = !!me && e.d.userId === me.userId;
          if (layerRef.current) fly(layerRef.current, e.d, { mine, burst: BURST.test(e.d.text) });
          // Bridged from another platform: its name says where from.
          const who = e.d.via ? `[${e.d.via.platform}] ${e.d.name}` : e.d.name;
          chat.add({ kind: "msg", who, text: e.d.text, userId: e.d.userId, msgId: e.d.id });
          break;
        }
        case "gift": {
          const text = t("gifts.sent", {
            name: e.g.name,
            count: e.g.count,
            gift: giftName(e.g.giftId, e.g.giftName),
          });
          if (giftLayerRef.current) {
            giftBurst(giftLayerRef.current, e.g, giftIcon(e.g.giftId), text);
          }
          chat.add({
            kind: "gift",
            who: e.g.name,
            text: `${giftIcon(e.g.giftId)} ${
              t("gifts.chatLine", { count: e.g.count, gift: giftName(e.g.giftId, e.g.giftName) })
            }`,
            userId: e.g.userId,
          });
          // The streamer's earnings changed: the header's wallet shows them.
          if (me && room.settings.value.owner === me.userId) refreshWallet();
          break;
        }
        case "highlight":
          addHighlight(e.h);
          chat.add({
            kind: "sys",
            text: t("room.highlightLine", {
              phrases: e.h.topPhrases.map((p) => p.phrase).join(" "),
            }),
          });
          break;
        case "system":
          chat.add({ kind: "sys", text: systemText(e) });
          break;
        case "moderation":
          chat.add({
            kind: "sys",
            text: hasMessage(`mod.event.${e.action}`)
              ? t(`mod.event.${e.action}` as "mod.event.mute", { target: e.target, by: e.by })
              : `${e.target}: ${e.action} (${e.by})`,
          });
          break;
        case "settings":
          chat.add({
            kind: "sys",
            text: t(e.s.guestChat ? "room.guestChatOn" : "room.guestChatOff"),
          });
          break;
        case "caption":
          clearTimeout(captionTimer);
          caption.value = { text: e.c.text, speaker: e.c.speaker?.name || undefined };
          captionTimer = setTimeout(() => (caption.value = null), CAPTION_MS);
          break;
        case "cohost":
          if (e.op === "sentence") {
            chat.add({ kind: "cohost", who: t("room.cohost"), text: e.text });
          }
          break;
        case "bridged":
          chat.add({
            kind: "gift",
            who: `[${e.platform}] ${"user" in e ? e.user.name : ""}`,
            text: bridgedText(e),
          });
          break;
        case "retract":
          chat.retract(e.messageId);
          break;
      }
    };
    let stageCmds = 0;
    const stopListening = room.listen({
      // Guests on stage (连麦): the stage's state rides on welcome, batches and stage_ok.
      frame: (f) => onStageFrame(f),
      welcome: (f, resumed) => {
        // A viewer (re)joining while muted hears for how long and by whom (the room refuses
        // their chat until then with the same answer).
        const muted = f.self?.muted;
        if (muted) {
          notice(t("ai.youAreMuted", {
            left: timeLeft(muted.until),
            by: t(muted.source === "ai" ? "ai.byModerator" : "ai.byAdmin"),
          }));
        }
        bindStageFromWelcome(
          f,
          (cmd) => room.send({ type: "stage", cmd, clientId: `s${++stageCmds}` }),
        );
        if (!resumed) history(f.history);
        for (const h of f.highlights) addHighlight(h);
      },
      restarted: (f) => {
        history(f.history);
        for (const h of f.highlights) addHighlight(h);
      },
      batch: (f) => {
        if (f.omitted) omitted.value = [...omitted.value, { at: Date.now(), n: f.omitted }];
      },
      event: onEvent,
      divider: (d, key) => chat.divider(dividerText(d), key),
      other: (f) => {
        if (f.type === "ack" && f.warning) notice(`⚠️ ${f.warning.message}`);
        if (f.type === "ack" && f.suppressed && layerRef.current && room.me.value) {
          // Accepted but not broadcast (a flood of the same text): the sender still sees it.
          fly(layerRef.current, { text: lastSaid, userId: room.me.value.userId }, { mine: true });
        } else if (f.type === "mod_ok") {
          const key = `mod.done.${f.action}`;
          notice(hasMessage(key) ? t(key) : `${f.action} ✓`);
        } else if (f.type === "error") {
          void errorSentence(f.code).then(notice);
        }
      },
    });
    saidRef.current = (text) => (lastSaid = text);
    room.start();
    // Batches carry the viewer count only when something happens: poll it too.
    const poll = setInterval(async () => {
      now.value = Date.now();
      omitted.value = omitted.value.filter((o) => o.at > Date.now() - OMITTED_WINDOW_MS);
      try {
        const res = await fetch(`/api/rooms/${encodeURIComponent(roomId)}`);
        if (res.ok) room.updateInfo((await res.json()).room);
      } catch {
        // the next poll retries
      }
    }, INFO_POLL_MS);
    return () => {
      clearInterval(poll);
      stopListening();
      stopStream();
      room.stop();
      p.destroy();
    };
  }, [room]);
  const saidRef = useRef<(text: string) => void>(() => {});

  useEffect(() => {
    document.title = `${room.settings.value.title ?? roomId} · ${t("app.name")}`;
  });

  const omittedNow = useComputed(() => omitted.value.reduce((s, o) => s + o.n, 0));
  const me = room.me.value;
  const settings = room.settings.value;
  const c = room.conn.value;
  const p = player.value;
  const pState = p?.state.value ?? "offline";
  const live = pState === "live" || pState === "reconnecting";
  const guestBlocked = me?.kind === "guest" && settings.guestChat === false;

  return (
    <>
      <section class="stage">
        <div class="room-bar">
          <h2 id="room-title">{settings.title ?? roomId}</h2>
          {live && <span class="live-badge" id="live-badge">{t("room.live")}</span>}
          <span class="pill">
            <span id="viewers">{formatNumber(room.viewers.value)}</span> {t("room.watching")}
          </span>
          <span
            id="conn"
            class={`pill conn ${c.state === "down" ? "down" : c.state}`}
            role="status"
          >
            {connText(c)}
          </span>
          <button
            id="cc-btn"
            class={`pill cc-btn${captionsOn.value ? " on" : ""}`}
            type="button"
            aria-pressed={captionsOn.value}
            title={t("room.ccTitle")}
            onClick={() => {
              captionsOn.value = !captionsOn.value;
              localStorage.setItem(CAPTIONS_KEY, captionsOn.value ? "on" : "off");
            }}
          >
            CC
          </button>
          <div id="danmaku-controls">
            <DanmakuControls />
          </div>
          {settings.owner && settings.managed && (
            <StreamerBox ownerId={settings.owner} notice={notice} />
          )}
          <a class="pill-button vod-link" href={vodHref(roomId)}>
            {t("player.recordings")}
          </a>
          <ReportButton roomId={roomId} notice={notice} />
        </div>
        <div
          id="video"
          class="video"
          data-stream={pState === "reconnecting" ? "live" : pState}
          data-transport={p?.transport.value ?? undefined}
        >
          <video
            id="live-video"
            class="live-video"
            ref={videoRef}
            autoplay
            playsInline
            muted
            controls
            aria-label={t("player.label")}
          />
          <span id="stream-badge" class={`stream-badge ${pState}`}>
            {badgeText(pState, p?.delayed.value ?? false)}
          </span>
          {!live && (
            <div class="video-placeholder">
              {t(pState === "media_off" ? "player.mediaOffHint" : "player.offlineHint")}
            </div>
          )}
          <div
            id="danmaku-layer"
            class="danmaku-layer"
            aria-hidden="true"
            ref={layerRef}
            onContextMenu={onDanmakuContextMenu}
          />
          <div id="gift-layer" class="gift-layer" aria-hidden="true" ref={giftLayerRef} />
          <div id="stage-tiles" class="stage-tiles" hidden ref={stageTilesRef} />
          <div
            id="caption-line"
            class="caption-line"
            hidden={!captionsOn.value || caption.value === null}
            aria-live="polite"
          >
            {caption.value?.speaker && <span class="caption-speaker">{caption.value.speaker}</span>}
            {caption.value?.text}
          </div>
        </div>
        <HighlightTimeline highlights={highlights} now={now.value} />
        <form
          id="say-form"
          class="say-form"
          onSubmit={(e) => {
            e.preventDefault();
            const text = draft.value.trim();
            if (!text) return;
            saidRef.current(text);
            if (room.send({ type: "say", text, clientId: `c${Date.now().toString(36)}` })) {
              draft.value = "";
            }
          }}
        >
          <label for="chat-input" class="visually-hidden">{t("room.message")}</label>
          <input
            id="chat-input"
            placeholder={t("room.sayPlaceholder")}
            maxLength={100}
            autocomplete="off"
            value={draft.value}
            onInput={(e) => (draft.value = (e.currentTarget as HTMLInputElement).value)}
          />
          <button type="submit" id="send">{t("room.send")}</button>
        </form>
        {guestBlocked && <div id="guest-hint" class="muted">{t("room.guestHint")}</div>}
        <div id="stage-panel">
          {
            // Guests go on stage with their camera or microphone: not on a server without media.
            stage.value && stageSelf.value && p?.mediaOn.value && <StagePanel />
          }
          {
            // A round going on, or the streamer's and admins' invitation form.
            stageSelf.value && (pk.value || stageSelf.value.staff) && <PkPanel />
          }
        </div>
        <GiftPanel room={room} notice={notice} />
      </section>
      <aside class="side" tabindex={0} aria-label={t("room.side")}>
        <RoomAiPanel room={room} notice={notice} />
        <Leaderboard room={room} />
        <h3 class="chat-head">
          <span>{t("room.chat")}</span>
          {omittedNow.value > 0 && (
            <span
              id="omitted"
              class="omitted"
              title={t("room.omittedTitle", { n: omittedNow.value, count: omittedNow.value })}
            >
              {t("room.omitted", { n: formatNumber(omittedNow.value) })}
            </span>
          )}
        </h3>
        <ChatList store={chat} selfId={me?.userId} />
        <MessageMenu room={room} notice={notice} />
        <h3>{t("room.highlights")}</h3>
        <HighlightList highlights={highlights} />
      </aside>
    </>
  );
}

/** An outside platform's gift, super chat, membership or activity, with its value (shown only). */
function bridgedText(e: Extract<RoomEvent, { t: "bridged" }>): string {
  const v = "value" in e && e.value ? ` (${formatMoney(e.value.minor, e.value.currency)})` : "";
  switch (e.kind) {
    case "gift":
      return t("bridged.gift", { count: e.count, gift: e.giftName }) + v;
    case "superchat":
      return t("bridged.superchat", { text: e.text }) + v;
    case "membership":
      return t("bridged.membership", { tier: e.tier, count: e.count }) + v;
    default:
      return t("bridged.activity", { follows: e.follows, likes: e.likes, entries: e.entries });
  }
}
