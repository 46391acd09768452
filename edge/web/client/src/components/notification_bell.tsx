/**
 * The bell in the header (signed-in users): the unread count as a badge; a click opens the
 * latest notifications, marks them read, and links to the notifications page (`#/notifications`).
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { currentUser } from "../api.ts";
import { formatDateTime } from "../i18n/format.ts";
import { t } from "../i18n/i18n.ts";
import { latest, loadInbox, markAllRead, unread, watchInbox } from "../notifications/inbox.ts";
import { wordItem } from "../notifications/wording.ts";

export function NotificationBell() {
  const open = useSignal(false);
  const me = currentUser.value;
  useEffect(() => {
    if (me) watchInbox();
  }, [me?.id]);
  if (!me) return null;
  const toggle = () => {
    open.value = !open.value;
    if (open.value) loadInbox().catch(() => {});
  };
  const n = unread.value;
  return (
    <div class="bell">
      <button
        id="bell-btn"
        type="button"
        class="secondary"
        aria-expanded={open.value}
        aria-label={n > 0 ? t("notify.unread", { n, count: n }) : t("notify.bell")}
        title={t("notify.bell")}
        onClick={toggle}
      >
        🔔{n > 0 && <span id="bell-count" class="bell-count">{n > 99 ? "99+" : n}</span>}
      </button>
      {open.value && (
        <div id="bell-panel" class="bell-panel" role="dialog" aria-label={t("notify.bell")}>
          {latest.value.length === 0
            ? <p class="muted">{t("notify.empty")}</p>
            : (
              <ul class="bell-list">
                {latest.value.map((item) => {
                  const w = wordItem(item);
                  return (
                    <li key={item.id} class={item.readAt ? "read" : "unread"}>
                      <a href={w.href}>{w.text}</a>
                      <span class="muted">{formatDateTime(new Date(item.createdAt))}</span>
                    </li>
                  );
                })}
              </ul>
            )}
          <div class="bell-actions">
            {n > 0 && (
              <button
                type="button"
                class="secondary"
                onClick={() => markAllRead()}
              >
                {t("notify.markAllRead")}
              </button>
            )}
            <a href="/#/notifications">{t("notify.seeAll")}</a>
          </div>
        </div>
      )}
    </div>
  );
}
