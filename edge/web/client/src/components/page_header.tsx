/**
 * The header of the pages built wholly by this client (Studio, Operator): the brand (home),
 * the page links the signed-in user may use, the language switch and who is signed in.
 */
import { currentUser } from "../api.ts";
import { t } from "../i18n/i18n.ts";
import { LangSwitch } from "./lang_switch.tsx";

export function PageHeader({ current }: { current: "studio" | "ops" }) {
  const user = currentUser.value;
  const roles = user?.roles ?? [];
  const operator = roles.includes("admin") || roles.includes("finance");
  return (
    <header class="page-header">
      <a class="brand" href="/">{t("app.name")}</a>
      <nav aria-label={t("nav.label")}>
        <a href="/studio" aria-current={current === "studio" ? "page" : undefined}>
          {t("nav.studio")}
        </a>
        {operator && (
          <a href="/ops" aria-current={current === "ops" ? "page" : undefined}>{t("nav.ops")}</a>
        )}
      </nav>
      <div class="header-end">
        {user && <span class="me">{user.displayName}</span>}
        <LangSwitch />
      </div>
    </header>
  );
}
