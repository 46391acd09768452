/** The operator pages (`/ops`): cluster, users and roles, finance; built wholly here. */
import "../styles/base.css";
import "../styles/page.css";
import "../styles/header.css";
import "../styles/ops.css";
import { effect } from "@preact/signals";
import { render } from "preact";
import { refreshUser } from "../api.ts";
import { catalogueReady, t } from "../i18n/i18n.ts";
import { locale } from "../i18n/locale.ts";
import { Ops } from "../pages/ops.tsx";

// Nothing renders before the language's catalogue is in (a chunk per language).
await catalogueReady("base", "work");

effect(() => {
  document.documentElement.lang = locale.value;
  document.title = `${t("ops.title")} · ${t("app.name")}`;
});

// Roles may have changed since sign-in (an admin granted one): read them again.
refreshUser();
render(<Ops />, document.getElementById("page")!);
