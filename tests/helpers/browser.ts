/**
 * Headless Chromium for web client tests (playwright-core driving Debian's chromium). Tests
 * skip, saying so, when it is absent.
 */
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** True when Chromium is installed; otherwise logs why the caller's test is skipped. */
export async function hasChromium(testName: string): Promise<boolean> {
  const found = await Deno.stat(CHROMIUM).then(() => true, () => false);
  if (!found) {
    console.warn(`${testName}: ${CHROMIUM} not found (apt-get install chromium); skipped`);
  }
  return found;
}

/** Launch headless Chromium with this machine's flags (plus `extraArgs`). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      ...extraArgs,
    ],
  });
}
