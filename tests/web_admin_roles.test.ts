/**
 * The operator page's Users tab in headless Chromium against a started server (Postgres),
 * reached by the older `/#/users` address: a platform admin lists users with their roles,
 * grants `finance` (the change shows in the list and in the role-change log), is refused
 * removing their own admin role as the last admin (`last_admin`), filters by role; the
 * finance user, already signed in, gets the operator page after a reload, with Finance and no
 * Users.
 */
import assert from "node:assert/strict";
import { changeRole } from "../edge/accounts/roles.ts";
import { signUp } from "./helpers/accounts_app.ts";
import { hasChromium, launchChromium, login, newPage, waitText } from "./helpers/browser.ts";
import { startPostgresTestServer } from "./helpers/postgres_server.ts";
import { waitForValue } from "./helpers/wait.ts";

const enabled = await hasChromium("web_admin_roles");

Deno.test({
  name: "web: an admin grants finance on the operator page; last_admin is refused",
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

      // The future finance user is signed in before the grant: no operator page.
      const finance = await newPage(browser, errors);
      await finance.goto(`${srv.url}/`);
      await login(finance, "money_person");
      assert.equal(await finance.locator("#nav-ops").count(), 0);

      // --- the admin: the operator page's Users tab (the older /#/users leads there)
      const admin = await newPage(browser, errors);
      await admin.goto(`${srv.url}/`);
      await login(admin, "root_admin");
      await admin.locator("#nav-ops").waitFor();
      await admin.goto(`${srv.url}/#/users`);
      await admin.waitForURL(/\/ops#users$/);
      const row = (user: string) => `#users-table tr[data-user=${user}]`;
      await waitText(admin, `${row("root_admin")} .user-roles`, "viewer, admin");
      await waitText(admin, `${row("money_person")} .user-roles`, /^viewer$/);
      await waitText(admin, "#role-events li", "cli:test granted admin to root_admin");
      await admin.click(`${row("money_person")} button[data-role="finance"]`);
      await waitText(admin, "#users-status", "Granted finance to money_person");
      await waitText(admin, `${row("money_person")} .user-roles`, "viewer, finance");
      await waitText(admin, "#role-events li", "root_admin granted finance to money_person");
      // The button now revokes.
      assert.equal(
        await admin.locator(`${row("money_person")} button[data-role="finance"]`)
          .getAttribute("data-action"),
        "revoke",
      );

      // The last admin cannot drop their own admin role.
      await admin.click(`${row("root_admin")} button[data-role="admin"]`);
      await waitText(admin, "#users-status", "The last admin cannot lose the admin role");
      await waitText(admin, `${row("root_admin")} .user-roles`, "viewer, admin");

      // Filter by role.
      await admin.getByLabel("Role", { exact: true }).selectOption("finance");
      await admin.click("#ops [role=search] button[type=submit]");
      // The unfiltered list already shows money_person: wait for the filtered one.
      await waitForValue(
        "the list filtered by role",
        async () =>
          (await admin.locator("#users-table tr[data-user]").count()) === 1 ? true : undefined,
        { timeoutMs: 10_000 },
      );
      assert.equal(
        await admin.locator("#users-table tr[data-user]").getAttribute("data-user"),
        "money_person",
      );

      // --- the finance user: after a reload the roles are re-read; the operator page shows
      // Finance and no Users.
      await finance.reload();
      await finance.locator("#nav-ops").waitFor();
      await finance.goto(`${srv.url}/#/finance`);
      await finance.waitForURL(/\/ops#finance$/);
      await waitText(finance, "#finance-total", "0 withdrawals");
      assert.equal(await finance.locator("#tab-users").count(), 0);
      await finance.goto(`${srv.url}/#/users`);
      await finance.locator("#tab-finance").waitFor();
      assert.equal(await finance.locator("#users-table").count(), 0);

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
