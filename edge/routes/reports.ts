/**
 * Reports under /api: `POST /rooms/:id/reports` (a signed-in viewer reports the room or one of
 * its messages) and `GET /admin/reports` (open reports, platform admins).
 */
import { Hono } from "hono";
import { requireAdmin, requireUserIdentity } from "../accounts/http.ts";
import { fileReport, openReports } from "../accounts/reports.ts";
import type { Accounts } from "../accounts/service.ts";
import { guarded } from "../http_errors.ts";
import { declared } from "../openapi/area.ts";
import { reportsApi } from "../openapi/lazy_areas.ts";
import { mount } from "../openapi/router.ts";

export function reportsRoutes(deps: Accounts): Hono {
  const app = new Hono();
  const guard = guarded(deps.log);
  mount(
    app,
    declared(reportsApi, "post", "/rooms/{id}/reports"),
    guard(async (c, input) => {
      const who = await requireUserIdentity(c, deps.resolver);
      const roomId = input.param().id;
      const body = await input.json();
      const { report, created } = await fileReport(deps.store, roomId, who.userId, body);
      return c.json({ report, created }, created ? 201 : 200);
    }),
  );
  mount(
    app,
    declared(reportsApi, "get", "/admin/reports"),
    guard(async (c, input) => {
      requireAdmin(await requireUserIdentity(c, deps.resolver));
      const { limit } = input.query();
      return c.json({ reports: await openReports(deps.store, limit) });
    }),
  );
  return app;
}
