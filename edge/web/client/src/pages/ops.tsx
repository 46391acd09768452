/**
 * The operator pages (`/ops`): Cluster and Users for platform admins, Finance for the finance
 * team and admins, as tabs (`#cluster`, `#users`, `#finance`). Each tab shows only to the
 * roles its API serves; the server checks again.
 */
import { currentUser } from "../api.ts";
import { PageHeader } from "../components/page_header.tsx";
import { SignIn } from "../components/sign_in.tsx";
import { type Tab, Tabs } from "../components/tabs.tsx";
import { t } from "../i18n/i18n.ts";
import { Cluster } from "../ops/cluster.tsx";
import { Finance } from "../ops/finance.tsx";
import { Users } from "../ops/users.tsx";

export function Ops() {
  const user = currentUser.value;
  const roles = user?.roles ?? [];
  const admin = roles.includes("admin");
  const tabs: Tab[] = [];
  if (admin) tabs.push({ id: "cluster", label: t("ops.tabCluster"), body: () => <Cluster /> });
  if (admin) tabs.push({ id: "users", label: t("ops.tabUsers"), body: () => <Users /> });
  if (admin || roles.includes("finance")) {
    tabs.push({ id: "finance", label: t("ops.tabFinance"), body: () => <Finance /> });
  }
  return (
    <>
      <PageHeader current="ops" />
      <main id="ops" class="page-main">
        {!user
          ? <SignIn why={t("ops.signIn")} />
          : tabs.length === 0
          ? <p class="panel-card">{t("ops.notAllowed")}</p>
          : (
            <>
              <h1>{t("ops.title")}</h1>
              <Tabs label={t("ops.title")} tabs={tabs} />
            </>
          )}
      </main>
    </>
  );
}
