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

  "error.unknown": "Something went wrong ({code}).",
} as const;

export type MessageKey = keyof typeof en;
export type Message = string | { readonly one: string; readonly other: string };
