/**
 * The TypeScript client's entry, loaded by every page beside the older `app.js`: the language
 * switch in the header, and the pages already rebuilt on Preact (today: Home). Pages not yet
 * rebuilt stay with app.js, which no longer renders them once they move here; meanwhile they
 * use this client's danmaku overlay and catalogues through `globalThis.synapseClient`.
 */
import "../styles/base.css";
import "../styles/home.css";
import "../styles/danmaku.css";
import "../styles/stage.css";
import { effect } from "@preact/signals";
import { render } from "preact";
import { installBridge } from "../bridge.ts";
import { LangSwitch } from "../components/lang_switch.tsx";
import { DanmakuControls } from "../danmaku/controls.tsx";
import { t } from "../i18n/i18n.ts";
import { locale } from "../i18n/locale.ts";
import { translateMarkup } from "../markup_i18n.ts";
import { notice } from "../notice.ts";
import { Home } from "../pages/home.tsx";
import { WebhooksPage } from "../pages/webhooks.tsx";
import { isHomeRoute } from "../routes.ts";

effect(() => {
  document.documentElement.lang = locale.value;
  if (isHomeRoute(location)) document.title = `${t("home.title")} · ${t("app.name")}`;
});

installBridge();
translateMarkup();

const langRoot = document.getElementById("lang-root");
if (langRoot) render(<LangSwitch />, langRoot);

const listView = document.getElementById("list-view");
if (listView && isHomeRoute(location)) {
  listView.hidden = false;
  render(<Home notice={notice} />, listView);
}
if (listView && location.hash.startsWith("#/webhooks")) {
  listView.hidden = false;
  render(<WebhooksPage />, listView);
}

// The room page (still app.js) takes its danmaku controls from here.
const danmakuRoot = document.getElementById("danmaku-controls");
if (danmakuRoot) render(<DanmakuControls />, danmakuRoot);
