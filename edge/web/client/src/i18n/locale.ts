/**
 * The UI language: the browser's preference picks zh-CN or en; a switch overrides it and is
 * remembered in localStorage. `locale` is a signal, so everything that reads it re-renders.
 */
import { signal } from "@preact/signals";
import { fromBrowser, type Locale, LOCALES } from "./pick_locale.ts";

export { type Locale, LOCALES };

const STORAGE_KEY = "synapse.lang";

function initial(): Locale {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (saved && (LOCALES as readonly string[]).includes(saved)) return saved as Locale;
  return fromBrowser(globalThis.navigator?.languages ?? []);
}

export const locale = signal<Locale>(initial());

/** Switch the language (remembered) and mark the document with it. */
export function setLocale(next: Locale): void {
  localStorage.setItem(STORAGE_KEY, next);
  locale.value = next;
  document.documentElement.lang = next;
}
