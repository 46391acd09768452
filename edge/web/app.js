// Synapse Live web client, the pages not yet rebuilt in TypeScript (client/): the room view
// (danmaku over the video, chat, gifts, leaderboard, follow, moderation), the streamer
// console and the admin pages. Plain JS modules, no build step. Protocol: edge/PROTOCOL.md.
//
// Routes: `/` home · `/r/:roomId` (or `#room=id`) a room · `/#/console` the streamer
// console · `/#/finance` withdrawals (finance, admins) · `/#/users` platform roles (admins) ·
// `/#/oauth?...` where the OAuth callback lands.
import { createAiPanel } from "./ai_panel.js";
import { flyDanmaku as flyOver } from "./danmaku_fly.js";
import { $, currentUser, el, onAuthChange, socketIdentity } from "./api.js";
import { initAuth } from "./auth.js";
import { showConsole } from "./console.js";
import { initFollowButton } from "./follow.js";
import { animateGift, createGiftPanel, giftIcon } from "./gifts.js";
import { createLeaderboard } from "./leaderboard.js";
import { createLiveCaptions } from "./live_captions.js";
import { initModeration } from "./moderation.js";
import { createPlayer } from "./player.js";
import { initWallet, refreshWallet } from "./wallet.js";

const TIMELINE_MS = 10 * 60 * 1000;
/** The TypeScript client's catalogues (client/src/bridge.ts), loaded before this module. */
const tr = (key, params) => globalThis.synapseClient.t(key, params);

function notice(text) {
  const n = $("#notice");
  n.textContent = text;
  n.hidden = false;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => (n.hidden = true), 6000);
}

// --- danmaku rendering

function flyDanmaku(d, opts) {
  flyOver($("#danmaku-layer"), d, opts);
}

/** A line in the chat list saying what the viewer missed (replaced when `line` is given). */
function chatDivider(text, line = el("li", { class: "chat-divider" })) {
  line.textContent = text;
  if (!line.isConnected) $("#chat").append(line);
  return line;
}

function chatLine(who, text, cls, userId) {
  const chat = $("#chat");
  const line = el("li", userId ? { "data-user": userId, "data-name": who } : {});
  if (who) line.append(el("span", { class: "who" }, who));
  line.append(el("span", cls ? { class: cls } : {}, text));
  chat.append(line);
  while (chat.children.length > 200) chat.firstChild.remove();
  chat.parentElement.scrollTop = chat.parentElement.scrollHeight;
}

/** An outside platform's gift, super chat, membership or activity, with its value (shown only). */
function bridgedText(e) {
  const value = e.value ? ` (${e.value.currency} ${(e.value.minor / 100).toFixed(2)})` : "";
  if (e.kind === "gift") return `sent ${e.count} × ${e.giftName}${value}`;
  if (e.kind === "superchat") return `super chat${value}: ${e.text}`;
  if (e.kind === "membership") return `joined as ${e.tier} × ${e.count}${value}`;
  return `${e.follows} follows, ${e.likes} likes, ${e.entries} joined`;
}

const highlights = new Map();
function addHighlight(h) {
  highlights.set(h.id, h);
  renderHighlights();
}
function renderHighlights() {
  const track = $("#timeline-track");
  const list = $("#highlights");
  track.replaceChildren();
  list.replaceChildren();
  const end = Date.now();
  const start = end - TIMELINE_MS;
  for (const h of [...highlights.values()].sort((a, b) => a.startAt - b.startAt)) {
    const phrases = h.topPhrases.map((p) => `${p.phrase}×${p.count}`).join(" ");
    if (h.endAt >= start) {
      const m = el("div", {
        class: "marker",
        title: `${h.reason} · score ${h.score.toFixed(2)} · ${phrases}`,
      });
      m.style.left = `${Math.max(0, ((h.startAt - start) / TIMELINE_MS) * 100)}%`;
      m.style.width = `${Math.max(0.5, ((h.endAt - h.startAt) / TIMELINE_MS) * 100)}%`;
      track.append(m);
    }
    list.prepend(
      el("li", {}, `${new Date(h.startAt).toLocaleTimeString()} · ${h.reason} · ${phrases}`),
    );
  }
}

// --- the room

