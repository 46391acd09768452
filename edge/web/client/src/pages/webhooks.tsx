/**
 * `/#/webhooks`: the signed-in streamer's webhook endpoints and, for platform admins, the
 * platform's as well (`components/webhooks_panel.tsx`).
 */
import { currentUser } from "../api.ts";
import { WebhooksPanel } from "../components/webhooks_panel.tsx";
import { t } from "../i18n/i18n.ts";

export function WebhooksPage() {
  const user = currentUser.value;
  if (!user) return <p class="panel">{t("webhooks.signIn")}</p>;
  return (
    <div class="webhooks-page">
      <WebhooksPanel scope="mine" />
      {user.roles.includes("admin") && <WebhooksPanel scope="platform" />}
    </div>
  );
}
