/**
 * What browser tests and benchmarks reach of the client from outside: the catalogues, formats,
 * the gift animation, the open room's connection and the effects. Set on
 * `globalThis.synapseClient` by index.html's entry.
 */
import { catalogueReady, errorSentence, type Params, t } from "./i18n/i18n.ts";
import type { MessageKey } from "./i18n/messages_en.ts";
import { giftBurst } from "./gifts/gift_burst.ts";
import { formatCoins, formatNumber, formatTime } from "./i18n/format.ts";
import { openRoom } from "./pages/room/connection.ts";

export const bridge = {
  giftBurst,
  t: (key: MessageKey, params?: Params) => t(key, params),
  /** A server error code's sentence (the sentences load on first use). */
  errorText: errorSentence,
  formatNumber,
  formatCoins,
  formatTime,
  /** The Room page's connection while a room is open. */
  get room() {
    return openRoom.value;
  },
  /**
   * The dashboard's effects (switch panel, processing), loaded on first use with their
   * strings: they are the streamer's catalogue part, which only the dashboard loads up front,
   * and a notice said once (effects too slow) is a string, not a render that updates later.
   */
  effects: async () => {
    await catalogueReady("base", "work");
    return await import("./effects/mount.tsx");
  },
};

declare global {
  var synapseClient: typeof bridge;
}

export function installBridge(): void {
  globalThis.synapseClient = bridge;
}
