/**
 * What the older plain-JS pages (edge/web/*.js) use of this client while they are rebuilt:
 * the danmaku overlay and the catalogues. Set on `globalThis.synapseClient` by the entry,
 * which the page loads before app.js.
 */
import { type Params, t } from "./i18n/i18n.ts";
import { errorText } from "./i18n/i18n.ts";
import type { MessageKey } from "./i18n/messages_en.ts";
import { fly } from "./danmaku/overlay.ts";
import { giftBurst } from "./gifts/gift_burst.ts";
import { formatCoins, formatNumber, formatTime } from "./i18n/format.ts";

export const bridge = {
  fly,
  giftBurst,
  t: (key: MessageKey, params?: Params) => t(key, params),
  errorText,
  formatNumber,
  formatCoins,
  formatTime,
};

declare global {
  var synapseClient: typeof bridge;
}

export function installBridge(): void {
  globalThis.synapseClient = bridge;
}
