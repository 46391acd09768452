/**
 * The Users page in headless Chromium against a started server (Postgres): a platform admin
 * lists users with their roles, grants `finance` (the change shows in the list and in the
 * role-change log), is refused removing their own admin role as the last admin
 * (`last_admin`); the finance user, already signed in, sees the Finance page after a reload
 * and no Users page.
 */
import assert from "node:assert/strict";
import { changeRole } from "../edge/accounts/roles.ts";
import { signUp } from "./helpers/accounts_app.ts";
import { hasChromium, launchChromium, login, newPage, waitText } from "./helpers/browser.ts";
import { startPostgresTestServer } from "./helpers/postgres_server.ts";
import { waitForValue } from "./helpers/wait.ts";

const enabled = await hasChromium("web_admin_roles");

Deno.test({
  name: "web: an admin grants finance on the Users page; last_admin is refused",
  ignore: !enabled,
  // Playwright keeps pipes and timers of its own beyond close().
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const pg = await startPostgresTestServer();
    const { srv, store } = pg;
    const browser = await launchChromium();
    const errors: string[] = [];
    try {
      for (const username of ["root_admin", "money_person", "just_viewer"]) {
        await signUp(srv, username, "correct horse battery");
      }
      await changeRole(store, { username: "root_admin" }, "admin", "grant", {
        via: "cli",
        name: "cli:test",
      });

      // The future finance user is signed in before the grant: no Finance, no Users.
      const finance = await newPage(browser, errors);
      await finance.goto(`${srv.url}/`);
      await login(finance, "money_person");
      assert.equal(await finance.locator("#finance-link").isHidden(), true);
      assert.equal(await finance.locator("#users-link").isHidden(), true);

      // --- the admin: Users page, grant finance
      const admin = await newPage(browser, errors);
      await admin.goto(`${srv.url}/`);
      await login(admin, "root_admin");
      await admin.locator("#users-link").waitFor();
      await admin.click("#users-link");
      await waitText(admin, "#users-list tr[data-user=root_admin] .user-roles", "viewer, admin");
      await waitText(admin, "#users-list tr[data-user=money_person] .user-roles", /^viewer$/);
      await waitText(admin, "#role-events li", "cli:test granted admin to root_admin");
      await admin.click('#users-list tr[data-user=money_person] button[data-role="finance"]');
      await waitText(admin, "#users-status", "granted finance to money_person");
      await waitText(
        admin,
        "#users-list tr[data-user=money_person] .user-roles",
        "viewer, finance",
      );
      await waitText(admin, "#role-events li", "root_admin granted finance to money_person");
      // The button now revokes.
      assert.equal(
        await admin.locator('#users-list tr[data-user=money_person] button[data-role="finance"]')
          .getAttribute("data-action"),
        "revoke",
      );

      // The last admin cannot drop their own admin role.
      await admin.click('#users-list tr[data-user=root_admin] button[data-role="admin"]');
      await waitText(admin, "#users-status", "last_admin");
      await waitText(admin, "#users-list tr[data-user=root_admin] .user-roles", "viewer, admin");

      // Filter by role.
      await admin.selectOption("#users-role", "finance");
      await admin.click("#users-search button");
      // The unfiltered list already shows money_person: wait for the filtered one.
      await waitForValue(
        "the list filtered by role",
        async () =>
          (await admin.locator("#users-list tr[data-user]").count()) === 1 ? true : undefined,
        {
          timeoutMs: 10_000,
        },
      );
      assert.equal(
        await admin.locator("#users-list tr[data-user]").getAttribute("data-user"),
        "money_person",
      );
      const shot = Deno.env.get("WEB_SCREENSHOT_USERS");
      if (shot) await admin.screenshot({ path: shot, fullPage: true });

      // --- the finance user: after a reload the roles are re-read; Finance is there.
      await finance.reload();
      await finance.locator("#finance-link").waitFor();
      assert.equal(await finance.locator("#users-link").isHidden(), true);
      await finance.click("#finance-link");
      await waitText(finance, "#finance-total", "0 pending");
      assert.equal(await finance.locator("#finance-signin").isHidden(), true);
      await finance.goto(`${srv.url}/#/users`);
      await finance.locator("#users-signin").waitFor();
      assert.equal(await finance.locator("#users-body").isHidden(), true);

      const rows = await store.query<{ actor_name: string; role: string; action: string }>(
        "SELECT actor_name, role, action FROM role_events ORDER BY id",
      );
      assert.deepEqual([...rows], [
        { actor_name: "cli:test", role: "admin", action: "grant" },
        { actor_name: "root_admin", role: "finance", action: "grant" },
      ]);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await pg.close();
    }
  },
});
