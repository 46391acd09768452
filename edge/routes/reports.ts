/**
 * Reports under /api: `POST /rooms/:id/reports` (a signed-in viewer reports the room or one of
 * its messages) and `GET /admin/reports` (open reports, platform admins).
 */
import { Hono } from "hono";
import { z } from "zod";
import {
  parseBody,
  parseWith,
  pathParam,
  requireAdmin,
  requireUserIdentity,
} from "../accounts/http.ts";
import { fileReport, openReports, ReportInput } from "../accounts/reports.ts";
import type { Accounts } from "../accounts/service.ts";
import { guarded } from "../http_errors.ts";

const RoomIdParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

export function reportsRoutes(deps: Accounts): Hono {
  const app = new Hono();
  const guard = guarded(deps.log);
  app.post(
    "/rooms/:id/reports",
    guard(async (c) => {
      const who = await requireUserIdentity(c, deps.resolver);
      const roomId = parseWith(RoomIdParam, pathParam(c, "id"));
      const input = await parseBody(c, ReportInput);
      const { report, created } = await fileReport(deps.store, roomId, who.userId, input);
      return c.json({ report, created }, created ? 201 : 200);
    }),
  );
  app.get(
    "/admin/reports",
    guard(async (c) => {
      requireAdmin(await requireUserIdentity(c, deps.resolver));
      const { limit } = parseWith(ListQuery, c.req.query());
      return c.json({ reports: await openReports(deps.store, limit) });
    }),
  );
  return app;
}
