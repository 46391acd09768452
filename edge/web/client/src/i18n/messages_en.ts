/**
 * English UI strings. The keys are the catalogue: `messages_zh_cn.ts` must translate every
 * one (its type says so). `{name}` placeholders are filled by `t()`; a `{one, other}` entry is
 * chosen by the plural rule of `n`.
 */
export const en = {
  "app.name": "Synapse Live",
  "lang.label": "Language",
  "lang.zh-CN": "中文",
  "lang.en": "English",

  "home.title": "Live now",
  "home.following": "Live from people you follow",
  "home.followingEmpty": "Nobody you follow is live right now.",
  "home.search": "Search rooms",
  "home.searchPlaceholder": "Title or streamer",
  "home.category": "Category",
  "home.allCategories": "All",
  "home.loading": "Loading live rooms…",
  "home.empty":
    "No live rooms right now. Start one from “Go live”, or open a room by its id below.",
  "home.noMatch": "No room matches “{q}”. Try another word or category.",
  "home.offline": "Can’t reach the server. Check your connection; the list retries by itself.",
  "home.retry": "Retry now",
  "home.open": "Open a room",
  "home.openLabel": "Room id",
  "home.openPlaceholder": "e.g. lobby",
  "home.openButton": "Open",
  "home.badRoomId": "A room id is 1–64 letters, digits, _ or -.",
  "home.nickname": "Guest nickname",
  "home.nicknameSave": "Save nickname",
  "home.nicknameSaved": "Nickname saved",

  "card.live": "LIVE",
  "card.idle": "Chat only",
  "card.viewers": { one: "{n} watching", other: "{n} watching" },
  "card.rate": "{n} msg/s",
  "card.uncategorised": "Just chatting",
  "card.coverAlt": "Cover of {title}",
  "card.liveFor": "live for {d}",

  "danmaku.toggle": "Danmaku",
  "danmaku.settings": "Danmaku settings",
  "danmaku.reducedMotion":
    "Your system asks for reduced motion, so danmaku do not fly; every message is in the chat.",
  "danmaku.opacity": "Opacity",
  "danmaku.area": "Area",
  "danmaku.areaShare": "{n}% of the video",
  "danmaku.density": "Density",
  "danmaku.density.low": "Sparse",
  "danmaku.density.normal": "Normal",
  "danmaku.density.high": "Dense",
  "danmaku.speed": "Speed",
  "danmaku.speed.slow": "Slow",
  "danmaku.speed.normal": "Normal",
  "danmaku.speed.fast": "Fast",

  "room.connecting": "connecting…",
  "room.connected": "connected",
  "room.disconnected": "disconnected ({code})",
  "room.noSession": "no session",
  "room.tooManyConnections": "too many connections",
  "room.live": "LIVE",
  "room.offline": "Offline",
  "room.missed": { one: "{n} message you missed", other: "{n} messages you missed" },
  "room.missedNone": "Reconnected: nothing was missed",
  "room.restarted": "The room restarted; some messages may be missing",
  "room.unrecoverable": "Some messages from while you were away could not be loaded",
  "room.droppedSlow": {
    one: "{n} message missed: your connection is slow",
    other: "{n} messages missed: your connection is slow",
  },

  "error.unknown": "Something went wrong ({code}).",
} as const;

export type MessageKey = keyof typeof en;
export type Message = string | { readonly one: string; readonly other: string };
