// Live captions on the room's stage: the room's `caption` events (the streamer's words, a
// second or two after they are spoken) shown as a subtitle line over the video, with a CC
// button that turns them off and on (remembered in this browser).
import { $ } from "./api.js";

const STORAGE_KEY = "synapse.captions";
/** How long a caption stays when no newer one replaces it. */
const SHOW_MS = 6_000;

export function createLiveCaptions() {
  const line = $("#caption-line");
  const button = $("#cc-btn");
  let enabled = localStorage.getItem(STORAGE_KEY) !== "off";
  let clearTimer;

  const render = () => {
    button.setAttribute("aria-pressed", String(enabled));
    button.classList.toggle("on", enabled);
    if (!enabled) line.hidden = true;
  };
  button.addEventListener("click", () => {
    enabled = !enabled;
    localStorage.setItem(STORAGE_KEY, enabled ? "on" : "off");
    render();
  });
  render();

  return {
    /** A batch event; only `caption` ones are shown. */
    onEvent(e) {
      if (e.t !== "caption") return;
      clearTimeout(clearTimer);
      line.textContent = e.c.text;
      line.hidden = !enabled;
      clearTimer = setTimeout(() => line.hidden = true, SHOW_MS);
    },
  };
}
