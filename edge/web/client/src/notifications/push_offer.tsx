/**
 * The moment push is offered: right after the user follows a streamer, once, if this browser
 * can receive push and has not been asked. The browser's own permission prompt only appears
 * when "Turn on" is pressed; "Not now" is remembered in this browser.
 */
import { useSignal } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n/i18n.ts";
import { enablePush, pushSupported } from "./push.ts";

const DISMISSED_KEY = "synapse.pushOffer.dismissed";

/** Whether following someone should offer push now. */
export function shouldOfferPush(): boolean {
  return pushSupported() && Notification.permission === "default" &&
    localStorage.getItem(DISMISSED_KEY) === null;
}

export function PushOffer({ name, onDone }: { name: string; onDone: () => void }) {
  const busy = useSignal(false);
  // Asked once per browser, and only where push works: otherwise it says nothing and is done.
  const [wanted] = useState(shouldOfferPush);
  useEffect(() => {
    if (!wanted) onDone();
  }, []);
  const no = () => {
    localStorage.setItem(DISMISSED_KEY, String(Date.now()));
    onDone();
  };
  const yes = async () => {
    busy.value = true;
    try {
      await enablePush();
    } finally {
      busy.value = false;
      onDone();
    }
  };
  if (!wanted) return null;
  return (
    <span id="push-offer" class="push-offer" role="status">
      {t("notify.offer", { name })}{" "}
      <button type="button" disabled={busy.value} onClick={yes}>{t("notify.offerYes")}</button>{" "}
      <button type="button" class="secondary" onClick={no}>{t("notify.offerNo")}</button>
    </span>
  );
}
