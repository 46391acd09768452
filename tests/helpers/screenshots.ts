/**
 * Screenshots of web pages written as test artifacts (never committed): under
 * `WEB_SCREENSHOTS_DIR` when set, else `tests/artifacts/screenshots/` (git-ignored).
 */
import type { Page } from "playwright-core";

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1440, height: 900 };

const DIR = Deno.env.get("WEB_SCREENSHOTS_DIR") ??
  new URL("../artifacts/screenshots/", import.meta.url).pathname;

/** Writes `{name}.png` (full page) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await Deno.mkdir(DIR, { recursive: true });
  const path = `${DIR.replace(/\/$/, "")}/${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}
