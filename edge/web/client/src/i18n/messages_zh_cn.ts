/** 简体中文界面文案（键与 messages_en.ts 一一对应，类型检查保证不缺）。 */
import type { Message, MessageKey } from "./messages_en.ts";

export const zhCN: Record<MessageKey, Message> = {
  "app.name": "Synapse 直播",
  "lang.label": "语言",
  "lang.zh-CN": "中文",
  "lang.en": "English",

  "home.title": "正在直播",
  "home.following": "我关注的主播正在直播",
  "home.followingEmpty": "你关注的主播现在都没有开播。",
  "home.search": "搜索直播间",
  "home.searchPlaceholder": "标题或主播",
  "home.category": "分区",
  "home.allCategories": "全部",
  "home.loading": "正在加载直播间…",
  "home.empty": "现在没有直播间。去“开播”开一个，或在下方输入房间号进入。",
  "home.noMatch": "没有找到与“{q}”相关的直播间，换个词或分区试试。",
  "home.offline": "连不上服务器。请检查网络，列表会自动重试。",
  "home.retry": "立即重试",
  "home.open": "进入直播间",
  "home.openLabel": "房间号",
  "home.openPlaceholder": "例如 lobby",
  "home.openButton": "进入",
  "home.badRoomId": "房间号为 1–64 个字母、数字、_ 或 -。",
  "home.nickname": "游客昵称",
  "home.nicknameSave": "保存昵称",
  "home.nicknameSaved": "昵称已保存",

  "card.live": "直播中",
  "card.idle": "仅聊天",
  "card.viewers": "{n} 人在看",
  "card.rate": "每秒 {n} 条",
  "card.uncategorised": "闲聊",
  "card.coverAlt": "{title} 的封面",
  "card.liveFor": "已播 {d}",

  "error.unknown": "出错了（{code}）。",
};
