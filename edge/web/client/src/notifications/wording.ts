/** A notification from the inbox in the reader's language (the server stores facts, not words). */
import { formatCoins } from "../i18n/format.ts";
import { t } from "../i18n/i18n.ts";

export interface InboxItem {
  id: string;
  kind: "live" | "withdrawal_paid" | "recording_ready";
  payload: Record<string, unknown>;
  createdAt: string;
  readAt: string | null;
}

const str = (v: unknown) => (typeof v === "string" ? v : "");

export function wordItem(n: InboxItem): { text: string; href: string } {
  const p = n.payload;
  const room = encodeURIComponent(str(p.roomId));
  switch (n.kind) {
    case "live": {
      const s = p.streamer as { displayName?: string; username?: string } | null;
      const name = s?.displayName || s?.username || "?";
      const title = str(p.roomTitle);
      return {
        text: t("notify.live", { name }) + (title ? ` · ${title}` : ""),
        href: `/r/${room}`,
      };
    }
    case "withdrawal_paid":
      return {
        text: t("notify.withdrawalPaid", {
          amount: /^\d{1,30}$/.test(str(p.amount)) ? formatCoins(str(p.amount)) : "",
        }),
        href: "/#/console",
      };
    case "recording_ready":
      return {
        text: t("notify.recordingReady"),
        href: `/vod/${room}/${encodeURIComponent(str(p.recordingId))}`,
      };
  }
}
