/**
 * The operator pages (/ops) in Chromium, on Postgres (so the test can make a platform admin):
 * the cluster tab lists this process as an instance with its partitions; the users tab grants
 * the finance role (the user, signed in before, then sees Finance only); the finance tab pays one pending withdrawal with its reference and rejects
 * another with a reason, each leaving its state; a streamer without a role sees no operator
 * tab. In zh-CN and en: an axe scan of every tab with no serious violations, nothing wider than
 * a 390-px phone, screenshots at 390×844 and 1440×900 (tests/artifacts/).
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { setRoles } from "../edge/accounts/users.ts";
import { seriousViolations } from "./helpers/axe.ts";
import { hasChromium, launchChromium } from "./helpers/browser.ts";
import { TestViewer } from "./helpers/edge_client.ts";
import { giftRocket } from "./helpers/economy_fixtures.ts";
import { callJson } from "./helpers/http.ts";
import { startPostgresTestServer } from "./helpers/postgres_server.ts";
import { DESKTOP, PHONE, screenshot } from "./helpers/screenshots.ts";

const enabled = await hasChromium("web_ops");

async function signedIn(browser: Browser, locale: string, session: unknown, errors: string[]) {
  const context = await browser.newContext({ viewport: DESKTOP, locale });
  await context.addInitScript(
    `localStorage.setItem("synapse.auth", ${JSON.stringify(JSON.stringify(session))})`,
  );
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(`${locale}: ${e}`));
  return page;
}

const sessionOf = (body: { accessToken: string; refreshToken: string; user: unknown }) => ({
  accessToken: body.accessToken,
  refreshToken: body.refreshToken,
  accessExpiresAt: Date.now() + 3600_000,
  user: body.user,
});

async function tabsChecked(page: Page, where: string, problems: string[]) {
  for (const tab of ["cluster", "users", "finance"]) {
    await page.click(`#tab-${tab}`);
    await page.locator(`#panel-${tab} table`).first().waitFor();
    for (const v of await seriousViolations(page)) problems.push(`${where} #${tab}: ${v}`);
    for (const size of [PHONE, DESKTOP]) {
      await page.setViewportSize(size);
      const overflow = await page.evaluate(
        `document.documentElement.scrollWidth - document.documentElement.clientWidth`,
      );
      if (Number(overflow) > 0) problems.push(`${where} #${tab} ${size.width}px: +${overflow}px`);
      await screenshot(page, `ops-${where}-${tab}-${size.width}x${size.height}`);
    }
  }
}

Deno.test({
  name: "web ops: cluster, users and roles, finance pays and rejects; zh-CN and en; a11y",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { srv, store, close } = await startPostgresTestServer();
    const browser = await launchChromium();
    const errors: string[] = [];
    const problems: string[] = [];
    let socket: TestViewer | undefined;
    try {
      const signUp = async (username: string) => {
        const r = await callJson(srv.url, "/api/auth/register", {
          json: { username, password: "correct horse battery" },
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        return r.body;
      };
      const host = await signUp("ops_host");
      const fan = await signUp("ops_fan");
      const admin = await signUp("ops_admin");
      await setRoles(store, admin.user.id, ["admin"]);
      admin.user.roles = ["admin"];
      socket = await giftRocket(srv, {
        hostToken: host.accessToken,
        fanToken: fan.accessToken,
        roomId: "opsroom",
        title: "Ops",
        topup: "1000",
        keyPrefix: "web-ops",
      });
      for (const [amount, key] of [["300", "ops-wd-0001"], ["100", "ops-wd-0002"]]) {
        const r = await callJson(srv.url, "/api/withdrawals", {
          token: host.accessToken,
          json: { amount, idempotencyKey: key },
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
      }

      // A streamer without an operator role is told so, and gets no tab.
      const plain = await signedIn(browser, "en", sessionOf(host), errors);
      await plain.goto(`${srv.url}/ops`);
      await plain.locator("#ops .panel-card").waitFor();
      assert.equal(await plain.locator('[role="tab"]').count(), 0);
      await plain.context().close();

      // zh-CN: the admin works through every tab.
      const page = await signedIn(browser, "zh-CN", sessionOf(admin), errors);
      await page.goto(`${srv.url}/ops`);
      assert.equal(await page.locator("#tab-cluster").innerText(), "集群");
      await page.locator("#cluster-instances tbody tr").first().waitFor({ timeout: 15_000 });
      assert.ok(await page.locator("#cluster-partitions li").count() > 0, "partitions listed");

      await page.click("#tab-users");
      const fanRow = page.locator('#users-table tr[data-user="ops_fan"]');
      await fanRow.waitFor();
      await fanRow.locator('button[data-role="finance"][data-action="grant"]').click();
      await fanRow.locator('button[data-role="finance"][data-action="revoke"]').waitFor();
      await page.locator("#role-events li", { hasText: "finance" }).first().waitFor();
      const roles = await callJson(srv.url, `/api/admin/users/${fan.user.id}`, {
        token: admin.accessToken,
      });
      assert.ok(roles.body.user.roles.includes("finance"), JSON.stringify(roles.body.user));
      // The fan signed in before the grant: /ops reads the roles again and shows Finance only.
      const fanPage = await signedIn(browser, "en", sessionOf(fan), errors);
      await fanPage.goto(`${srv.url}/ops`);
      await fanPage.locator("#tab-finance").waitFor({ timeout: 15_000 });
      assert.equal(await fanPage.locator("#tab-users").count(), 0);
      assert.equal(await fanPage.locator("#tab-cluster").count(), 0);
      await fanPage.context().close();

      await page.click("#tab-finance");
      await page.locator("#finance-total", { hasText: "400" }).waitFor();
      const row = (amount: string) =>
        page.locator("#withdrawals-table tbody tr", {
          has: page.locator("td.num", { hasText: new RegExp(`^${amount}$`) }),
        });
      await row("300").locator("input").first().fill("BANK-0001");
      await row("300").getByRole("button", { name: "打款" }).click();
      await page.locator("#finance-status", { hasText: "300" }).waitFor();
      await row("100").locator("input").nth(1).fill("金额不符");
      await row("100").getByRole("button", { name: "驳回" }).click();
      await page.locator("#finance-status", { hasText: "100" }).waitFor();
      await page.locator("#withdrawals-table tbody tr").first().waitFor({ state: "detached" });
      const paid = await callJson(srv.url, "/api/admin/withdrawals?status=paid", {
        token: admin.accessToken,
      });
      assert.deepEqual(
        paid.body.withdrawals.map((w: { amount: string; payoutReference: string }) => [
          w.amount,
          w.payoutReference,
        ]),
        [["300", "BANK-0001"]],
      );
      await page.getByRole("button", { name: "已拒绝" }).click();
      await page.locator("#withdrawals-table tbody tr", { hasText: "金额不符" }).waitFor();
      await tabsChecked(page, "zh-CN", problems);

      // en: the same pages in English.
      const en = await signedIn(browser, "en", sessionOf(admin), errors);
      await en.goto(`${srv.url}/ops#finance`);
      assert.equal(await en.locator("#tab-finance").getAttribute("aria-selected"), "true");
      await en.locator("#finance-total", { hasText: "0 withdrawals" }).waitFor();
      await tabsChecked(en, "en", problems);

      assert.deepEqual(problems, []);
      assert.deepEqual(errors, []);
    } finally {
      socket?.close();
      await browser.close();
      await close();
    }
  },
});
