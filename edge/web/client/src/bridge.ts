/**
 * What the older plain-JS pages (edge/web/*.js) use of this client while they are rebuilt:
 * the catalogues, formats, the gift animation (tests drive it) and the open room's connection
 * (the AI panel and the moderation menu attach to it). Set on `globalThis.synapseClient` by
 * the entry, which the page loads before app.js.
 */
import { type Params, t } from "./i18n/i18n.ts";
import { errorText } from "./i18n/i18n.ts";
import type { MessageKey } from "./i18n/messages_en.ts";
import { giftBurst } from "./gifts/gift_burst.ts";
import { formatCoins, formatNumber, formatTime } from "./i18n/format.ts";
import { openRoom } from "./pages/room/connection.ts";

export const bridge = {
  giftBurst,
  t: (key: MessageKey, params?: Params) => t(key, params),
  errorText,
  formatNumber,
  formatCoins,
  formatTime,
  /** The Room page's connection while a room is open. */
  get room() {
    return openRoom.value;
  },
  /** The Go live page's effects (switch panel, processing), loaded on first use. */
  effects: () => import("./effects/mount.tsx"),
};

declare global {
  var synapseClient: typeof bridge;
}

export function installBridge(): void {
  globalThis.synapseClient = bridge;
}
