/**
 * `/#/notifications`: the inbox in full, the switches per kind × channel, this browser's push
 * notifications (on or off: the only place besides the offer after a follow that asks the
 * browser's permission, and only on a click), and the e-mail address with its verification.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, ApiError, currentUser } from "../api.ts";
import { formatDateTime } from "../i18n/format.ts";
import { errorText, t } from "../i18n/i18n.ts";
import type { MessageKey } from "../i18n/messages_en.ts";
import { latest, loadInbox, markAllRead, unread } from "../notifications/inbox.ts";
import { disablePush, enablePush, pushState, refreshPushState } from "../notifications/push.ts";
import { wordItem } from "../notifications/wording.ts";

const KINDS = ["live", "withdrawal_paid", "recording_ready"] as const;
const CHANNELS = ["in_app", "push", "email"] as const;
type Kind = typeof KINDS[number];
type Channel = typeof CHANNELS[number];
type Prefs = Record<Kind, Record<Channel, boolean>>;
interface EmailState {
  available: boolean;
  address: string | null;
  verified: boolean;
}

export function NotificationsPage({ notice }: { notice: (s: string) => void }) {
  const prefs = useSignal<Prefs | null>(null);
  const email = useSignal<EmailState | null>(null);
  const address = useSignal("");
  const busy = useSignal(false);
  const me = currentUser.value;
  const fail = (err: unknown) => notice(errorText(err instanceof ApiError ? err.code : "internal"));

  useEffect(() => {
    if (!me) return;
    loadInbox(50).catch(fail);
    refreshPushState().catch(() => {});
    api<{ preferences: Prefs; email: EmailState }>("/notifications/preferences", { auth: true })
      .then((r) => {
        prefs.value = r.preferences;
        email.value = r.email;
        address.value = r.email.address ?? "";
      }, fail);
  }, [me?.id]);
  if (!me) return <p class="panel">{t("notify.signIn")}</p>;

  const flip = async (kind: Kind, channel: Channel, enabled: boolean) => {
    try {
      const r = await api<{ preferences: Prefs }>("/notifications/preferences", {
        method: "PUT",
        json: { changes: [{ kind, channel, enabled }] },
        auth: true,
      });
      prefs.value = r.preferences;
      notice(t("notify.saved"));
    } catch (err) {
      fail(err);
    }
  };
  const sendLink = async (e: Event) => {
    e.preventDefault();
    busy.value = true;
    try {
      const typed = address.value.trim();
      const r = await api<{ email: EmailState }>("/notifications/email", {
        json: typed && typed !== email.value?.address ? { email: typed } : {},
        auth: true,
      });
      email.value = r.email;
      notice(t("notify.email.sent", { address: r.email.address ?? "" }));
    } catch (err) {
      fail(err);
    } finally {
      busy.value = false;
    }
  };
  const push = pushState.value;
  const e = email.value;
  return (
    <div class="notifications-page">
      <section class="panel wide">
        <h2>{t("notify.title")}</h2>
        {unread.value > 0 && (
          <button
            type="button"
            class="secondary"
            onClick={() => markAllRead().catch(fail)}
          >
            {t("notify.markAllRead")}
          </button>
        )}
        {latest.value.length === 0
          ? <p class="muted">{t("notify.empty")}</p>
          : (
            <ul id="inbox" class="bell-list">
              {latest.value.map((item) => {
                const w = wordItem(item);
                return (
                  <li key={item.id} class={item.readAt ? "read" : "unread"}>
                    <a href={w.href}>{w.text}</a>{" "}
                    <span class="muted">{formatDateTime(new Date(item.createdAt))}</span>
                  </li>
                );
              })}
            </ul>
          )}
      </section>
      <section class="panel wide">
        <h2>{t("notify.settings")}</h2>
        {prefs.value && (
          <table id="notify-prefs" class="notify-prefs">
            <thead>
              <tr>
                <th></th>
                {CHANNELS.map((c) => <th key={c}>{t(`notify.channel.${c}` as MessageKey)}</th>)}
              </tr>
            </thead>
            <tbody>
              {KINDS.map((k) => (
                <tr key={k}>
                  <th scope="row">{t(`notify.kind.${k}` as MessageKey)}</th>
                  {CHANNELS.map((c) => (
                    <td key={c}>
                      <input
                        type="checkbox"
                        data-kind={k}
                        data-channel={c}
                        aria-label={`${t(`notify.kind.${k}` as MessageKey)}: ${
                          t(`notify.channel.${c}` as MessageKey)
                        }`}
                        checked={prefs.value![k][c]}
                        onChange={(ev) => flip(k, c, (ev.target as HTMLInputElement).checked)}
                      />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h3>{t("notify.push.title")}</h3>
        <p id="push-state" class="muted">
          {t(
            push === "on"
              ? "notify.push.on"
              : push === "denied"
              ? "notify.push.denied"
              : push === "unsupported"
              ? "notify.push.unsupported"
              : "notify.push.off",
          )}
        </p>
        {push === "off" && (
          <button
            id="push-enable"
            type="button"
            onClick={() => enablePush().catch(fail)}
          >
            {t("notify.push.enable")}
          </button>
        )}
        {push === "on" && (
          <button
            id="push-disable"
            type="button"
            class="secondary"
            onClick={() => disablePush().catch(fail)}
          >
            {t("notify.push.disable")}
          </button>
        )}
        <h3>{t("notify.email.title")}</h3>
        {e && !e.available && <p class="muted">{t("notify.email.unavailable")}</p>}
        {e?.available && (
          <form id="email-form" onSubmit={sendLink}>
            <p id="email-state" class="muted">
              {t(
                !e.address
                  ? "notify.email.none"
                  : e.verified
                  ? "notify.email.verified"
                  : "notify.email.unverified",
              )}
            </p>
            <label>
              {t("notify.email.address")}{" "}
              <input
                type="email"
                name="email"
                maxLength={254}
                value={address.value}
                onInput={(ev) => (address.value = (ev.target as HTMLInputElement).value)}
              />
            </label>{" "}
            <button type="submit" disabled={busy.value || !address.value.trim()}>
              {t("notify.email.send")}
            </button>
          </form>
        )}
      </section>
    </div>
  );
}
