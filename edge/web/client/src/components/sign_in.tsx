/**
 * The sign-in card of the pages that need an account (dashboard, operator pages): why, and the
 * same forms as the header's dialog (auth_forms.tsx: sign in, create an account, providers).
 * The session is shared by every page, so signing in here shows the page.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { t } from "../i18n/i18n.ts";
import { AuthForms } from "./auth_forms.tsx";
import { askProviders, oauthProviders } from "./providers.ts";

export function SignIn({ why }: { why: string }) {
  const oauth = useSignal<string[]>(oauthProviders());
  useEffect(() => {
    askProviders().then(() => (oauth.value = oauthProviders()));
  }, []);
  return (
    <section class="panel-card signin-card" aria-labelledby="signin-h">
      <h1 id="signin-h">{t("signin.title")}</h1>
      <p class="muted">{why}</p>
      <AuthForms providers={oauth.value} idPrefix="signin-" />
    </section>
  );
}
