/**
 * Headless Chromium for web client tests (playwright-core driving Debian's chromium). Tests
 * skip, saying so, when it is absent.
 */
import { type Browser, chromium, type Page } from "playwright-core";

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

/** A page in a fresh context (its own cookies and storage) whose uncaught errors go to
 * `errors`. */
export async function newPage(browser: Browser, errors: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(String(e)));
  return page;
}

/**
 * A page in a fresh context already signed in with `session` (`/api/auth/register`'s or
 * `/login`'s body: accessToken, refreshToken, user; stored as the web client keeps it),
 * generous timeouts for a loaded machine; uncaught errors go to `errors`.
 */
export async function signedInPage(
  browser: Browser,
  session: Record<string, unknown>,
  errors: string[],
  opts: { locale?: string; viewport?: { width: number; height: number } } = {},
): Promise<Page> {
  const ctx = await browser.newContext({
    locale: opts.locale ?? "en-US",
    viewport: opts.viewport ?? { width: 1280, height: 860 },
  });
  ctx.setDefaultTimeout(60_000);
  ctx.setDefaultNavigationTimeout(120_000);
  const stored = {
    accessToken: session.accessToken,
    refreshToken: session.refreshToken,
    accessExpiresAt: session.accessExpiresAt ?? Date.now() + 600_000,
    user: session.user,
  };
  await ctx.addInitScript(
    `localStorage.setItem("synapse.auth", ${JSON.stringify(JSON.stringify(stored))})`,
  );
  const page = await ctx.newPage();
  page.on("pageerror", (e) => errors.push(String(e)));
  return page;
}

/** Waits until an element matching `selector` holds `text` (playwright waits for it). */
export async function waitText(
  page: Page,
  selector: string,
  text: string | RegExp,
  timeout = 10_000,
) {
  await page.locator(selector, { hasText: text }).first().waitFor({ timeout });
}

/** Signs in with the web client's login form and waits until it says so. */
export async function login(page: Page, username: string, password = "correct horse battery") {
  await page.click("#login-btn");
  await page.fill("#login-form [name=username]", username);
  await page.fill("#login-form [name=password]", password);
  await page.click("#login-submit");
  await waitText(page, "#me", "signed in as");
}

/**
 * Whether the viewer's picture changes within half a second (a MediaStream <video> keeps its
 * currentTime running on a frozen track, so the pixels are compared).
 */
export const PICTURE_CHANGES = `(async () => {
  const v = document.querySelector("#live-video");
  if (!v || !v.videoWidth) return false;
  const c = document.createElement("canvas"); c.width = 64; c.height = 36;
  const ctx = c.getContext("2d", { willReadFrequently: true });
  const sum = () => { ctx.drawImage(v, 0, 0, 64, 36);
    return ctx.getImageData(0, 0, 64, 36).data.reduce((a, b) => a + b, 0); };
  const a = sum();
  await new Promise((r) => setTimeout(r, 500));
  return sum() !== a;
})()`;
