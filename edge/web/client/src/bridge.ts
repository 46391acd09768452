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
import { h, render } from "preact";
import { StagePanel } from "./stage/stage_panel.tsx";
import { PkPanel } from "./stage/pk_panel.tsx";
import { bindStage, onStageFrame, type StageCmd, type StageSelf } from "./stage/stage_store.ts";
import { attachStageRoom, isStageGuest } from "./stage/stage_media.ts";

export const bridge = {
  fly,
  giftBurst,
  t: (key: MessageKey, params?: Params) => t(key, params),
  errorText,
  formatNumber,
  formatCoins,
  formatTime,
  /** Guests on stage (连麦): the panel, the socket's stage frames, guests' video tiles. */
  stage: {
    mount(el: HTMLElement, self: StageSelf, send: (cmd: StageCmd) => boolean): void {
      bindStage(self, send);
      render(h("div", null, h(StagePanel, null), h(PkPanel, null)), el);
    },
    onFrame: onStageFrame,
    attachRoom: attachStageRoom,
    isGuest: isStageGuest,
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
