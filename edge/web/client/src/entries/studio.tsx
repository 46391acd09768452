/** The streamer's dashboard (`/studio`, `/studio/:roomId`): its own page, built wholly here. */
import "uplot/dist/uPlot.min.css";
import "../styles/base.css";
import "../styles/page.css";
import "../styles/header.css";
import "../styles/studio.css";
import "../styles/faces.css";
import { effect } from "@preact/signals";
import { render } from "preact";
import { refreshUser } from "../api.ts";
import { catalogueReady, t } from "../i18n/i18n.ts";
import { locale } from "../i18n/locale.ts";
import { Studio } from "../pages/studio.tsx";

// Nothing renders before the language's catalogue is in (a chunk per language).
await catalogueReady("base", "work");

effect(() => {
  document.documentElement.lang = locale.value;
  document.title = `${t("studio.title")} · ${t("app.name")}`;
});

// Roles may have changed since sign-in (an admin granted one): read them again.
refreshUser();
render(<Studio />, document.getElementById("page")!);