function openRoom(roomId) {
  $("#room-view").hidden = false;
  $("#room-title").textContent = roomId;
  document.title = `${roomId} · Synapse Live`;
  const player = createPlayer($("#video"), roomId, { notice });
  setInterval(renderHighlights, 5000);
  // Batches carry the viewer count only when something happens: poll it too.
  setInterval(async () => {
    try {
      const res = await fetch(`/api/rooms/${encodeURIComponent(roomId)}`);
      if (!res.ok) return;
      const { room } = await res.json();
      $("#viewers").textContent = room.viewers;
      player.update(room.stream);
    } catch {
      // the next poll retries
    }
  }, 3000);
  // Signing in or out changes who this socket speaks for: start over as the new identity.
  onAuthChange(() => location.reload());

  let ws;
  let me;
  /** The room's settings as last heard (welcome, then `settings` events). */
  let settings = { owner: null, admins: [], guestChat: true, managed: false };
  let lastSeq = -1;
  let retries = 0;
  let pingTimer;
  let clientCounter = 0;
  let followShown = false;
  /** While missed batches are replayed after a reconnect: how many remain, danmaku counted. */
  let catchUp = null;
  const conn = $("#conn");

  const send = (frame) => {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  };
  const gifts = createGiftPanel({ send, notice });
  const leaderboard = createLeaderboard(roomId);
  const canModerate = () =>
    !!me && me.kind === "user" &&
    (me.userId === settings.owner || settings.admins.includes(me.userId) ||
      me.roles.includes("admin"));
  initModeration({ canModerate, selfId: () => me?.userId, send });
  const aiPanel = createAiPanel({ send, canModerate, selfId: () => me?.userId, notice });
  const captions = createLiveCaptions();

  const setConn = (text, cls) => {
    conn.textContent = text;
    conn.className = `pill conn ${cls}`;
  };

  const applySettings = (s) => {
    settings = { ...settings, ...s };
    if (s.title) $("#room-title").textContent = s.title;
    $("#guest-hint").hidden = !(me?.kind === "guest" && settings.guestChat === false);
    document.body.classList.toggle("can-moderate", canModerate());
    if (!followShown && settings.owner && settings.managed) {
      followShown = true;
      initFollowButton(settings.owner, notice);
    }
  };

  const onEvent = (e) => {
    if (e.t === "danmaku") {
      const mine = me && e.d.userId === me.userId;
      flyDanmaku(e.d, { mine, burst: /^(6{3,}|哈{3,}|[?？]{2,})$/.test(e.d.text) });
      // Bridged from another platform: its name says where from (PROTOCOL.md, bridged chat).
      const who = e.d.via ? `[${e.d.via.platform}] ${e.d.name}` : e.d.name;
      chatLine(who, e.d.text, undefined, e.d.userId);
    } else if (e.t === "bridged") {
      chatLine(`[${e.platform}] ${e.user?.name ?? ""}`, bridgedText(e), "gift");
    } else if (e.t === "cohost" && e.op === "sentence") {
      chatLine("🤖 AI co-host", e.text, "cohost");
    } else if (e.t === "highlight") {
      addHighlight(e.h);
      chatLine("", `✨ highlight: ${e.h.topPhrases.map((p) => p.phrase).join(" ")}`, "sys");
    } else if (e.t === "gift") {
      animateGift(e.g);
      chatLine(
        e.g.name,
        `${giftIcon(e.g.giftId)} ${tr("gifts.chatLine", { count: e.g.count, gift: e.g.giftName })}`,
        "gift",
        e.g.userId,
      );
      leaderboard.bump();
      if (me && settings.owner === me.userId) refreshWallet();
    } else if (e.t === "system") {
      player.onSystem(e);
      chatLine("", e.text, "sys");
    } else if (e.t === "moderation") {
      chatLine("", `${e.target} was ${e.action}d by ${e.by}`, "sys");
    } else if (e.t === "settings") {
      applySettings(e.s);
      chatLine("", `room settings changed: guest chat ${e.s.guestChat ? "on" : "off"}`, "sys");
    }
    captions.onEvent(e);
    aiPanel.onEvent(e);
  };

  async function connect(freshToken = false) {
    let s;
    try {
      s = await socketIdentity(freshToken);
    } catch (err) {
      setConn(tr("room.noSession"), "down");
      if (err.code === "rate_limited") {
        // Too many guest sessions from this network (per-IP limit): wait as told.
        const wait = err.retryAfter ?? 30;
        notice(`too many new guest sessions from your network; retrying in ${wait} s`);
        return reconnect(wait * 1000);
      }
      notice(err.message);
      return reconnect();
    }
    me = s.identity;
    if (me.kind === "guest") $("#me").textContent = tr("auth.watchingAs", { name: me.name });
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const path = `/ws/rooms/${encodeURIComponent(roomId)}`;
    ws = new WebSocket(`${proto}://${location.host}${path}`);
    let opened = false;
    ws.onopen = () => {
      opened = true;
      const hello = { type: "hello", v: 1, token: s.token, room: roomId };
      if (lastSeq >= 0) hello.resumeFrom = lastSeq;
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (m) => onFrame(JSON.parse(m.data));
    ws.onclose = (e) => {
      clearInterval(pingTimer);
      setConn(tr("room.disconnected", { code: e.code }), "down");
      if (e.code === 4401) return connect(true);
      if (e.code === 4403) return notice("you are banned from this room");
      if (!opened) return whyRefused(path);
      reconnect();
    };
  }

  /** A refused upgrade is opaque to browsers: a plain GET of the URL says why (429). */
  async function whyRefused(path) {
    const res = await fetch(path).catch(() => null);
    const body = res ? await res.json().catch(() => ({})) : {};
    if (res?.status === 429 && body.error?.code === "too_many_connections") {
      setConn(tr("room.tooManyConnections"), "down");
      notice(
        "too many open connections from your network: close other tabs or players; retrying in 30 s",
      );
      return reconnect(30_000);
    }
    reconnect();
  }

  function reconnect(minDelay = 0) {
    const delay = Math.min(10_000, 500 * 2 ** retries++) * (0.5 + Math.random() / 2);
    setTimeout(() => connect(), Math.max(minDelay, delay));
  }

  function onFrame(f) {
    if (globalThis.synapseClient.stage.onFrame(f)) return; // guests on stage (连麦)
    if (gifts.onFrame(f) || aiPanel.onFrame(f)) return;
    switch (f.type) {
      case "welcome":
        retries = 0;
        setConn(tr("room.connected"), "connected");
        me = f.you;
        applySettings(f.room);
        globalThis.synapseClient.stage.mount($("#stage-panel"), {
          userId: me.userId,
          signedIn: me.kind === "user",
          staff: !!(f.self?.owner || f.self?.admin || me.roles?.includes("admin")),
        }, (cmd) => send({ type: "stage", cmd, clientId: `s${++clientCounter}` }));
        player.setStream(f.room.stream);
        $("#viewers").textContent = f.viewers;
        for (const d of f.history) chatLine(d.name, d.text, undefined, d.userId);
        for (const h of f.highlights) addHighlight(h);
        // On a real resume the missed batches follow (seq after ours): a divider above them
        // says how many messages they bring once they are in. Otherwise the welcome is the new
        // baseline (also when the room's sequence restarted below ours); after a disconnect
        // that means what was said meanwhile is lost, and the divider says so.
        if (f.replayed) {
          catchUp = { remaining: f.replayed, danmaku: 0, line: chatDivider("…") };
        } else {
          if (lastSeq >= 0 && f.seq > lastSeq) chatDivider(tr("room.unrecoverable"));
          lastSeq = f.seq;
        }
        pingTimer = setInterval(() => send({ type: "ping", t: Date.now() }), 20_000);
        gifts.onWelcome();
        aiPanel.onWelcome();
        break;
      case "batch":
        if (f.seq <= lastSeq) break;
        lastSeq = f.seq;
        $("#viewers").textContent = f.viewers;
        for (const e of f.events) onEvent(e);
        if (catchUp) {
          catchUp.danmaku += f.events.filter((e) => e.t === "danmaku").length;
          if (--catchUp.remaining === 0) {
            const n = catchUp.danmaku;
            chatDivider(
              n ? tr("room.missed", { n, count: n }) : tr("room.missedNone"),
              catchUp.line,
            );
            catchUp = null;
          }
        }
        break;
      case "gap":
        send({ type: "resume", from: f.from - 1 });
        break;
      case "restarted":
        // The room's sequence went back (it restarted from older state): a new baseline.
        lastSeq = f.seq;
        $("#viewers").textContent = f.viewers;
        chatDivider(tr("room.restarted"));
        for (const d of f.history) chatLine(d.name, d.text, undefined, d.userId);
        break;
      case "resumed":
        if (f.gap) chatDivider(tr("room.unrecoverable"));
        break;
      case "dropped":
        chatDivider(tr("room.droppedSlow", { n: f.count, count: f.count }));
        lastSeq = Math.max(lastSeq, f.throughSeq);
        break;
      case "ack":
        if (f.suppressed) {
          flyDanmaku({ text: $("#chat-input").dataset.last || "", userId: me.userId }, {
            mine: true,
          });
        }
        break;
      case "mod_ok":
        notice(`${f.action}: done`);
        break;
      case "error":
        notice(globalThis.synapseClient.errorText(f.code));
        break;
    }
  }

  $("#say-form").onsubmit = (e) => {
    e.preventDefault();
    const input = $("#chat-input");
    const text = input.value.trim();
    if (!text) return;
    input.dataset.last = text;
    if (send({ type: "say", text, clientId: `c${++clientCounter}` })) input.value = "";
  };

  connect();
}

// --- routing

function route() {
  // `/#/golive?room=…` and `/#/vod?room=…` name a room too: match them first.
  // Going live moved to the streamer dashboard (/studio/:room).
  if (location.hash.startsWith("#/golive")) {
    const room = new URLSearchParams(location.hash.split("?")[1] ?? "").get("room");
    return location.replace(room ? `/studio/${encodeURIComponent(room)}` : "/studio");
  }
  if (location.hash.startsWith("#/vod")) return import("./vod.js").then((m) => m.showVod(notice));
  const fromPath = location.pathname.match(/^\/r\/([A-Za-z0-9_-]{1,64})$/);
  const fromHash = location.hash.match(/room=([A-Za-z0-9_-]{1,64})/);
  const roomId = fromPath?.[1] ?? fromHash?.[1];
  if (roomId) return openRoom(roomId);
  if (location.hash === "#/console") return showConsole();
  if (location.hash === "#/finance") return import("./finance.js").then((m) => m.showFinance());
  if (location.hash === "#/users") return import("./users.js").then((m) => m.showUsers());
  // Otherwise Home, which the TypeScript client renders (client/src/pages/home.tsx).
}

initWallet({ notice });
await initAuth({ notice });
if (!currentUser()) {
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
  if (/^#\/(console|finance|users|golive|vod|webhooks)|^$/.test(location.hash)) location.reload();
});
