/**
 * Translates the static markup of the pages not yet rebuilt (edge/web/index.html) from the
 * catalogues, and again whenever the language switches: `data-i18n="key"` sets the text,
 * `data-i18n-placeholder`, `data-i18n-title` and `data-i18n-aria-label` set those attributes.
 */
import { effect } from "@preact/signals";
import { t } from "./i18n/i18n.ts";
import type { MessageKey } from "./i18n/messages_en.ts";

const ATTRIBUTES = ["placeholder", "title", "aria-label"] as const;

export function translateMarkup(root: ParentNode = document): void {
  effect(() => {
    for (const el of root.querySelectorAll<HTMLElement>("[data-i18n]")) {
      el.textContent = t(el.dataset.i18n as MessageKey);
    }
    for (const attr of ATTRIBUTES) {
      for (const el of root.querySelectorAll<HTMLElement>(`[data-i18n-${attr}]`)) {
        el.setAttribute(attr, t(el.getAttribute(`data-i18n-${attr}`) as MessageKey));
      }
    }
  });
}
