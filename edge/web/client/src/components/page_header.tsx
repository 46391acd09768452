/**
 * The header of every page: the brand (home), the pages the signed-in user may use, the
 * language switch, the wallet (balance and earnings) and the account: sign in / register in a
 * dialog (with the OAuth providers the server has), who is signed in, sign out here or
 * everywhere. Guests see the name they chat under.
 */
import { useSignal, useSignalEffect } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { currentUser, signOut } from "../api.ts";
import { formatCoins } from "../i18n/format.ts";
import { t } from "../i18n/i18n.ts";
import { socketIdentity } from "../socket_identity.ts";
import { refreshWallet, walletBalance, walletEarnings } from "../wallet.ts";
import { lazyComponent } from "./lazy.tsx";
import { askProviders, oauthProviders, providers } from "./providers.ts";
import { LangSwitch } from "./lang_switch.tsx";

/** The bell (signed-in users only): its code and the inbox's load for them alone. */
const NotificationBell = lazyComponent(
  () => import("./notification_bell.tsx").then((m) => m.NotificationBell),
  { quiet: true },
);

/** The sign-in dialog's code loads the first time it opens. */
const AuthDialog = lazyComponent(
  () => import("./auth_dialog.tsx").then((m) => m.AuthDialog),
  { quiet: true },
);

export type PageName = "home" | "room" | "vod" | "studio" | "ops" | "webhooks";

export function PageHeader({ current }: { current: PageName }) {
  const user = currentUser.value;
  const roles = user?.roles ?? [];
  const operator = roles.includes("admin") || roles.includes("finance");
  const accounts = useSignal<boolean | null>(null);
  const oauth = useSignal<string[]>([]);
  const guestName = useSignal("");
  const dialogOpen = useSignal(false);
  useEffect(() => {
    askProviders().then(() => {
      accounts.value = providers.list !== "none";
      oauth.value = oauthProviders();
    });
  }, []);
  useSignalEffect(() => {
    if (currentUser.value) {
      refreshWallet();
    } else if (current !== "studio" && current !== "ops") {
      // Guests chat under a name of their own: say which.
      socketIdentity().then((s) => (guestName.value = s.identity.name), () => {});
    }
  });
  const earnings = BigInt(walletEarnings.value || "0");
  const here = (page: PageName) => (current === page ? "page" : undefined);
  return (
    <header class="page-header">
      <a class="brand" href="/">{t("app.name")}</a>
      <nav aria-label={t("nav.label")}>
        {user && (
          <a id="nav-studio" href="/studio" aria-current={here("studio")}>{t("nav.studio")}</a>
        )}
        {user && (
          <a id="nav-webhooks" href="/#/webhooks" aria-current={here("webhooks")}>
            {t("nav.webhooks")}
          </a>
        )}
        {operator && <a id="nav-ops" href="/ops" aria-current={here("ops")}>{t("nav.ops")}</a>}
        {!user && <a id="golive-link" href="/studio">{t("nav.golive")}</a>}
      </nav>
      <div class="header-end">
        <LangSwitch />
        {user && <NotificationBell />}
        {user && walletBalance.value !== null && (
          <span id="wallet" class="wallet pill" title={t("wallet.title")}>
            <span aria-hidden="true">🪙</span>{" "}
            <span id="wallet-balance">{formatCoins(walletBalance.value)}</span>
            {earnings > 0n && (
              <span id="earnings" class="muted">
                {" · "}
                {t("wallet.earned", { coins: formatCoins(walletEarnings.value) })}
              </span>
            )}
          </span>
        )}
        <span id="me" class="me">
          {user
            ? t("auth.signedInAs", { name: user.displayName })
            : guestName.value
            ? t("auth.youAre", { name: guestName.value })
            : ""}
        </span>
        {!user && accounts.value && (
          <button id="login-btn" type="button" onClick={() => (dialogOpen.value = true)}>
            {t("auth.signIn")}
          </button>
        )}
        {user && (
          <>
            <button id="logout-btn" type="button" class="secondary" onClick={() => signOut()}>
              {t("auth.signOut")}
            </button>
            <button
              id="logout-all-btn"
              type="button"
              class="secondary"
              title={t("auth.everywhereTitle")}
              onClick={() => signOut(true)}
            >
              {t("auth.everywhere")}
            </button>
          </>
        )}
      </div>
      {dialogOpen.value && (
        <AuthDialog providers={oauth.value} onClose={() => (dialogOpen.value = false)} />
      )}
    </header>
  );
}
